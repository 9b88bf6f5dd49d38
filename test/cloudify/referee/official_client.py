"""Runs one operation with the official Cloudify REST client (cloudify-common from PyPI) against a manager, for the
referee test: the test compares the requests this sends with those cmom's client sends for the same operation.

Reads one JSON object per line on stdin: {"connection": {"host", "port", "caFile", "username", "password", "tenant"},
"op": <name>, "args": {...}}; answers each with one line of JSON: {"ok": <result>} or {"error": <message>}.
"""
import inspect
import json
import sys

from cloudify_rest_client import CloudifyClient


def _client(c):
    return CloudifyClient(
        host=c["host"],
        port=c["port"],
        protocol="https",
        cert=c["caFile"],
        username=c["username"],
        password=c["password"],
        tenant=c["tenant"],
    )


def _dict(obj):
    return dict(obj) if obj is not None else None


def _known(method, **kwargs):
    """The keyword arguments this client release has (older releases lack e.g. async_create)."""
    accepted = inspect.signature(method).parameters
    return {k: v for k, v in kwargs.items() if k in accepted}


# Each operation calls the client the way `cfy` calls it for the same task.
OPERATIONS = {
    "tenants.create": lambda c, a: _dict(c.tenants.create(a["name"])),
    "tenants.get": lambda c, a: _dict(c.tenants.get(a["name"])),
    "tenants.delete": lambda c, a: c.tenants.delete(a["name"]),
    "tenants.list": lambda c, a: [_dict(t) for t in c.tenants.list()],
    "secrets.create": lambda c, a: _dict(c.secrets.create(
        a["key"], a["value"], update_if_exists=False, is_hidden_value=a["hidden"], visibility=a["visibility"])),
    "secrets.get": lambda c, a: _dict(c.secrets.get(a["key"])),
    "secrets.update": lambda c, a: _dict(c.secrets.update(a["key"], value=a["value"])),
    "secrets.update_fields": lambda c, a: _dict(c.secrets.update(
        a["key"], visibility=a["visibility"], is_hidden_value=a["hidden"])),
    "secrets.delete": lambda c, a: c.secrets.delete(a["key"]),
    "plugins.upload": lambda c, a: _dict(c.plugins.upload(a["zip"], visibility=a["visibility"])),
    "plugins.list": lambda c, a: [_dict(p) for p in c.plugins.list(
        package_name=a["packageName"], package_version=a["packageVersion"])],
    "plugins.get": lambda c, a: _dict(c.plugins.get(a["id"])),
    "plugins.download": lambda c, a: c.plugins.download(a["id"], a["file"]),
    "plugins.delete": lambda c, a: c.plugins.delete(a["id"], force=False),
    # The raw-body upload (the client's `legacy` mode): what managers before 7.0 take, and 7.0 still does.
    "blueprints.upload": lambda c, a: _dict(c.blueprints.upload(
        a["mainFile"], a["id"], visibility=a["visibility"], **_known(c.blueprints.upload, async_upload=a["async"], legacy=True))),
    "blueprints.get": lambda c, a: _dict(c.blueprints.get(a["id"])),
    "blueprints.list": lambda c, a: [_dict(b) for b in c.blueprints.list(
        _include=["id"], _all_tenants=True, _size=a["size"])],
    "blueprints.download": lambda c, a: c.blueprints.download(a["id"], a["file"]),
    "blueprints.delete": lambda c, a: c.blueprints.delete(a["id"], force=False),
    "deployments.create": lambda c, a: _dict(c.deployments.create(
        a["blueprintId"], a["id"], inputs=a["inputs"], visibility=a["visibility"],
        skip_plugins_validation=False, **_known(c.deployments.create, async_create=a["async"]))),
    "deployments.get": lambda c, a: _dict(c.deployments.get(a["id"])),
    "deployments.list": lambda c, a: [_dict(d) for d in c.deployments.list()],
    "deployments.delete": lambda c, a: c.deployments.delete(a["id"]),
    "executions.start": lambda c, a: _dict(c.executions.start(
        a["deploymentId"], a["workflowId"], parameters=a.get("parameters"),
        allow_custom_parameters=a["allowCustom"], force=False, dry_run=False, queue=a["queue"])),
    "executions.get": lambda c, a: _dict(c.executions.get(a["id"])),
    "executions.list": lambda c, a: [_dict(e) for e in c.executions.list(
        deployment_id=a["deploymentId"], workflow_id=a["workflowId"], _include_system_workflows=True, sort="created_at")],
    "executions.cancel": lambda c, a: _dict(c.executions.cancel(a["id"])),
    "node_instances.list": lambda c, a: [
        _dict(ni) for ni in c.node_instances.list(
            deployment_id=a["deploymentId"], _include=["id", "host_id", "deployment_id", "state"])],
    "snapshots.create": lambda c, a: _dict(c.snapshots.create(
        a["id"], include_credentials=True, include_logs=True, include_events=True, **_known(c.snapshots.create, queue=False))),
    "snapshots.get": lambda c, a: _dict(c.snapshots.get(a["id"])),
    "snapshots.get_status": lambda c, a: c.snapshots.get_status(),
    "snapshots.delete": lambda c, a: c.snapshots.delete(a["id"]),
    "snapshots.download": lambda c, a: c.snapshots.download(a["id"], a["file"]),
    "snapshots.upload": lambda c, a: _dict(c.snapshots.upload(a["file"], a["id"])),
    "snapshots.restore": lambda c, a: _dict(c.snapshots.restore(a["id"], **_known(
        c.snapshots.restore, force=a["force"], recreate_deployments_envs=True))),
    "manager.get_status": lambda c, a: c.manager.get_status(),
    "manager.get_version": lambda c, a: c.manager.get_version(),
    "manager.get_managers": lambda c, a: [_dict(m) for m in c.manager.get_managers()],
    "manager.remove_manager": lambda c, a: c.manager.remove_manager(a["hostname"]),
    "cluster_status.get_status": lambda c, a: c.cluster_status.get_status(),
}


def main():
    # One process answers every request of a test file: the client is imported once, not once per operation.
    for line in sys.stdin:
        request = json.loads(line)
        # A new client per operation, as `cfy` makes one per command.
        client = _client(request["connection"])
        try:
            result = OPERATIONS[request["op"]](client, request.get("args", {}))
            answer = {"ok": result}
        except Exception as error:  # reported to the test, which shows it
            answer = {"error": "{0}: {1}".format(type(error).__name__, error)}
        sys.stdout.write(json.dumps(answer, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

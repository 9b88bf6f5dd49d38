#!/usr/bin/env -S python3 -S
# -S: standard library only, so no site start-up (.pth files, site-packages) in each of the many calls a test makes.
"""Recording fakes of `rpm`, `cfy_manager` (cloudify-manager-install) and `cfy` (cloudify-cli) for the cmom-node-setup
tests, per Cloudify version 4.3 ... 4.6, written from the official sources at those release tags (each behaviour names
the file it follows; "install" = cloudify-manager-install, "cli" = cloudify-cli, "manager" = cloudify-manager).
Invoked through symlinks in a per-node bin directory; `cfy` appears there only once `cfy_manager install` has installed
the CLI package, and leaves with `cfy_manager remove`.

Each call is appended to $FAKE_STATE/calls.jsonl as {"cmd", "argv", "env"} (env: the CLOUDIFY_* and LOCAL_REST_CERT_FILE
variables). Per node state lives in $FAKE_STATE/state.json; managers and clusters shared between nodes in $FAKE_REGISTRY.
Tests steer failures through state.json: failInstall (message), statusDelay (status polls answering "inactive"),
servicesDown (bool), failJoins (number of joins that fail first), deployments (number of installed deployments).
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
from fake_files import held, load, save  # beside this file (Python resolves the symlink it runs through)  # noqa: E402

STATE_DIR = os.environ["FAKE_STATE"]
STATE_FILE = os.path.join(STATE_DIR, "state.json")
REGISTRY_FILE = os.environ["FAKE_REGISTRY"]
ETC_CLOUDIFY = os.environ.get("CMOM_ROOT", "") + "/etc/cloudify"
CONFIG_YAML = ETC_CLOUDIFY + "/config.yaml"
# install cfy_manager/constants.py @4.3-4.6: INITIAL_INSTALL_FILE is /etc/cloudify/.install (5.0 renamed it .installed).
MARKER = ETC_CLOUDIFY + "/.install"
# install cfy_manager/main.py @4.4-4.6: configure/start/stop refuse to run while /etc/cloudify/cluster exists.
CLUSTER_FILE = ETC_CLOUDIFY + "/cluster"
BIN_DIR = os.path.dirname(os.path.abspath(sys.argv[0]))
SERVICES = ["InfluxDB", "Cloudify Composer", "AMQP-Postgres", "RabbitMQ", "Webserver", "Management Worker",
            "PostgreSQL", "Cloudify Console", "Manager Rest-Service", "Riemann"]

# What differs between the versions, one row per version.
VERSIONS = {
    "4.3": {
        # cli cloudify_cli/cli/cfy.py @4.3/4.4: no global --json option (click: "no such option", exit 2).
        "json": False,
        # cli cloudify_cli/commands/executions.py @4.3: the table shows the raw status ('terminated').
        "finished": "terminated",
        # install cfy_manager/main.py @4.3: no cluster-node check in configure.
        "configure_on_cluster": True,
        # install cfy_manager/components/nginx/nginx.py @4.3-4.5: configure redeploys the certificates.
        "configure_certs": True,
        # install cfy_manager/components/cli/cli.py @4.3: remove uninstalls the CLI but deletes no profile.
        "remove_profile": False,
        # install cfy_manager/components/globals.py + config.yaml @4.3: no flask_security default -> KeyError.
        "missing_security": "KeyError: 'flask_security'",
        # cli cloudify_cli/commands/snapshots.py @4.3/4.4: no --ignore-plugin-failure.
        "restore_options": ["--without-deployment-envs", "--force", "--restore-certificates", "--no-reboot"],
    },
}
# install cfy_manager/components/globals.py + config.yaml @4.4+: flask_security defaults to {} -> InputError.
MISSING_SECURITY_4_4 = ("InputError: Flask security configuration not found in /etc/cloudify/config.yaml.\n"
                        "The Flask security configuration was not generated because the `--clean-db` flag was not "
                        "passed cfy_manager install/configure")
VERSIONS["4.4"] = dict(VERSIONS["4.3"], **{
    # manager rest-service/manager_rest/storage/resource_models.py @4.4: status_display shows 'completed'.
    "finished": "completed",
    "configure_on_cluster": False,
    # install cfy_manager/components/cli/cli.py @4.4+: remove deletes the `localhost` profile, only that one.
    "remove_profile": True,
    "missing_security": MISSING_SECURITY_4_4,
})
VERSIONS["4.5"] = dict(VERSIONS["4.4"], **{
    # cli cloudify_cli/cli/cfy.py + table.py @4.5: global --json, a JSON array printed one object per line.
    "json": True,
    "restore_options": VERSIONS["4.3"]["restore_options"] + ["--ignore-plugin-failure"],
})
VERSIONS["4.6"] = dict(VERSIONS["4.5"], **{
    # install cfy_manager/components/nginx/nginx.py @4.6: certificates are handled only with --clean-db.
    "configure_certs": False,
})


def die(message, code=1):
    sys.stderr.write(message + "\n")
    sys.exit(code)


def option(args, *names):
    for name in names:
        if name in args:
            return args[args.index(name) + 1]
    return None


def record(cmd, argv):
    env = {key: value for key, value in os.environ.items()
           if key.startswith("CLOUDIFY_") or key == "LOCAL_REST_CERT_FILE"}
    with open(os.path.join(STATE_DIR, "calls.jsonl"), "a") as handle:
        handle.write(json.dumps({"cmd": cmd, "argv": argv, "env": env}) + "\n")


def version_row(version):
    key = ".".join((version or "").split("-")[0].split(".")[:2])
    if key not in VERSIONS:
        die("fake: no behaviour recorded for Cloudify %s" % version, 3)
    return VERSIONS[key]


def table(title, columns, rows, headers):
    """What prettytable prints under a title (cli cloudify_cli/table.py @4.3-4.6), the shape the tool parses."""
    widths = [max([len(header)] + [len(str(row.get(col, ""))) for row in rows])
              for col, header in zip(columns, headers)]
    rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"

    def line(values):
        return "|" + "|".join(" %s " % str(value).ljust(width) for value, width in zip(values, widths)) + "|"
    out = ["", title, rule, line(headers), rule] + [line([row.get(col, "") for col in columns]) for row in rows]
    print("\n".join(out + [rule, ""]))


def print_data(row, title, columns, rows, labels=None):
    """cli cloudify_cli/table.py @4.5+: with --json a JSON array, one object per line; else a table."""
    labels = labels or {}
    if row.get("json_flag"):
        print("[")
        print(",\n".join(json.dumps({labels.get(col, col): item.get(col) for col in columns}) for item in rows))
        print("]")
    else:
        table(title, columns, rows, [labels.get(col, col) for col in columns])


# ------------------------------------------------------------------------------------------------------------------ rpm
def rpm(args, state):
    def version_of(path):
        with open(path) as handle:
            words = handle.read().split()
        if words[:2] != ["fake-rpm", "cloudify-manager-install"]:
            die("error: %s: not an rpm package" % path)
        return words[2]

    if args[:1] == ["-q"]:
        version = state.get("rpm")
        if not version:
            die("package %s is not installed" % args[-1])
        print(version if "--qf" in args else "cloudify-manager-install-" + version, end="")
    elif args[:1] == ["-qp"]:
        print(version_of(args[-1]), end="")
    elif args[:1] == ["-i"]:
        if state.get("rpm"):
            die("package cloudify-manager-install-%s is already installed" % state["rpm"])
        state["rpm"] = version_of(args[1])
    elif args[:1] == ["-U"]:
        version = version_of(args[1])
        if version == state.get("rpm"):
            die("package cloudify-manager-install-%s is already installed" % version)
        state["rpm"] = version
    else:
        die("fake rpm: unsupported %s" % args, 2)


# ---------------------------------------------------------------------------------------------------------- cfy_manager
def read_config():
    # The tool writes JSON (which is YAML); the installer writes its merged config back the same way here.
    with open(CONFIG_YAML) as handle:
        return json.load(handle)


def write_config(config):
    # install cfy_manager/config.py dump_config @4.3-4.6: the merged config, generated keys included, is written back.
    with open(CONFIG_YAML, "w") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)


def cert_digest(config):
    inputs = config.get("ssl_inputs", {})
    parts = []
    for key in sorted(inputs):
        try:
            with open(inputs[key]) as handle:
                parts.append(handle.read())
        except (IOError, OSError):
            parts.append("")
    return "|".join(parts)


def set_cli(state, config, present):
    """install cfy_manager/components/cli/cli.py: install yum-installs the CLI package and makes the `localhost`
    profile with the admin's credentials, tenant and certificate (`profiles set -u -p -t -c --ssl`); remove
    yum-removes it."""
    link = os.path.join(BIN_DIR, "cfy")
    if present:
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(__file__), link)
        security = config["manager"]["security"]
        state.setdefault("profiles", {})["localhost"] = {
            "manager_ip": "localhost", "username": security["admin_username"],
            "password": security["admin_password"], "tenant": "default_tenant",
            "cert": "/etc/cloudify/ssl/cloudify_external_cert.pem", "ssl": True, "cluster": []}
    elif os.path.lexists(link):
        os.remove(link)


def check_security(row, config, clean_db):
    """install cfy_manager/components/globals.py set_globals @4.3-4.6: a clean DB generates the flask_security keys;
    otherwise they must be in config.yaml already (written back by the first install)."""
    if clean_db:
        config["flask_security"] = {"hash_salt": "generated-salt-6d2f91", "secret_key": "generated-key-3a7c44",
                                    "encoding_alphabet": "abc", "encoding_block_size": 24, "encoding_min_length": 5}
        return
    if "flask_security" not in config and row["missing_security"].startswith("KeyError"):
        die(row["missing_security"])
    if not config.get("flask_security"):
        die(row["missing_security"])


def cfy_manager(args, state, registry):
    row = version_row(state.get("rpm"))
    command = args[0] if args else ""
    if command not in ("install", "configure", "remove", "start", "stop", "restart", "validate", "sanity-check",
                       "create-internal-certs", "create-external-certs", "create-pkcs12", "add-networks"):
        # install cfy_manager/main.py @4.3-4.6 (argh): an unknown command is an invalid choice; `upgrade` arrives in 5.1.1.
        die("usage: cfy_manager [-h] {install,configure,remove,start,stop,restart,...} ...\n"
            "cfy_manager: error: argument {install,configure,remove,start,stop,restart,...}: "
            "invalid choice: '%s'" % command, 2)
    config = read_config() if os.path.exists(CONFIG_YAML) else {}
    clean_db = "--clean-db" in args or not os.path.isfile(MARKER)  # main.py: the first install always cleans the DB
    if command == "install":
        manager = config["manager"]
        print("Installing desired components...")
        check_security(row, config, clean_db)
        if state.get("failInstall"):
            state["services"] = "partial"
            die("BootstrapError: " + state["failInstall"])
        set_cli(state, config, True)
        state.update(localIp=manager["private_ip"], services="up", certs=cert_digest(config))
        registry["membership"].pop(manager["private_ip"], None)  # a new database knows no cluster
        registry["managers"][manager["private_ip"]] = {
            "user": manager["security"]["admin_username"], "password": manager["security"]["admin_password"],
            "version": state.get("rpm")}
        print("Installation finished successfully!")
        print("Manager password is " + manager["security"]["admin_password"])  # globals.py print_password_to_screen
        write_config(config)
        open(MARKER, "w").close()
    elif command == "configure":
        if not os.path.isfile(MARKER):
            die("BootstrapError: Could not find %s.\nThis most likely means that you need to run `cfy_manager install` "
                "before running `cfy_manager configure`" % MARKER)
        if not row["configure_on_cluster"] and os.path.exists(CLUSTER_FILE):
            die("BootstrapError: Operation 'configure' is not allowed on a cluster node")
        check_security(row, config, clean_db)
        if row["configure_certs"] or clean_db:
            state["certs"] = cert_digest(config)
        else:
            print("Skipping certificate handling. Pass the `--clean-db` flag in order to recreate all certificates")
        if clean_db:
            registry["managers"][state["localIp"]]["password"] = config["manager"]["security"]["admin_password"]
        set_cli(state, config, True)
        state["configured"] = state.get("configured", 0) + 1
        print("Configuration finished successfully!")
        write_config(config)
    elif command == "remove":
        if "--force" not in args:
            die("BootstrapError: The --force flag must be passed to `cfy_manager remove`")
        if row["remove_profile"]:
            state.get("profiles", {}).pop("localhost", None)
        set_cli(state, config, False)
        if os.path.exists(MARKER):
            os.remove(MARKER)
        state["services"] = "down"
        registry["managers"].pop(state.get("localIp", ""), None)
        # The cluster's database lives on the nodes: a removed node is gone from the cluster it was in, but the leader
        # keeps listing it until `cfy cluster nodes remove` (cli cloudify_cli/commands/cluster.py remove_node).
        registry["membership"].pop(state.get("localIp", ""), None)
        if os.path.exists(CLUSTER_FILE):
            os.remove(CLUSTER_FILE)
        print("Cloudify Manager successfully removed!")
    else:
        die("fake cfy_manager: %s not modelled" % command, 3)


# ------------------------------------------------------------------------------------------------------------------ cfy
def credentials(profile):
    """cli cloudify_cli/env.py get_username/get_password/get_tenant_name/get_ssl_cert @4.3-4.6: a value set both in the
    profile and in the environment is a conflict that fails the command; CLOUDIFY_SSL/CLOUDIFY_SSL_CERT are not read."""
    result = {}
    for key, variable, what, unset in (
            ("username", "CLOUDIFY_USERNAME", "Username", "--manager-username"),
            ("password", "CLOUDIFY_PASSWORD", "Password", "--manager-password"),
            ("tenant", "CLOUDIFY_TENANT", "Tenant", "--manager-tenant")):
        value = os.environ.get(variable)
        if value and profile.get(key):
            die("Manager %s is set in profile *and* in the `%s` env variable. Resolve the conflict before continuing.\n"
                "Either unset the env variable, or run `cfy profiles unset %s`" % (what, variable, unset))
        result[key] = value or profile.get(key)
    cert = os.environ.get("LOCAL_REST_CERT_FILE")
    if cert and profile.get("cert"):
        die("Rest Certificate is set in profile *and* in the `LOCAL_REST_CERT_FILE` env variable. Resolve the conflict "
            "before continuing.\nEither unset the env variable, or run `cfy profiles unset --rest_certificate`")
    result["cert"] = cert or profile.get("cert")
    return result


def connect(registry, ip, creds, ssl):
    """The REST call behind every manager command: reachable, TLS verified with the given CA, credentials checked."""
    manager = registry["managers"].get(ip)
    if manager is None:
        die("Can't connect to manager %s: connection refused" % ip)
    if ssl and not (creds.get("cert") and os.path.isfile(creds["cert"])):
        die("SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    if (creds.get("username"), creds.get("password")) != (manager["user"], manager["password"]):
        die("401: User unauthorized: No authentication info provided")
    if not creds.get("tenant"):
        die("400: Tenant name not provided")
    return manager


def master_of(registry, ip):
    """Replicas answer 400 not_cluster_master (manager rest-service @4.3-4.6 HA); the CLI's cluster client fails over
    to the master among the profile's cluster nodes (cli cloudify_cli/env.py ClusterHTTPClient)."""
    return registry["membership"].get(ip) or ip


def profiles_command(args, state, registry, row):
    profiles = state.setdefault("profiles", {})
    if args[1] == "use":
        ip = args[2]
        name = option(args, "--profile-name") or ip
        if name in profiles:
            # cli cloudify_cli/commands/profiles.py _switch_profile: options of an existing profile are ignored.
            state["active"] = name
            print("Using manager %s" % name)
            return
        profile = {"manager_ip": ip, "username": option(args, "-u", "--manager-username"),
                   "password": option(args, "-p", "--manager-password"),
                   "tenant": option(args, "-t", "--manager-tenant"), "cert": option(args, "-c", "--rest-certificate"),
                   "ssl": "--ssl" in args or bool(option(args, "-c", "--rest-certificate")), "cluster": []}
        # profiles.py _create_profile: the manager is asked for its provider context first, with the given or
        # environment credentials; on failure no profile is made.
        if "--skip-credentials-validation" not in args:
            connect(registry, master_of(registry, ip), credentials(profile), profile["ssl"])
        profiles[name] = profile
        state["active"] = name
        print("Using manager %s with port 443" % ip)
    elif args[1] == "delete":
        if args[2] not in profiles:
            die("Profile %s does not exist" % args[2])
        del profiles[args[2]]
        if state.get("active") == args[2]:
            state.pop("active")
        print("Profile %s deleted" % args[2])
    else:
        die("fake cfy: profiles %s not modelled" % args[1], 3)


def cluster_nodes(registry, leader):
    return [dict(node, state="leader" if node["host_ip"] == leader else "replica", consul="OK", services="OK",
                 database="OK", heartbeat="OK") for node in registry["clusters"].get(leader, [])]


def cfy(args, state, registry):
    row = dict(version_row(state.get("rpm")))
    if "--json" in args:
        if not row["json"]:
            die("Usage: cfy [OPTIONS] COMMAND [ARGS]...\n\nError: no such option: --json", 2)
        args = [arg for arg in args if arg != "--json"]
        row["json_flag"] = True
    if args[:1] == ["profiles"]:
        profiles_command(args, state, registry, row)
        return
    name = state.get("active")
    profile = state.get("profiles", {}).get(name) if name else None
    if profile is None:
        die("This command is only available when using a manager. Please use the `cfy profiles use` command")
    creds = credentials(profile)
    target = profile["manager_ip"]
    if profile.get("cluster"):
        target = master_of(registry, target)
    if target == state.get("localIp") and state.get("services") != "up":
        die("Can't connect to manager %s: connection refused" % target)
    connect(registry, target, creds, profile["ssl"])
    local = target == state.get("localIp")
    if args[:1] == ["status"]:
        # cli cloudify_cli/commands/status.py: an unreachable REST service is logged and the command still exits 0.
        status = "running"
        if local and state.get("servicesDown"):
            status = "inactive"
        elif local and state.get("statusDelay", 0) > 0:
            state["statusDelay"] -= 1
            status = "inactive"
        rows = [{"service": service.ljust(30), "status": status if service == "Manager Rest-Service" else "running"}
                for service in SERVICES]
        print("Retrieving manager services status... [ip=%s]" % target)
        print_data(row, "Services:", ["service", "status"], rows)
    elif args[:2] == ["cluster", "start"]:
        ip, node_name = option(args, "--cluster-host-ip"), option(args, "--cluster-node-name")
        # cli cloudify_cli/commands/cluster.py start: the current manager must not be clustered yet.
        if target in registry["membership"]:
            die("This manager machine is already part of a Cloudify Manager cluster")
        print("Creating a new Cloudify Manager cluster")
        registry["clusters"][target] = [{"name": node_name, "host_ip": ip}]
        registry["membership"][target] = target
        profile["cluster"] = [{"name": node_name, "manager_ip": target}]
        open(CLUSTER_FILE, "w").close()
        print("Cloudify Manager cluster started at %s." % ip)
    elif args[:2] == ["cluster", "join"]:
        ip, node_name, join_profile = option(args, "--cluster-host-ip"), option(args, "--cluster-node-name"), args[-1]
        # cluster.py join @4.3-4.6, in this order.
        if target in registry["membership"]:
            die("This manager machine is already part of a Cloudify Manager cluster")
        joined = state.get("profiles", {}).get(join_profile)
        if joined is None:
            die("No such profile: %s" % join_profile)
        if not joined.get("cluster"):
            die("Cannot join profile %s - that profile has no cluster started" % join_profile)
        leader = master_of(registry, joined["manager_ip"])
        connect(registry, leader, credentials(joined), joined["ssl"])
        if state.get("failJoins", 0) > 0:
            state["failJoins"] -= 1
            die("Error while joining the Cloudify Manager cluster")
        if any(node["name"] == node_name for node in registry["clusters"].get(leader, [])):
            die("Node %s is already a member of the cluster" % node_name)
        print("Joining the Cloudify Manager cluster: %s" % [n["host_ip"] for n in registry["clusters"][leader]])
        registry["clusters"][leader].append({"name": node_name, "host_ip": ip})
        registry["membership"][target] = leader
        # _copy_cluster_profile_settings: the joined profile's credentials and node list are copied into this one.
        for key in ("username", "password", "tenant"):
            profile[key] = joined.get(key)
        profile["cluster"] = [{"name": n["name"], "manager_ip": n["host_ip"]} for n in registry["clusters"][leader]]
        open(CLUSTER_FILE, "w").close()
        print("Cloudify Manager joined cluster successfully.")
    elif args[:2] == ["cluster", "nodes"]:
        leader = registry["membership"].get(target)
        if leader is None:  # cluster.py pass_cluster_client
            die("This manager is not part of a Cloudify Manager cluster")
        nodes = cluster_nodes(registry, leader)
        if args[2] == "list":
            print_data(row, "HA Cluster nodes", ["name", "host_ip", "state", "consul", "services", "database",
                                                 "heartbeat"], nodes, {"services": "cloudify services"})
            profile["cluster"] = [{"name": n["name"], "manager_ip": n["host_ip"]} for n in nodes]
        elif args[2] == "remove":
            removed = [node for node in nodes if node["name"] == args[3]]
            if not removed:
                die("Invalid command. %s is not a member of the cluster." % args[3])
            registry["clusters"][leader] = [n for n in registry["clusters"][leader] if n["name"] != args[3]]
            if registry["membership"].get(removed[0]["host_ip"]) == leader:
                del registry["membership"][removed[0]["host_ip"]]
            for other in state.get("profiles", {}).values():  # cluster.py remove_node: every profile forgets it
                other["cluster"] = [n for n in other.get("cluster", []) if n.get("name") != args[3]]
            print("Node %s was removed successfully!" % args[3])
        else:
            die("fake cfy: cluster nodes %s not modelled" % args[2], 3)
    elif args[:1] == ["snapshots"]:
        snapshots(args, state, row)
    elif args[:2] == ["executions", "get"]:
        execution = state.get("executions", {}).get(args[2])
        if execution is None:
            die("404: Requested `Execution` with ID `%s` was not found" % args[2])
        shown = dict(execution, id=args[2])
        # manager rest-service/manager_rest/storage/resource_models.py status_display @4.4+: terminated -> completed
        shown["status_display"] = row["finished"] if execution["status"] == "terminated" else execution["status"]
        column = "status" if row["finished"] == "terminated" else "status_display"
        print_data(row, "Execution:", ["id", "workflow_id", column, "deployment_id", "error"], [shown],
                   {"status_display": "status"})
    elif args[:2] == ["agents", "install"]:
        # cli cloudify_cli/commands/agents.py create_deployments_list: no deployment is an error (exit 1).
        if not state.get("deployments"):
            die("There are no deployments installed")
        print("Running workflow 'install_new_agents' for all installed deployments")
    else:
        die("fake cfy: unsupported %s" % args, 2)


def snapshots(args, state, row):
    items = state.setdefault("snapshots", {})
    if args[1] == "create":
        if args[2] in items:
            die("409: snapshot %s already exists" % args[2])
        items[args[2]] = {"status": "created", "params": args[3:]}
        print("Started workflow execution. The execution's id is exec-create-%s" % args[2])
    elif args[1] == "list":
        print_data(row, "Snapshots:", ["id", "created_at", "status", "error", "visibility", "tenant_name",
                                       "created_by"], [dict(value, id=key) for key, value in items.items()])
    elif args[1] == "download":
        with open(option(args, "-o", "--output-path"), "w") as handle:
            handle.write("fake snapshot " + args[2])
    elif args[1] == "upload":
        snapshot_id = option(args, "-s", "--snapshot-id")
        if snapshot_id in items:
            die("409: snapshot %s already exists" % snapshot_id)
        items[snapshot_id] = {"status": "uploaded"}
    elif args[1] == "restore":
        # cli cloudify_cli/commands/snapshots.py restore: its options per version.
        for argument in args[3:]:
            if argument not in row["restore_options"]:
                die("Usage: cfy snapshots restore [OPTIONS] SNAPSHOT_ID\n\nError: no such option: %s" % argument, 2)
        execution = "exec-%d" % (len(state.setdefault("executions", {})) + 1)
        state["executions"][execution] = {"status": "terminated", "error": "", "workflow_id": "restore_snapshot",
                                          "deployment_id": "", "options": args[3:]}
        print("Restoring snapshot %s..." % args[2])
        print("Started workflow execution. The execution's id is %s" % execution)
    else:
        die("fake cfy: snapshots %s not modelled" % args[1], 3)


def exec_real(cmd, args):
    """Recorded pass-through to the real tool (curl: the test stage and downloads must speak real TLS)."""
    for directory in os.environ["PATH"].split(os.pathsep):
        candidate = os.path.join(directory, cmd)
        if os.path.abspath(directory) != BIN_DIR and os.access(candidate, os.X_OK):
            os.execv(candidate, [cmd] + args)
    die("fake %s: no real %s on PATH" % (cmd, cmd), 127)


def main():
    cmd, args = os.path.basename(sys.argv[0]), sys.argv[1:]
    record(cmd, args)
    if cmd == "curl":
        exec_real(cmd, args)
    with held(REGISTRY_FILE):
        state = load(STATE_FILE, {})
        registry = load(REGISTRY_FILE, {"managers": {}, "clusters": {}, "membership": {}})
        try:
            {"rpm": lambda: rpm(args, state),
             "cfy_manager": lambda: cfy_manager(args, state, registry),
             "cfy": lambda: cfy(args, state, registry)}[cmd]()
        finally:  # failures change state too (a failed install leaves services half-started)
            save(STATE_FILE, state)
            save(REGISTRY_FILE, registry)


main()

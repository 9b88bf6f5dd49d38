#!/usr/bin/env python3
"""Recording fakes of `rpm`, `cfy_manager` and `cfy` for the cmom-node-setup tests (invoked through symlinks in bin/),
and a recording pass-through to the real `curl`.

Each call is appended to $FAKE_STATE/calls.jsonl as {"cmd", "argv", "env"} (env: the CLOUDIFY_* variables).
Per node state lives in $FAKE_STATE/state.json; managers and clusters shared between nodes in $FAKE_REGISTRY.
The fakes mimic what the tool relies on from Cloudify Manager 4.x: `cfy_manager install` creates
$CMOM_ROOT/etc/cloudify/.installed only on success and prints the admin password (as 4.x does); `cfy_manager remove
--force` deletes it; the cfy CLI takes credentials from CLOUDIFY_USERNAME/CLOUDIFY_PASSWORD and refuses wrong ones.
Tests steer failures through state.json: failInstall (message), statusDelay (status polls answering "inactive"),
servicesDown (bool), failJoins (number of joins that fail first).
"""
import json
import os
import sys

STATE_DIR = os.environ["FAKE_STATE"]
STATE_FILE = os.path.join(STATE_DIR, "state.json")
REGISTRY_FILE = os.environ["FAKE_REGISTRY"]
ETC_CLOUDIFY = os.environ.get("CMOM_ROOT", "") + "/etc/cloudify"
MARKER = ETC_CLOUDIFY + "/.installed"
SERVICES = ["InfluxDB", "Cloudify Composer", "AMQP-Postgres", "RabbitMQ", "Webserver", "Management Worker",
            "PostgreSQL", "Cloudify Console", "Manager Rest-Service", "Riemann"]


def load(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def save(path, value):
    with open(path + ".tmp", "w") as handle:
        json.dump(value, handle, indent=2)
    os.replace(path + ".tmp", path)


def die(message, code=1):
    sys.stderr.write(message + "\n")
    sys.exit(code)


def option(args, name):
    return args[args.index(name) + 1] if name in args else None


def record(cmd, argv):
    env = {key: value for key, value in os.environ.items() if key.startswith("CLOUDIFY_")}
    with open(os.path.join(STATE_DIR, "calls.jsonl"), "a") as handle:
        handle.write(json.dumps({"cmd": cmd, "argv": argv, "env": env}) + "\n")


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
def cfy_manager(args, state, registry):
    if args == ["install"]:
        with open(ETC_CLOUDIFY + "/config.yaml") as handle:
            config = json.load(handle)
        manager = config["manager"]
        print("Installing Cloudify Manager...")
        if state.get("failInstall"):
            state["services"] = "partial"
            die("BootstrapError: " + state["failInstall"])
        state.update(localIp=manager["private_ip"], services="up", installedVersion=state.get("rpm"))
        registry["managers"][manager["private_ip"]] = {
            "user": manager["security"]["admin_username"], "password": manager["security"]["admin_password"]}
        open(MARKER, "w").close()
        print("Manager password is " + manager["security"]["admin_password"])  # what 4.x prints
    elif args == ["configure"]:
        if not os.path.exists(MARKER):
            die("Could not find %s" % MARKER)
    elif args == ["remove", "--force"]:
        if os.path.exists(MARKER):
            os.remove(MARKER)
        state["services"] = "down"
        registry["membership"].pop(state.get("localIp", ""), None)  # the leader's list keeps a stale entry
    elif args == ["upgrade"]:
        if not os.path.exists(MARKER):
            die("The manager is not installed")
        state["installedVersion"] = state.get("rpm")
    else:
        die("fake cfy_manager: unsupported %s" % args, 2)


# ------------------------------------------------------------------------------------------------------------------ cfy
def cfy(args, state, registry):
    if args[:2] == ["profiles", "use"]:
        ip = args[2]
        manager = registry["managers"].get(ip)
        if manager is None or (ip == state.get("localIp") and not os.path.exists(MARKER)):
            die("Can't use manager %s: connection refused" % ip)
        check_credentials(manager)
        if not os.path.isfile(option(args, "-c") or "") or "--ssl" not in args:
            die("fake cfy: profiles use needs --ssl and -c <existing CA file>")
        state["profile"] = ip
        state.setdefault("profiles", [])
        if ip not in state["profiles"]:
            state["profiles"].append(ip)
        return
    profile = state.get("profile")
    if profile is None:
        die("No manager selected: run cfy profiles use")
    check_credentials(registry["managers"][profile])
    local = profile == state.get("localIp")
    if local and not os.path.exists(MARKER):
        die("Can't connect to manager %s" % profile)
    if args[:1] == ["status"]:
        status = "running"
        if local and (state.get("services") != "up" or state.get("servicesDown")):
            status = "inactive"
        elif local and state.get("statusDelay", 0) > 0:
            state["statusDelay"] -= 1
            status = "inactive"
        rows = [{"service": name.ljust(30), "status": status if name == "Manager Rest-Service" else "running"}
                for name in SERVICES]
        print(json.dumps(rows) if "--json" in args else "\n".join("%s %s" % (r["service"], r["status"]) for r in rows))
    elif args[:3] == ["cluster", "nodes", "list"]:
        leader = registry["membership"].get(profile)
        if leader is None:
            die("This manager machine is not part of a Cloudify Manager cluster")
        print(json.dumps(registry["clusters"][leader]))
    elif args[:2] == ["cluster", "start"]:
        ip, name = option(args, "--cluster-host-ip"), option(args, "--cluster-node-name")
        if not local or ip != profile:
            die("fake cfy: cluster start must run against this node's own profile")
        if ip in registry["membership"]:
            die("This manager machine is already part of a Cloudify Manager cluster")
        registry["clusters"][ip] = [{"name": name, "host_ip": ip, "state": "leader"}]
        registry["membership"][ip] = ip
    elif args[:2] == ["cluster", "join"]:
        ip, name, leader_profile = option(args, "--cluster-host-ip"), option(args, "--cluster-node-name"), args[-1]
        if not local or ip != profile:
            die("fake cfy: cluster join must run against the joining node's own profile")
        if leader_profile not in state.get("profiles", []):
            die("Profile %s does not exist" % leader_profile)
        if state.get("failJoins", 0) > 0:
            state["failJoins"] -= 1
            die("Cluster join failed: the cluster is not ready")
        if ip in registry["membership"]:
            die("This manager machine is already part of a Cloudify Manager cluster")
        leader = registry["membership"].get(leader_profile)
        if leader is None:
            die("The manager %s is not part of a cluster" % leader_profile)
        if any(node["name"] == name or node["host_ip"] == ip for node in registry["clusters"][leader]):
            die("Node %s already exists in the cluster" % name)
        registry["clusters"][leader].append({"name": name, "host_ip": ip, "state": "replica"})
        registry["membership"][ip] = leader
    elif args[:3] == ["cluster", "nodes", "remove"]:
        leader = registry["membership"].get(profile)
        nodes = registry["clusters"].get(leader, [])
        removed = [node for node in nodes if node["name"] == args[3]]
        if not removed:
            die("Node %s not found" % args[3])
        registry["clusters"][leader] = [node for node in nodes if node["name"] != args[3]]
        if registry["membership"].get(removed[0]["host_ip"]) == leader:
            del registry["membership"][removed[0]["host_ip"]]
    elif args[:2] == ["snapshots", "create"]:
        if args[2] in state.setdefault("snapshots", {}):
            die("409: snapshot %s already exists" % args[2])
        state["snapshots"][args[2]] = {"status": "created", "params": args[3:]}
    elif args[:2] == ["snapshots", "list"]:
        print(json.dumps([dict(id=key, **value) for key, value in state.get("snapshots", {}).items()]))
    elif args[:2] == ["snapshots", "download"]:
        with open(option(args, "-o"), "w") as handle:
            handle.write("fake snapshot " + args[2])
    elif args[:2] == ["snapshots", "upload"]:
        snapshot_id = option(args, "-s")
        if snapshot_id in state.setdefault("snapshots", {}):
            die("409: snapshot %s already exists" % snapshot_id)
        state["snapshots"][snapshot_id] = {"status": "uploaded"}
    elif args[:2] == ["snapshots", "restore"]:
        execution = "exec-%d" % (len(state.setdefault("executions", {})) + 1)
        state["executions"][execution] = {"status": "terminated", "error": "", "snapshot": args[2]}
        print("Started workflow execution. The execution's id is %s" % execution)
    elif args[:2] == ["executions", "get"]:
        print(json.dumps(state.get("executions", {})[args[2]]))
    elif args[:2] == ["agents", "install"]:
        die("There are no deployments installed")
    else:
        die("fake cfy: unsupported %s" % args, 2)


def check_credentials(manager):
    if (os.environ.get("CLOUDIFY_USERNAME"), os.environ.get("CLOUDIFY_PASSWORD")) != (
            manager["user"], manager["password"]):
        die("401: Unauthorized: wrong or missing CLOUDIFY_USERNAME/CLOUDIFY_PASSWORD")


def exec_real(cmd, args):
    """Recorded pass-through to the real tool (curl: the test stage and downloads must speak real TLS)."""
    here = os.path.dirname(os.path.abspath(sys.argv[0]))
    for directory in os.environ["PATH"].split(os.pathsep):
        candidate = os.path.join(directory, cmd)
        if os.path.abspath(directory) != here and os.access(candidate, os.X_OK):
            os.execv(candidate, [cmd] + args)
    die("fake %s: no real %s on PATH" % (cmd, cmd), 127)


def main():
    cmd, args = os.path.basename(sys.argv[0]), sys.argv[1:]
    record(cmd, args)
    if cmd == "curl":
        exec_real(cmd, args)
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

#!/usr/bin/env -S python3 -S
# -S: standard library only, so no site start-up (.pth files, site-packages) in each of the many calls a test makes.
"""Fakes of `rpm`, `yum`, `curl`, `cfy_manager` (cloudify-manager-install) and `cfy` (cloudify-cli) for the cmom-role tests,
per Cloudify version 5.1, 6.4 and 7.0, written from the official sources at those release tags (each behaviour names the
file it follows; "install" = cloudify-manager-install, "cli" = cloudify-cli).
Invoked through symlinks in a per-node bin directory. Each call is appended to $FAKE_STATE/calls.jsonl (default
$CMOM_ROOT/fake) as {"cmd", "argv"}. Per node state in $FAKE_STATE/state.json ({"rpm": version, "failInstall": instance
name, "installOutput": a line `cfy_manager install` prints, standing for any output that quotes a secret, e.g. a
traceback}); the clusters (databases, brokers, managers) shared between nodes in $FAKE_REGISTRY.
The installed version is what `yum install` read from the package (a file `fake-rpm cloudify-manager-install <version>`),
else $FAKE_RPM_VERSION or $FAKE_VERSION (7.0.0). CMOM_ROOT moves every path (empty on the namespaced test hosts, whose
production paths are their own).
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
from fake_files import held, load, save  # beside this file (Python resolves the symlink it runs through)  # noqa: E402

ROOT = os.environ.get("CMOM_ROOT", "")
FAKE_DIR = os.environ.get("FAKE_STATE") or os.path.join(ROOT, "fake")
STATE_FILE = os.path.join(FAKE_DIR, "state.json")
REGISTRY_FILE = os.environ["FAKE_REGISTRY"]
# The installed package's version when there is one, else the one the package to install will carry.
VERSION = load(STATE_FILE, {}).get("rpm") or os.environ.get("FAKE_RPM_VERSION") or os.environ.get("FAKE_VERSION", "7.0.0")
MINOR = ".".join(VERSION.split(".")[:2])
# install cfy_manager/constants.py @5.1.0 ... 7.0.0: INITIAL_INSTALL_DIR, one file per installed service.
INSTALLED_DIR = ROOT + "/etc/cloudify/.installed"
# cli cloudify_cli/commands/cluster.py: `cfy cluster db-nodes update` from 5.2.0.
HAS_DB_UPDATE = MINOR not in ("5.1",)


def registry():
    return load(REGISTRY_FILE, {"databases": {}, "master": None, "brokers": {}, "managers": {}, "registeredBrokers": []})


def fail(message, code=1):
    sys.stderr.write(message + "\n")
    sys.exit(code)


def read_config(path):
    # The tests write config files as JSON, which is YAML.
    if not os.path.isfile(path):
        fail("Config file %s does not exist" % path)
    with open(path) as f:
        return json.load(f)


def arg(argv, *names):
    for i, a in enumerate(argv):
        if a in names:
            return argv[i + 1]
    return None


def installed(service):
    return os.path.isfile(os.path.join(INSTALLED_DIR, service))


def rpm(argv):
    state = load(STATE_FILE, {})
    if state.get("rpm"):
        sys.stdout.write(state["rpm"])
        return
    fail("package cloudify-manager-install is not installed")


def yum(argv):
    state = load(STATE_FILE, {})
    with open(argv[-1]) as f:
        words = f.read().split()
    # A package made by the test names its version; the tests' stand-in download ("rpm") takes the configured one.
    packaged = words[2] if words[:2] == ["fake-rpm", "cloudify-manager-install"] else None
    state["rpm"] = packaged or os.environ.get("FAKE_RPM_VERSION") or os.environ.get("FAKE_VERSION", "7.0.0")
    save(STATE_FILE, state)


def curl(argv):
    with open(arg(argv, "-K")) as f:
        config = f.read()
    if 'url = "https://' not in config:
        fail("curl: no URL given")
    with open(arg(argv, "-o"), "w") as f:
        f.write(os.environ.get("FAKE_RPM_CONTENT", "rpm"))


def cfy_manager(argv):
    if argv[:1] == ["install"]:
        return manager_install(read_config(arg(argv, "-c", "--config-file")))
    if argv[:1] == ["remove"]:
        return manager_remove(read_config(arg(argv, "-c", "--config-file")))
    if argv[:1] == ["configure"]:
        return manager_configure(read_config(arg(argv, "-c", "--config-file")))
    if argv[:2] == ["dbs", "list"]:
        return dbs_list(read_config(arg(argv, "-c")))
    if argv[:2] == ["dbs", "add"]:
        return dbs_add(read_config(arg(argv, "-c")), arg(argv, "-a", "--address"))
    if argv[:2] == ["dbs", "remove"]:
        return dbs_remove(read_config(arg(argv, "-c")), arg(argv, "-a", "--address"))
    if argv[:2] == ["brokers", "remove"]:
        return brokers_remove(read_config(arg(argv, "-c")), arg(argv, "-r", "--remove-node"))
    fail("usage: cfy_manager: invalid choice: %s" % argv[:1], 2)


def manager_install(config):
    services = config["services_to_install"]
    state = load(STATE_FILE, {})
    reg = registry()
    ip = config["manager"]["private_ip"]
    if "queue_service" in services:
        rabbit = config["rabbitmq"]
        # install rabbitmq.py _possibly_join_cluster @5.1.0 ... 7.0.0: rabbitmqctl join_cluster needs the seed node running.
        seed = rabbit.get("join_cluster")
        if seed and not reg["brokers"].get(seed, {}).get("running"):
            fail("Error: unable to perform an operation on node 'rabbit@%s'" % seed)
    if "manager_service" in services and "postgresql_server" in config:
        # A manager of a cluster needs its database and brokers (restservice.py configure @7.0.0).
        if not any(d["running"] for d in reg["databases"].values()):
            fail("Could not connect to the database cluster")
    if state.get("failInstall") == config.get("rabbitmq", {}).get("nodename", config["manager"]["hostname"]):
        fail("Installation failed")
    if "database_service" in services:
        reg["databases"][ip] = {"running": True}
        reg["master"] = reg["master"] or ip
    if "queue_service" in services:
        reg["brokers"][config["rabbitmq"]["nodename"]] = {"address": ip, "running": True}
    if "manager_service" in services:
        # install restservice.py @7.0.0: the first manager stores the brokers of its config; later ones insert themselves.
        reg["managers"][config["manager"]["hostname"]] = {"private_ip": ip}
        # install restservice.py @7.0.0: cloudify-rest.conf postgresql_host lists the database nodes of the config.
        state["restDbHosts"] = sorted(n["ip"] for n in config.get("postgresql_server", {}).get("cluster", {}).get("nodes", {}).values())
        save(STATE_FILE, state)
        if not reg["registeredBrokers"]:
            reg["registeredBrokers"] = sorted(config.get("rabbitmq", {}).get("cluster_members", {}).keys())
    save(REGISTRY_FILE, reg)
    # install main.py _create_initial_install_files @7.0.0 (_create_initial_install_file @5.1.0): after success.
    if not os.path.isdir(INSTALLED_DIR):
        os.makedirs(INSTALLED_DIR)
    for service in services:
        open(os.path.join(INSTALLED_DIR, service), "w").close()
    if "manager_service" in services:
        # install main.py _print_finish_message: the admin password, in clear, at the end of the output.
        print("Admin password: %s" % config["manager"]["security"]["admin_password"])
    if state.get("installOutput"):
        print(state["installOutput"])
    print("Installation finished successfully!")


def manager_remove(config):
    reg = registry()
    ip = config["manager"]["private_ip"]
    for service in config["services_to_install"]:
        path = os.path.join(INSTALLED_DIR, service)
        if os.path.isfile(path):
            os.remove(path)
    # A removed node is down but still a member until a node that stays removes it (brokers remove, dbs remove).
    if "queue_service" in config["services_to_install"] and config["rabbitmq"]["nodename"] in reg["brokers"]:
        reg["brokers"][config["rabbitmq"]["nodename"]]["running"] = False
    if "database_service" in config["services_to_install"] and ip in reg["databases"]:
        reg["databases"][ip]["running"] = False
    save(REGISTRY_FILE, reg)
    print("Cloudify successfully removed!")


def manager_configure(config):
    services = config["services_to_install"]
    # install main.py configure: every service of the config must be installed (@5.1.0 _validate_components_prepared
    # 'Could not find ...'; @6.4.0, 7.0.0 _all_services_installed 'Not all services ... are installed').
    if not all(installed(s) for s in services):
        if MINOR == "5.1":
            fail("Could not find %s.\nThis most likely means that you need to run `cfy_manager install` before running `cfy_manager configure`"
                 % ", ".join(os.path.join(INSTALLED_DIR, s) for s in services))
        fail("Not all services %s are installed.\nYou may need to run `cfy_manager install` first." % services)
    reg = registry()
    rabbit = config.get("rabbitmq", {})
    # install rabbitmq.py configure @5.2.0 ... 7.0.0 ends in _possibly_join_cluster: a broker with join_cluster is reset
    # (rabbitmqctl stop_app, reset) and joins again; @5.1.0 configure does not join.
    if "queue_service" in services and rabbit.get("join_cluster") and MINOR != "5.1":
        reg["brokers"][rabbit["nodename"]]["resets"] = reg["brokers"][rabbit["nodename"]].get("resets", 0) + 1
        save(REGISTRY_FILE, reg)
    state = load(STATE_FILE, {})
    state["configured"] = state.get("configured", []) + [services[0]]
    save(STATE_FILE, state)
    print("Configuration finished successfully!")


def require_services(config, command, allowed):
    # install main.py _validate_supported_services_configured @7.0.0.
    if not any(s in config["services_to_install"] and installed(s) for s in allowed):
        fail("Command %s can only be run on nodes with one of: %s" % (command, ", ".join(allowed)))


def db_cluster(config, command):
    """(master, replicas, save) as the node answers them: a database node from etcd/Patroni (the shared registry), a manager
    from its own cloudify-rest.conf postgresql_host (install postgresql_server.py _get_cluster_addresses @7.0.0)."""
    require_services(config, command, ["database_service", "manager_service"])
    reg = registry()
    if "database_service" in config["services_to_install"]:
        nodes = sorted(reg["databases"])
        def store(new_nodes):
            reg["databases"] = dict((ip, reg["databases"].get(ip, {"running": True})) for ip in new_nodes)
            save(REGISTRY_FILE, reg)
    else:
        state = load(STATE_FILE, {})
        nodes = state.get("restDbHosts", [])
        def store(new_nodes):
            state["restDbHosts"] = sorted(new_nodes)
            save(STATE_FILE, state)
    master = reg["master"]
    return master, [ip for ip in nodes if ip != master], store


def dbs_list(config):
    # install main.py db_node_list @5.1.0 ... 7.0.0: a table (utils/common.py output_table: cells centred between '|'),
    # then exit with the cluster's state (0 healthy).
    master, replicas, _ = db_cluster(config, "db_cluster_list")
    reg = registry()
    rows = [(ip, "leader" if ip == master else "replica", str(reg["databases"].get(ip, {}).get("running", True))) for ip in [master] + replicas]
    widths = [max(2 + len(r[i]) for r in rows + [("node_ip", "state", "alive")]) for i in range(3)]
    divider = "+" + "+".join("-" * w for w in widths) + "+"
    print(divider)
    print("|" + "|".join(h.center(w) for h, w in zip(("node_ip", "state", "alive"), widths)) + "|")
    print(divider)
    for r in rows:
        print("|" + "|".join(c.center(w) for c, w in zip(r, widths)) + "|")
    print(divider)
    sys.exit(0 if all(r[2] == "True" for r in rows) else 1)


def dbs_add(config, address):
    # install postgresql_server.py add_cluster_node @7.0.0: managers only; refused for a member.
    if "database_service" in config["services_to_install"]:
        fail("Database cluster nodes should be added to the cluster during install, by setting the appropriate entries in the config.yaml.")
    master, replicas, store = db_cluster(config, "db_node_add")
    if address in [master] + replicas:
        fail("Cannot add DB node %s to cluster, as it is already part of the cluster." % address)
    store([master] + replicas + [address])


def dbs_remove(config, address):
    master, replicas, store = db_cluster(config, "db_node_remove")
    # install postgresql_server.py remove_cluster_node @5.1.0 ... 7.0.0, in its order of checks (and its missing space).
    if len(replicas) < 2:
        fail("The last replica cannot be removed. A new replica must be added before removing the target node.")
    if address == master:
        fail("The currently active DB master node cannot be removed. Please set the master to a different node before retrying this command.")
    if address not in replicas:
        fail("Cannot find node with address%s for removal. The following nodes can be removed: %s" % (address, ", ".join(replicas)))
    store([master] + [r for r in replicas if r != address])


def brokers_remove(config, name):
    require_services(config, "brokers_remove", ["queue_service"])
    reg = registry()
    # install main.py brokers_remove @5.1.0 ... 7.0.0: the node to remove must be shut down and a member.
    node = reg["brokers"].get(name)
    if node and node["running"]:
        fail("Broker nodes to be removed must be shut down. If you recently shut down the node, please wait up to one minute before re-running this command.")
    if not node:
        fail("Broker node rabbit@%s not found in cluster. Valid nodes are: %s" % (name, ", ".join("rabbit@" + n for n in sorted(reg["brokers"]))))
    del reg["brokers"][name]
    save(REGISTRY_FILE, reg)


def cfy(argv):
    if not installed("manager_service"):
        fail("cfy: command not found", 127)
    reg = registry()
    if argv[:2] == ["cluster", "status"]:
        # cli commands/cluster.py status @5.1.0 ... 7.0.0: --json prints the REST /cluster-status body.
        ok = all(d["running"] for d in reg["databases"].values()) and all(b["running"] for b in reg["brokers"].values())
        print(json.dumps({"status": "OK" if ok else "Degraded", "services": {
            "manager": {"status": "OK"}, "db": {"status": "OK" if all(d["running"] for d in reg["databases"].values()) else "Degraded"},
            "broker": {"status": "OK" if all(b["running"] for b in reg["brokers"].values()) else "Degraded"}}}))
        return
    if argv[:2] == ["cluster", "remove"]:
        # cli commands/cluster.py remove_node / check_manager_exists @5.1.0 ... 7.0.0.
        if argv[2] not in reg["managers"]:
            fail("%s is not a manager in the cluster. Current managers: %s" % (argv[2], ", ".join(sorted(reg["managers"]))))
        del reg["managers"][argv[2]]
        save(REGISTRY_FILE, reg)
        print("Node %s was removed successfully!" % argv[2])
        return
    if argv[:3] == ["cluster", "brokers", "add"]:
        if argv[3] in reg["registeredBrokers"]:
            fail("%s is already a broker in the cluster. Current brokers: %s" % (argv[3], ", ".join(reg["registeredBrokers"])))
        reg["registeredBrokers"] = sorted(reg["registeredBrokers"] + [argv[3]])
        save(REGISTRY_FILE, reg)
        return
    if argv[:3] == ["cluster", "brokers", "remove"]:
        if argv[3] not in reg["registeredBrokers"]:
            fail("%s is not a broker in the cluster. Current brokers: %s" % (argv[3], ", ".join(reg["registeredBrokers"])))
        reg["registeredBrokers"] = [b for b in reg["registeredBrokers"] if b != argv[3]]
        save(REGISTRY_FILE, reg)
        return
    if argv[:3] == ["cluster", "db-nodes", "update"] and HAS_DB_UPDATE:
        reg["dbNodesUpdates"] = reg.get("dbNodesUpdates", 0) + 1
        save(REGISTRY_FILE, reg)
        return
    # click's answer to an unknown command.
    fail('Error: No such command "%s".' % argv[-1], 2)


def main():
    cmd = os.path.basename(sys.argv[0])
    argv = sys.argv[1:]
    if not os.path.isdir(FAKE_DIR):
        os.makedirs(FAKE_DIR)
    with open(os.path.join(FAKE_DIR, "calls.jsonl"), "a") as f:
        f.write(json.dumps({"cmd": cmd, "argv": argv}) + "\n")
    with held(REGISTRY_FILE):
        {"rpm": rpm, "yum": yum, "curl": curl, "cfy_manager": cfy_manager, "cfy": cfy}[cmd](argv)


main()

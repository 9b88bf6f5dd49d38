// cmom-role, the node tool of Cloudify 5.1 … 7.0 clusters, against the per-version fakes of rpm, yum, curl, cfy_manager and
// cfy (test/install/fakes/fake_modern.py, each behaviour citing the official source it follows).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, count, CREDENTIALS, installedRoleNodes, roleNodes, URL_TOKEN } from "./fakes/roleNodes";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-role-"));
const installedCache = fs.mkdtempSync(path.join(scratch, "installed-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Three all-in-one nodes (10.0.0.1 … 3) sharing one cluster registry. */
function cluster(version: string) {
  const built = roleNodes(fs.mkdtempSync(path.join(scratch, `v${version}-`)), version);
  return { ...built, installAll: () => expect(built.installAll).not.toThrow() };
}

/** The same with every role installed (installed once per version, copied for each test). */
const installedCluster = (version: string) => installedRoleNodes(installedCache, fs.mkdtempSync(path.join(scratch, `v${version}-`)), version);

describe.each(["5.1.4", "6.4.0", "7.0.0"])("cmom-role on Cloudify %s", (version) => {
  it("installer: installs the package once, the URL only on a pipe, and refuses another installed version", () => {
    const { nodes } = cluster(version);
    const node = nodes[0]!;
    expect(node.installer().code).toBe(0);
    expect(node.installer().code).toBe(0);
    expect(count(node.calls(), "yum", "install")).toBe(1);
    expect(JSON.stringify(node.calls())).not.toContain(URL_TOKEN);
    const other = nodes[1]!;
    other.state({ rpm: "5.0.5" });
    const refused = other.installer();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`cloudify-manager-install 5.0.5 is installed, expected ${version}`);
  });

  it("install: each role once in order; a rerun installs nothing; the admin password never reaches the log", () => {
    const { nodes, reg, installAll } = cluster(version);
    installAll();
    const before = nodes.map((n) => count(n.calls(), "cfy_manager", "install"));
    expect(before).toEqual([3, 3, 3]);
    installAll();
    expect(nodes.map((n) => count(n.calls(), "cfy_manager", "install"))).toEqual(before);
    expect(Object.keys(reg().managers).sort()).toEqual(["node-0", "node-1", "node-2"]);
    for (const n of nodes) expect(n.log()).not.toContain(ADMIN_PASSWORD);
  });

  it("install: a secret value on a line not naming a password never reaches the log, in any form", () => {
    const { nodes } = cluster(version);
    const node = nodes[0]!;
    expect(node.installer().code).toBe(0);
    const cookie = Buffer.from(CREDENTIALS.erlangCookie).toString("base64");
    node.state({ installOutput: `amqp://${CREDENTIALS.rabbitmqUsername}:${CREDENTIALS.rabbitmqPassword}@10.0.0.1 cookie=${cookie} etcd=${CREDENTIALS.etcdRootPassword}` });
    expect(node.run(["install", "rabbitmq-1", "queue_service"]).code).toBe(0);
    const log = node.log();
    expect(log).toContain(`amqp://${CREDENTIALS.rabbitmqUsername}:***REDACTED***@10.0.0.1`);
    for (const secret of [CREDENTIALS.rabbitmqPassword, cookie, CREDENTIALS.etcdRootPassword]) expect(log).not.toContain(secret);
  });

  it("install: a broker before the first one fails (it joins the first one's cluster)", () => {
    const { nodes } = cluster(version);
    expect(nodes[1]!.installer().code).toBe(0);
    const r = nodes[1]!.run(["install", "rabbitmq-2", "queue_service"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("rabbitmq-2: cfy_manager install failed");
  });

  it("install: a failed install is removed before the next attempt, as the official cluster manager does", () => {
    const { nodes } = cluster(version);
    const node = nodes[0]!;
    expect(node.installer().code).toBe(0);
    expect(node.run(["install", "postgresql-1", "database_service"]).code).toBe(0);
    node.state({ failInstall: "rabbitmq-1" });
    expect(node.run(["install", "rabbitmq-1", "queue_service"]).code).toBe(1);
    node.state({ failInstall: null });
    expect(node.run(["install", "rabbitmq-1", "queue_service"]).code).toBe(0);
    const calls = node.calls().filter((c) => c.cmd === "cfy_manager").map((c) => `${c.argv[0]} ${path.basename(c.argv[2]!)}`);
    expect(calls).toEqual(["install postgresql-1_config.yaml", "install rabbitmq-1_config.yaml", "remove rabbitmq-1_config.yaml", "install rabbitmq-1_config.yaml"]);
  });

  it("installer: an uploaded installer is installed from where cmom put it, its SHA-256 checked, nothing downloaded", () => {
    const { nodes } = cluster(version);
    const node = nodes[0]!;
    expect(node.run(["installer", version], "uploaded\n\n").stderr).toContain("no uploaded installer at");
    fs.mkdirSync(path.join(node.root, "opt/cmom/installer"), { recursive: true });
    fs.writeFileSync(path.join(node.root, "opt/cmom/installer/cloudify-manager-install.rpm"), "rpm");
    expect(node.run(["installer", version], `uploaded\n${"0".repeat(64)}\n`).stderr).toContain("the installer's SHA-256 is not the configured one");
    const sha = createHash("sha256").update("rpm").digest("hex");
    const r = node.run(["installer", version], `uploaded\n${sha}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(count(node.calls(), "yum", "install")).toBe(1);
    expect(count(node.calls(), "curl")).toBe(0);
  });

  it("configure: the first run after an install records the settings; only changed settings run cfy_manager configure, once", () => {
    const { nodes } = installedCluster(version);
    const node = nodes[0]!;
    const configure = (digest: string) => node.run(["configure", "manager-1", "manager_service"], `${digest}\n`);
    const configures = () => count(node.calls(), "cfy_manager", "configure");
    for (const digest of ["a".repeat(64), "a".repeat(64)]) expect(configure(digest).code).toBe(0);
    expect(configures()).toBe(0);
    for (const digest of ["b".repeat(64), "b".repeat(64)]) expect(configure(digest).code).toBe(0);
    expect(configures()).toBe(1);
    expect(node.readState().configured).toEqual(["manager_service"]);
    expect(node.log()).not.toContain(ADMIN_PASSWORD);
  });

  it("configure: refuses a role that is not installed, before calling the installer", () => {
    const { nodes } = cluster(version);
    const node = nodes[0]!;
    expect(node.installer().code).toBe(0);
    const r = node.run(["configure", "manager-1", "manager_service"], `${"a".repeat(64)}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("manager-1: manager_service is not installed");
    expect(count(node.calls(), "cfy_manager")).toBe(0);
  });

  it("configure: a broker that joined another is configured only where configure does not reset it (5.1)", () => {
    const { nodes, reg } = installedCluster(version);
    const node = nodes[1]!;
    for (const digest of ["a".repeat(64), "b".repeat(64)]) node.run(["configure", "rabbitmq-2", "queue_service"], `${digest}\n`);
    const r = node.run(["configure", "rabbitmq-2", "queue_service"], `${"b".repeat(64)}\n`);
    if (version.startsWith("5.1")) {
      expect(r.code, r.stderr).toBe(0);
      expect(count(node.calls(), "cfy_manager", "configure")).toBe(1);
    } else {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`rabbitmq-2: cfy_manager configure of Cloudify ${version} resets a joined RabbitMQ node and joins it again`);
      expect(count(node.calls(), "cfy_manager", "configure")).toBe(0);
    }
    expect(reg().brokers["rabbitmq-2"].resets).toBeUndefined();
    // The first broker joins nobody: it is configured on every version.
    for (const digest of ["a".repeat(64), "b".repeat(64)]) expect(nodes[0]!.run(["configure", "rabbitmq-1", "queue_service"], `${digest}\n`).code).toBe(0);
    expect(count(nodes[0]!.calls(), "cfy_manager", "configure")).toBe(1);
  });

  it("status: OK on a whole cluster, refused (exit 1) once a broker is down", () => {
    const { nodes } = installedCluster(version);
    expect(nodes[0]!.run(["status"]).code).toBe(0);
    expect(nodes[2]!.run(["cleanup"]).code).toBe(0);
    const degraded = nodes[0]!.run(["status"]);
    expect(degraded.code).toBe(1);
    expect(degraded.stderr).toContain("cluster status is Degraded (expected OK)");
  });

  it("status <wait>: asks again until the cluster is OK, for at most that long", () => {
    const { nodes } = installedCluster(version);
    expect(nodes[2]!.run(["cleanup"]).code).toBe(0);
    const before = count(nodes[0]!.calls(), "cfy", "cluster", "status");
    const r = nodes[0]!.run(["status", "2"], "", { CMOM_STATUS_POLL_SECONDS: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cluster status is Degraded (expected OK)");
    expect(count(nodes[0]!.calls(), "cfy", "cluster", "status") - before).toBeGreaterThanOrEqual(2);
    expect(nodes[0]!.run(["status", "soon"]).code).toBe(2);
  });

  it("scale-in: a node leaves every cluster through the nodes that stay, after its own cleanup; reruns converge", () => {
    const { nodes, reg } = installedCluster(version);
    const [a, b, leaving] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
    // A running broker is not removed (brokers remove @5.1.0 … 7.0.0): the node shuts down first.
    expect(a.run(["forget", "broker", "rabbitmq-3", leaving.ip]).stderr).toContain("must be shut down");
    expect(leaving.run(["cleanup"]).code).toBe(0);
    // Every node that stays runs it, and then again (a rerun after an interrupted scale-in).
    for (const survivor of [a, b, a, b]) {
      for (const [role, name] of [["manager", "node-2"], ["broker", "rabbitmq-3"], ["database", "postgresql-3"]]) {
        const r = survivor.run(["forget", role!, name!, leaving.ip]);
        expect(r.code, r.stderr).toBe(0);
      }
    }
    expect(Object.keys(reg().managers).sort()).toEqual(["node-0", "node-1"]);
    expect(Object.keys(reg().brokers).sort()).toEqual(["rabbitmq-1", "rabbitmq-2"]);
    expect(reg().registeredBrokers).toEqual(["rabbitmq-1", "rabbitmq-2"]);
    expect(Object.keys(reg().databases).sort()).toEqual(["10.0.0.1", "10.0.0.2"]);
    // cfy cluster db-nodes update arrives in 5.2.
    expect(count(a.calls(), "cfy", "cluster", "db-nodes", "update")).toBe(version.startsWith("5.1") ? 0 : 2);
    expect(count(a.calls(), "cfy_manager", "dbs", "remove") + count(b.calls(), "cfy_manager", "dbs", "remove")).toBe(3);
    expect(a.run(["status"]).code).toBe(0);
  });

  it("scale-in refuses the database master and names why", () => {
    const { nodes } = installedCluster(version);
    const r = nodes[1]!.run(["forget", "database", "postgresql-1", nodes[0]!.ip]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("The currently active DB master node cannot be removed");
  });

  it("scale-out: a broker or database node added later is registered on a manager once", () => {
    const { nodes, reg } = installedCluster(version);
    for (let i = 0; i < 2; i++) {
      expect(nodes[0]!.run(["join", "broker", "rabbitmq-4", "10.0.0.4"]).code).toBe(0);
      expect(nodes[0]!.run(["join", "database", "postgresql-4", "10.0.0.4"]).code).toBe(0);
    }
    expect(reg().registeredBrokers).toContain("rabbitmq-4");
    expect(count(nodes[0]!.calls(), "cfy", "cluster", "brokers", "add")).toBe(2);
  });

  it("cleanup: removes every role, managers first, then nothing on a rerun", () => {
    const { nodes } = installedCluster(version);
    const node = nodes[0]!;
    const before = node.calls().length;
    expect(node.run(["cleanup"]).code).toBe(0);
    const removes = node.calls().slice(before).filter((c) => c.cmd === "cfy_manager").map((c) => path.basename(c.argv[2]!));
    expect(removes).toEqual(["manager-1_config.yaml", "rabbitmq-1_config.yaml", "postgresql-1_config.yaml"]);
    expect(node.run(["cleanup"]).code).toBe(0);
    expect(node.calls().slice(before).filter((c) => c.cmd === "cfy_manager")).toHaveLength(3);
  });
});

it("cmom-role refuses a version it has no row for, naming it, before it changes anything", () => {
  const { nodes } = cluster("7.0.0");
  nodes[0]!.state({ rpm: "5.0.5" });
  const r = nodes[0]!.run(["forget", "manager", "node-2", "10.0.0.3"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Cloudify 5.0.5 is not supported by cmom-role (supported: 5.1 5.2 6.0 6.1 6.2 6.3 6.4 7.0 )");
  expect(nodes[0]!.calls().filter((c) => c.cmd !== "rpm")).toEqual([]);
});

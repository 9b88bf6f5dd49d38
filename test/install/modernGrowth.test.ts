// Scale-out and scale-in of a Cloudify 7.0 all-in-one cluster through the stack: a fourth host as a manager adds only that
// node (its install joins the cluster) and its membership, whose removal takes the node out of the cluster before its cleanup.
import { describe, expect, it } from "vitest";
import { revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces, TEST_CA_CERT, TEST_SECRETS } from "../support/exampleStacks";
import { runProgram } from "../support/runProgram";

const FOURTH = { name: "cfy-aio-d", address: "192.0.2.34", privateAddress: "10.40.0.34" };

/** modern-aio with real secrets, and with `added` hosts after its three all-in-one ones. */
async function aioWith(added: { role: string; host: typeof FOURTH }[]) {
  const ns = structuredClone(exampleNamespaces("modern-aio")) as Record<string, any>;
  Object.assign(ns.cluster, { adminPassword: TEST_SECRETS.adminPassword, caKey: TEST_SECRETS.caKey, caCert: TEST_CA_CERT, sshPrivateKey: TEST_SECRETS.sshPrivateKey });
  if (added.length > 0) {
    ns.hosts.push(...added.map((a) => a.host));
    ns.cluster.roles = ["all", "all", "all", ...added.map((a) => a.role)];
  }
  const { resources } = await runProgram(ns);
  return new Map(resources.map((r) => [r.urn, r]));
}

const comparable = (r: RecordedResource) => JSON.stringify({ parent: r.parent, dependsOn: r.dependsOn, inputs: revealSecrets(r.inputs) });
const byName = (resources: Map<string, RecordedResource>, name: string) => [...resources.values()].find((r) => r.name === name)!;
type Command = { connection: { host: string }; command: string; leavingNode: boolean };
const commands = (r: RecordedResource, key: "join" | "leave") =>
  (revealSecrets(r.inputs[key]) as Command[]).map((c) => `${c.connection.host}${c.leavingNode ? " (leaving)" : ""}: ${c.command}`);

describe("a fourth host as a manager of a three-node all-in-one 7.0 cluster", async () => {
  const three = await aioWith([]);
  const four = await aioWith([{ role: "manager", host: FOURTH }]);
  const added = [...four.keys()].filter((urn) => !three.has(urn)).map((urn) => four.get(urn)!.name);

  it("keeps every resource of the three-node stack, and the three nodes' steps as they were", () => {
    expect([...three.keys()].filter((urn) => !four.has(urn))).toEqual([]);
    const changed = [...three.values()].filter((r) => comparable(r) !== comparable(four.get(r.urn)!));
    // Only the REST objects and day-2 resources learn the fourth endpoint; nothing on the nodes changes.
    expect(changed.filter((r) => !r.type.startsWith("pulumi-nodejs:dynamic/cloudify:")).map((r) => r.name)).toEqual([]);
  });

  it("adds only the fourth node: its steps, one install (manager-4, after manager-1), its cleanup and its membership", () => {
    expect(added.every((name) => /node-3-|manager-4-/.test(name)), added.join("\n")).toBe(true);
    expect(added.filter((name) => name.endsWith("-install"))).toEqual(["test-install-node-3-manager-4-install"]);
    const install = byName(four, "test-install-node-3-manager-4-install");
    expect(install.dependsOn).toContain(byName(four, "test-install-node-0-manager-1-install").urn);
    expect(install.dependsOn).not.toContain(byName(four, "test-install-node-1-manager-2-install").urn);
  });

  it("the membership joins nothing (a manager joins by its install), and leaves by `cfy cluster remove` on manager-1 before its cleanup", () => {
    const membership = byName(four, "test-install-manager-4-membership");
    expect(commands(membership, "join")).toEqual([]);
    expect(commands(membership, "leave")).toEqual([
      "192.0.2.31: sudo -n bash /opt/cmom/bin/cmom-role 'forget' 'manager' 'cfy-aio-d' '10.40.0.34'",
      "192.0.2.34 (leaving): sudo -n bash /opt/cmom/bin/cmom-role 'cleanup'",
    ]);
    // Deleted before the node's own cleanup and after nothing it needs is gone: it depends on both.
    expect(membership.dependsOn).toEqual(expect.arrayContaining([byName(four, "test-install-node-3-cleanup").urn, byName(four, "test-install-node-3-manager-4-install").urn]));
  });
});

describe("added database and broker nodes", async () => {
  const six = await aioWith([
    { role: "database", host: FOURTH },
    { role: "broker", host: { name: "cfy-aio-e", address: "192.0.2.35", privateAddress: "10.40.0.35" } },
  ]);

  it("a database node is added to every manager's list, and leaves the database cluster and every manager before its cleanup", () => {
    const membership = byName(six, "test-install-postgresql-4-membership");
    expect(commands(membership, "join")).toEqual(["192.0.2.31", "192.0.2.32", "192.0.2.33"].map((host) => `${host}: sudo -n bash /opt/cmom/bin/cmom-role 'join' 'database' 'postgresql-4' '10.40.0.34'`));
    expect(commands(membership, "leave")).toEqual([
      ...["192.0.2.31", "192.0.2.32", "192.0.2.33"].map((host) => `${host}: sudo -n bash /opt/cmom/bin/cmom-role 'forget' 'database' 'postgresql-4' '10.40.0.34'`),
      "192.0.2.34 (leaving): sudo -n bash /opt/cmom/bin/cmom-role 'cleanup'",
    ]);
  });

  it("a broker is registered once, and shuts down before the broker cluster and the managers forget it", () => {
    const membership = byName(six, "test-install-rabbitmq-4-membership");
    expect(commands(membership, "join")).toEqual(["192.0.2.31: sudo -n bash /opt/cmom/bin/cmom-role 'join' 'broker' 'rabbitmq-4' '10.40.0.35'"]);
    expect(commands(membership, "leave")).toEqual([
      "192.0.2.35 (leaving): sudo -n bash /opt/cmom/bin/cmom-role 'cleanup'",
      "192.0.2.31: sudo -n bash /opt/cmom/bin/cmom-role 'forget' 'broker' 'rabbitmq-4' '10.40.0.35'",
    ]);
  });
});

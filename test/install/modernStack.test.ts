// A Cloudify 7.0 all-in-one cluster's stack as the offline plan records it: scale-out and scale-in (a fourth host as a
// manager adds only that node, whose install joins the cluster, and its membership, whose removal takes the node out of the
// cluster before its cleanup), cfy_manager configure on a changed setting, and a local installer uploaded to each node.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { cloudOutputs, revealSecrets, type OutputsFor, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces, TEST_CA_CERT, TEST_SECRETS } from "../support/exampleStacks";
import { runProgram } from "../support/runProgram";

/** The cluster's generated credentials, as the engine would have them after the first update (the plan leaves them unknown). */
const withCredentials: OutputsFor = (type, name, inputs) => type === "pulumi-nodejs:dynamic/cmom:ClusterCredentials"
  ? { values: Object.fromEntries((inputs.keys as string[]).map((key) => [key, `${key}-value`])) }
  : cloudOutputs(type, name, inputs);

const FOURTH = { name: "cfy-aio-d", address: "192.0.2.34", privateAddress: "10.40.0.34" };

/** modern-aio with real secrets, `added` hosts after its three all-in-one ones, and `edit` applied. */
async function aioWith(added: { role: string; host: typeof FOURTH }[], edit: (ns: Record<string, any>) => void = () => undefined) {
  const ns = structuredClone(exampleNamespaces("modern-aio")) as Record<string, any>;
  edit(ns);
  Object.assign(ns.cluster, { adminPassword: TEST_SECRETS.adminPassword, caKey: TEST_SECRETS.caKey, caCert: TEST_CA_CERT, sshPrivateKey: TEST_SECRETS.sshPrivateKey });
  if (added.length > 0) {
    ns.hosts.push(...added.map((a) => a.host));
    ns.cluster.roles = ["all", "all", "all", ...added.map((a) => a.role)];
  }
  const { resources } = await runProgram(ns, { preview: false, outputs: withCredentials });
  return new Map(resources.map((r) => [r.urn, r]));
}

const comparable = (r: RecordedResource) => JSON.stringify({ parent: r.parent, dependsOn: r.dependsOn, inputs: revealSecrets(r.inputs) });
const byName = (resources: Map<string, RecordedResource>, name: string) => [...resources.values()].find((r) => r.name === name)!;
type Command = { connection: { host: string }; command: string; leavingNode: boolean };
const commands = (r: RecordedResource, key: "join" | "leave") =>
  (revealSecrets(r.inputs[key]) as Command[]).map((c) => `${c.connection.host}${c.leavingNode ? " (leaving)" : ""}: ${c.command}`);

const stepsNamed = (resources: Map<string, RecordedResource>, suffix: string) => [...resources.values()].filter((r) => r.custom && r.name.endsWith(suffix));
const stdinOf = (r: RecordedResource) => revealSecrets(r.inputs.stdin) as string;

describe("a fourth host as a manager of a three-node all-in-one 7.0 cluster", async () => {
  const three = await aioWith([]);
  const four = await aioWith([{ role: "manager", host: FOURTH }]);
  const added = [...four.keys()].filter((urn) => !three.has(urn)).map((urn) => four.get(urn)!.name);

  it("keeps every resource of the three-node stack, and the three nodes' steps as they were", () => {
    expect([...three.keys()].filter((urn) => !four.has(urn))).toEqual([]);
    const changed = [...three.values()].filter((r) => comparable(r) !== comparable(four.get(r.urn)!));
    // Only the REST objects and day-2 resources learn the fourth endpoint, and the health check runs again; nothing on the
    // nodes changes.
    expect(changed.filter((r) => !r.type.startsWith("pulumi-nodejs:dynamic/cloudify:")).map((r) => r.name)).toEqual(["test-install-node-0-cluster-health"]);
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

describe("the cluster's health after an update", async () => {
  const four = await aioWith([{ role: "manager", host: FOURTH }]);

  it("`cmom-role status` waits on the first manager for OK after every install and join, and the REST objects wait for it", () => {
    const health = byName(four, "test-install-node-0-cluster-health");
    expect(health.inputs.command).toBe("sudo -n bash /opt/cmom/bin/cmom-role 'status' '600'");
    for (const step of [...stepsNamed(four, "-install"), byName(four, "test-install-manager-4-membership")]) expect(health.dependsOn, step.name).toContain(step.urn);
    const tenant = [...four.values()].find((r) => r.type === "pulumi-nodejs:dynamic/cloudify:Tenant")!;
    expect(tenant.dependsOn).toContain(health.urn);
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

describe("cfy_manager configure on a changed setting", async () => {
  const before = await aioWith([]);
  const after = await aioWith([], (ns) => {
    ns.cluster.additionalConfig = { manager: { cli_local_profile_host_name: "cfy.example.com" } };
  });
  const grown = await aioWith([{ role: "database", host: FOURTH }]);

  it("every instance has a configure step after its install, one at a time per node, its settings' digest on stdin", () => {
    const configures = stepsNamed(before, "-configure");
    expect(configures).toHaveLength(9);
    for (const step of configures) {
      expect(step.inputs.command).toMatch(/^sudo -n bash \/opt\/cmom\/bin\/cmom-role 'configure' '(postgresql|rabbitmq|manager)-\d' '[a-z_]+'$/);
      expect(stdinOf(step)).toMatch(/^[0-9a-f]{64}\n$/);
      expect(step.dependsOn).toContain(byName(before, step.name.replace(/-configure$/, "-install")).urn);
    }
    expect(byName(before, "test-install-node-0-rabbitmq-1-configure").dependsOn).toContain(byName(before, "test-install-node-0-postgresql-1-configure").urn);
    expect(byName(before, "test-install-node-0-manager-1-configure").dependsOn).toContain(byName(before, "test-install-node-0-rabbitmq-1-configure").urn);
  });

  it("a changed setting changes every configure step's digest and no install step", () => {
    for (const step of stepsNamed(before, "-configure")) expect(stdinOf(after.get(step.urn)!)).not.toBe(stdinOf(step));
    for (const step of stepsNamed(before, "-install")) expect(comparable(after.get(step.urn)!)).toBe(comparable(step));
  });

  it("an added database node rewrites the members in the config files but configures nothing again (it joins instead)", () => {
    for (const step of stepsNamed(before, "-configure")) expect(stdinOf(grown.get(step.urn)!)).toBe(stdinOf(step));
    const config = (m: Map<string, RecordedResource>) => stdinOf(byName(m, "test-install-node-0-manager-1-config"));
    expect(config(grown)).not.toBe(config(before));
    expect(JSON.parse(config(grown)).postgresql_server.cluster.nodes["postgresql-4"]).toEqual({ ip: "10.40.0.34" });
  });
});

describe("a local installer", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-installer-"));
  const rpm = path.join(dir, "cloudify-manager-install-7.0.0-ga.el7.x86_64.rpm");
  fs.writeFileSync(rpm, "an installer");
  const local = await aioWith([], (ns) => {
    ns.cluster.installRpm = rpm;
  });
  fs.rmSync(dir, { recursive: true, force: true });

  it("is uploaded to every node where the tool installs it from, and the tool is told so on stdin", () => {
    const uploads = stepsNamed(local, "-installer-upload");
    expect(uploads.map((u) => u.name).sort()).toEqual([0, 1, 2].map((i) => `test-install-node-${i}-installer-upload`));
    for (const upload of uploads) {
      expect(upload.inputs.command).toBe("sh -c 'mkdir -p \"$(dirname \"$1\")\" && cat > \"$1.cmom-tmp\" && chmod 0644 \"$1.cmom-tmp\" && mv -f \"$1.cmom-tmp\" \"$1\"' cmom-upload '/opt/cmom/installer/cloudify-manager-install.rpm'");
      expect(upload.inputs.stdinFile).toBe(rpm);
      const installer = byName(local, upload.name.replace(/-upload$/, ""));
      expect(installer.dependsOn).toContain(upload.urn);
      expect(stdinOf(installer)).toBe("uploaded\n\n");
    }
  });
});

// A Cloudify 7.0 cluster of three all-in-one nodes on the `hosts` platform under the real Pulumi engine, over real SSH: test
// hosts (test/install/sshHosts.ts: network and mount namespaces, Debian's sshd, sudo) carrying the 5.1 … 7.0 fakes of rpm,
// yum, cfy_manager and cfy (test/install/fakes/fake_modern.py), and the managers' REST API on each host's address
// (test/install/hostManagers.ts, a 7.0 REST double). One stack's life: install, a second up that changes nothing, a fourth
// host added as a manager (only it installs), removed again (the cluster forgets it, then it is removed), destroy.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestCa, type TestCa } from "../doubles/cloudify";
import { makeRoleFakeBin } from "../install/fakes/roleNodes";
import { startHostManagers, type HostManagers, type ServedIdentity } from "../install/hostManagers";
import { ensureSshServer, SshHosts, type SshHost } from "../install/sshHosts";
import { EngineProject, filesBelow } from "./support/engineProject";
import { leaksIn } from "./support/leaks";

const ADMIN_PASSWORD = "e2e-Modern-Admin-Sentinel-W3p9Lz";
const VERSION = "7.0.0";

let hosts: SshHosts;
let managers: HostManagers;
let ca: TestCa;
let project: EngineProject;

/** A 5.1+ manager's nginx: the external certificate of the host's manager-N config.yaml, once its manager service is installed. */
const managerIdentity: ServedIdentity = (host) => {
  const etc = path.join(host.root, "etc/cloudify");
  const config = fs.existsSync(etc) ? fs.readdirSync(etc).find((file) => /^manager-\d+_config\.yaml$/.test(file)) : undefined;
  if (config === undefined || !fs.existsSync(path.join(etc, ".installed/manager_service"))) return undefined;
  const ssl = (JSON.parse(fs.readFileSync(path.join(etc, config), "utf8")) as { ssl_inputs: Record<string, string> }).ssl_inputs;
  const onHost = (file: string) => fs.readFileSync(path.join(host.root, file));
  return { cert: onHost(ssl.external_cert_path!), key: onHost(ssl.external_key_path!) };
};

/** The fakes' command lines on the host, in order. */
function fakeCalls(host: SshHost): string[] {
  const file = path.join(host.stateDir, "calls.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean)
    .map((line) => JSON.parse(line) as { cmd: string; argv: string[] }).map((call) => [call.cmd, ...call.argv].join(" "));
}

/** `cfy_manager <verb>` calls on the host, by config file: `install manager-1`, … */
const managerCalls = (host: SshHost, verb: string) => fakeCalls(host).filter((call) => call.startsWith(`cfy_manager ${verb} `))
  .map((call) => `${verb} ${/([a-z]+-\d+)_config\.yaml/.exec(call)?.[1]}`);

const installed = (host: SshHost) => {
  const dir = path.join(host.root, "etc/cloudify/.installed");
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
};

const registry = () => JSON.parse(fs.readFileSync(hosts.registry, "utf8")) as {
  databases: Record<string, { running: boolean }>;
  brokers: Record<string, { running: boolean }>;
  managers: Record<string, unknown>;
};

const hostConfig = (host: SshHost) => ({ name: host.name, address: host.address, hostKey: host.hostKey });

/** The engine's summary of an update: `N unchanged`, `N created`, … as it prints them. */
const changeSummary = (output: string) => [...output.matchAll(/^\s+(?:[-+~]|\+-)?\s*\d+ (created|updated|replaced|deleted|unchanged)\b/gm)].map((m) => m[1]);

beforeAll(async () => {
  ensureSshServer();
  hosts = new SshHosts(3, makeRoleFakeBin);
  managers = await startHostManagers(hosts, { version: "7.0", nodes: 4, users: { admin: ADMIN_PASSWORD }, identity: managerIdentity });
  for (const host of hosts.hosts) await managers.serve(host);
  ca = generateTestCa("cmom-e2e-modern-ca");
  // A local installer, uploaded to each host as a real one would be; the fakes' yum reads its version from it.
  const installer = path.join(hosts.dir, `cloudify-manager-install-${VERSION}-ga.el7.x86_64.rpm`);
  fs.writeFileSync(installer, `fake-rpm cloudify-manager-install ${VERSION}\n`);
  project = new EngineProject("modern", {
    platform: "hosts",
    hosts: hosts.hosts.map(hostConfig),
    cluster: { version: VERSION, topology: "all-in-one", installRpm: installer, adminUsername: "admin", sshUser: "root", caCert: ca.certPem },
    resources: { tenants: ["ops"] },
  });
  await project.init();
  await project.setSecret("cluster.adminPassword", ADMIN_PASSWORD);
  await project.setSecret("cluster.sshPrivateKey", fs.readFileSync(hosts.key, "utf8"));
  await project.setSecret("cluster.caKey", ca.keyPem);
});

afterAll(async () => {
  await managers?.close();
  hosts?.close();
  project?.cleanup();
});

describe("a 3-node all-in-one Cloudify 7.0 cluster on the hosts platform, driven by the real engine", () => {
  it("installs every role on every host in the official order, and the cluster reports OK", async () => {
    await project.stackOk("up");
    for (const [index, host] of hosts.hosts.entries()) {
      const n = index + 1;
      expect(installed(host), host.name).toEqual(["database_service", "entropy_service", "manager_service", "monitoring_service", "queue_service"]);
      expect(managerCalls(host, "install"), host.name).toEqual([`install postgresql-${n}`, `install rabbitmq-${n}`, `install manager-${n}`]);
      // Installed from the uploaded package, on the host's own paths.
      expect(fakeCalls(host).filter((call) => call.startsWith("yum ")), host.name).toEqual(["yum install -y /opt/cmom/installer/cloudify-manager-install.rpm"]);
    }
    expect(fs.readdirSync("/opt/cmom"), "nothing landed on this machine's own /opt/cmom").toEqual([]);
    expect(Object.keys(registry().managers).sort()).toEqual(["host-1", "host-2", "host-3"]);
    expect(Object.keys(registry().brokers).sort()).toEqual(["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]);
    expect(Object.keys(registry().databases)).toHaveLength(3);
    // The health check asked the cluster through the first manager; the REST objects were made after it.
    expect(fakeCalls(hosts.hosts[0]!)).toContain("cfy cluster status --json");
    expect([...managers.double.state.tenants.keys()].sort()).toEqual(["default_tenant", "ops"]);
  });

  it("a second up is a no-op: every resource the same, nothing run on any host", async () => {
    const before = hosts.hosts.map(fakeCalls);
    const output = await project.stackOk("up", "--expect-no-changes");
    expect(new Set(changeSummary(output))).toEqual(new Set(["unchanged"]));
    expect(hosts.hosts.map(fakeCalls)).toEqual(before);
  });

  it("a fourth host as a manager installs only its manager, which joins; the other hosts install and configure nothing", async () => {
    const added = hosts.add();
    await managers.serve(added);
    const before = hosts.hosts.slice(0, 3).map((host) => [managerCalls(host, "install"), managerCalls(host, "configure")]);
    for (const [key, value] of Object.entries(hostConfig(added))) {
      await project.pulumiOk(["config", "set", "-s", project.stack, "--path", `cmom:hosts[3].${key}`, value]);
    }
    for (const [index, role] of ["all", "all", "all", "manager"].entries()) {
      await project.pulumiOk(["config", "set", "-s", project.stack, "--path", `cmom:cluster.roles[${index}]`, role]);
    }
    await project.stackOk("up");
    expect(managerCalls(added, "install")).toEqual(["install manager-4"]);
    expect(installed(added)).toEqual(["entropy_service", "manager_service", "monitoring_service"]);
    expect(hosts.hosts.slice(0, 3).map((host) => [managerCalls(host, "install"), managerCalls(host, "configure")])).toEqual(before);
    expect(Object.keys(registry().managers).sort()).toEqual(["host-1", "host-2", "host-3", "host-4"]);
  });

  it("removing the fourth host takes it out of the cluster through the first manager, then removes it", async () => {
    const [first] = hosts.hosts as [SshHost];
    const added = hosts.hosts[3]!;
    await project.pulumiOk(["config", "rm", "-s", project.stack, "--path", "cmom:hosts[3]"]);
    await project.pulumiOk(["config", "rm", "-s", project.stack, "--path", "cmom:cluster.roles[3]"]);
    const output = await project.stackOk("up");
    expect(changeSummary(output)).toContain("deleted");
    expect(fakeCalls(first)).toContain("cfy cluster remove host-4");
    expect(managerCalls(added, "remove")).toEqual(["remove manager-4"]);
    expect(installed(added)).toEqual([]);
    expect(Object.keys(registry().managers).sort()).toEqual(["host-1", "host-2", "host-3"]);
    for (const host of hosts.hosts.slice(0, 3)) expect(installed(host), host.name).toContain("manager_service");
  });

  it("destroy removes every role on every host, managers first", async () => {
    await project.stackOk("destroy");
    for (const [index, host] of hosts.hosts.slice(0, 3).entries()) {
      const n = index + 1;
      expect(managerCalls(host, "remove"), host.name).toEqual([`remove manager-${n}`, `remove rabbitmq-${n}`, `remove postgresql-${n}`]);
      expect(installed(host), host.name).toEqual([]);
    }
  });

  it("the admin password and the CA key are in no log or command line of the fakes on any host", () => {
    const secrets = { adminPassword: ADMIN_PASSWORD, caKey: ca.keyPem.split("\n")[1]! };
    const files = hosts.hosts.flatMap((host) => [
      ...filesBelow(path.join(host.root, "var/log")),
      { path: `${host.name}: fakes' command lines`, text: fakeCalls(host).join("\n") },
    ]);
    expect(files.length).toBeGreaterThan(hosts.hosts.length);
    expect(files.flatMap((file) => leaksIn(secrets, file.text).map((leak) => `${file.path}: ${leak}`))).toEqual([]);
    const caKeyOnHosts = hosts.hosts.flatMap((host) => filesBelow(host.root)).filter((file) => leaksIn({ caKey: secrets.caKey }, file.text).length > 0);
    expect(caKeyOnHosts.map((file) => file.path)).toEqual([]);
  });
});

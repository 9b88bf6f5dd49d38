// The `hosts` platform under the real Pulumi engine, over real SSH: three test hosts (test/install/sshHosts.ts: network
// and mount namespaces, Debian's sshd, sudo) carrying the faithful Cloudify 4.5 fakes, and the managers' REST API on each
// host's address (test/install/hostManagers.ts). One stack's life, step by step: an install killed midway and rerun, a
// second up, a fourth host, destroy; meanwhile no secret may show in any process's command line or in the hosts' logs.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestCa, type TestCa } from "../doubles/cloudify";
import { INSTALLER_VERSION } from "../install/fakes/harness";
import { startHostManagers, type HostManagers } from "../install/hostManagers";
import { ensureSshServer, SshHosts, type SshHost } from "../install/sshHosts";
import { EngineProject, filesBelow, killWhen } from "./support/engineProject";
import { leaksIn } from "./support/leaks";

/** Unique values of the stack's secrets: none may show on a host, in a command line or a log. */
const SENTINELS = {
  adminPassword: "e2e-Hosts-Admin-Sentinel-Q7m2Vx",
  ldapPassword: "e2e-Hosts-Ldap-Sentinel-R4t8Kw",
};
const STAGES = ["post_install", "config", "init"];

let hosts: SshHosts;
let managers: HostManagers;
let ca: TestCa;
let project: EngineProject;
let installer: string;
/** Command lines seen with a secret in them, from the sampler below. */
const leakedCommandLines = new Set<string>();
let sampled = 0;
/** A value put on a short-lived command line on a host on purpose: the sampler must see it. */
const CANARY = "e2e-Hosts-Canary-J2d6";
let canarySeen = false;
let sampler: NodeJS.Timeout | undefined;

/** Every process's command line, now: the hosts' processes are this machine's (one process namespace). */
function sampleCommandLines() {
  for (const pid of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    let commandLine: string;
    try {
      commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    } catch {
      continue; // gone meanwhile
    }
    sampled++;
    if (commandLine.includes(CANARY)) canarySeen = true;
    if (leaksIn(secretValues(), commandLine).length > 0) leakedCommandLines.add(commandLine);
  }
}

/** The sentinels and the CA key (its first line of base64: the key never leaves this machine). */
const secretValues = () => ({ ...SENTINELS, caKey: ca.keyPem.split("\n")[1]! });

/** The stages the tool started on the host, in order (its log: /var/log/cmom/node-setup.log; the test stage's: test.log). */
function stageRuns(host: SshHost, log = "node-setup.log"): string[] {
  const file = path.join(host.root, "var/log/cmom", log);
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").flatMap((line) => /\] stage (\w+) started/.exec(line)?.[1] ?? []);
}

/** The fakes' command lines on the host (rpm, cfy_manager, cfy), in order. */
function fakeCalls(host: SshHost): string[] {
  const file = path.join(host.stateDir, "calls.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean)
    .map((line) => JSON.parse(line) as { cmd: string; argv: string[] }).map((call) => [call.cmd, ...call.argv].join(" "));
}

const registry = () => JSON.parse(fs.existsSync(hosts.registry) ? fs.readFileSync(hosts.registry, "utf8") : '{"clusters": {}}') as {
  clusters: Record<string, { name: string; host_ip: string }[]>;
  membership: Record<string, string>;
  managers: Record<string, unknown>;
};

const hostsConfig = () => hosts.hosts.map((host) => ({ name: host.name, address: host.address, hostKey: host.hostKey }));

beforeAll(async () => {
  ensureSshServer();
  hosts = new SshHosts(3);
  managers = await startHostManagers(hosts, { version: "4.5", nodes: 4, users: { admin: SENTINELS.adminPassword } });
  for (const host of hosts.hosts) await managers.serve(host);
  ca = generateTestCa("cmom-e2e-hosts-ca");
  // The installer the fakes' rpm reads its version from, uploaded to each host as a real one would be.
  installer = path.join(hosts.dir, `cloudify-manager-install-${INSTALLER_VERSION.replace("-", "")}.rpm`);
  fs.writeFileSync(installer, `fake-rpm cloudify-manager-install ${INSTALLER_VERSION}\n`);
  sampler = setInterval(sampleCommandLines, 20);
  await hosts.hosts[0]!.ssh(`sleep 0.2 && echo ${CANARY} >/dev/null`);
  project = new EngineProject("hosts", {
    platform: "hosts",
    hosts: hostsConfig(),
    cluster: {
      installRpm: installer,
      adminUsername: "admin",
      sshUser: "root",
      caCert: ca.certPem,
      ldap: { server: "ldap://ldap.example.test", username: "cn=reader,dc=example,dc=test", domain: "example.test" },
    },
    resources: { tenants: ["ops"] },
  });
  await project.init();
  await project.setSecret("cluster.adminPassword", SENTINELS.adminPassword);
  await project.setSecret("cluster.ldap.password", SENTINELS.ldapPassword);
  await project.setSecret("cluster.sshPrivateKey", fs.readFileSync(hosts.key, "utf8"));
  await project.setSecret("cluster.caKey", ca.keyPem);
});

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  await managers?.close();
  hosts?.close();
  project?.cleanup();
});

describe("hosts platform over real SSH, driven by the real engine", () => {
  it("an up killed amid the installs and rerun installs the tool, runs every stage and forms the cluster, leader first", async () => {
    const run = project.startScript("stack", ["up", project.stack]);
    const result = await killWhen(run, () => hosts.hosts.some((host) => fakeCalls(host).some((call) => call.startsWith("cfy_manager install"))));
    expect(result.signal, `the update finished before the kill point:\n${result.stdout}`).toBe("SIGKILL");
    expect(registry().clusters).toEqual({});

    await project.stackOk("up");
    const [leader, ...members] = hosts.hosts as [SshHost, ...SshHost[]];
    for (const host of hosts.hosts) {
      // Installed on the host's own /opt/cmom (its mount namespace), root's and executable.
      const tool = fs.statSync(path.join(host.root, "opt/cmom/bin/cmom-node-setup"));
      expect(tool.mode & 0o777, host.name).toBe(0o755);
      const runs = stageRuns(host);
      for (const stage of STAGES) expect(runs, host.name).toContain(stage);
      expect(stageRuns(host, "test.log"), host.name).not.toEqual([]);
      expect(runs.slice(-1), host.name).toEqual([host === leader ? "cluster_start" : "cluster_join"]);
      expect(fakeCalls(host).filter((call) => call.startsWith("cfy_manager install")), host.name).not.toEqual([]);
    }
    expect(fs.readdirSync("/opt/cmom"), "nothing landed on this machine's own /opt/cmom").toEqual([]);
    // The leader started the cluster, then the members joined in order.
    expect(registry().clusters).toEqual({ [leader.address]: hosts.hosts.map((host) => ({ name: host.name, host_ip: host.address })) });
    for (const member of members) expect(registry().membership[member.address]).toBe(leader.address);
    // The stack's REST part reached the cluster (the double's node answering on the leader's address).
    expect([...managers.double.state.tenants.keys()].sort()).toEqual(["default_tenant", "ops"]);
  });

  it("a second up changes nothing and runs nothing on any host", async () => {
    const before = hosts.hosts.map((host) => [stageRuns(host), stageRuns(host, "test.log"), fakeCalls(host)]);
    const output = await project.stackOk("up", "--expect-no-changes");
    expect(output).toMatch(/\d+ unchanged/);
    expect(output).not.toMatch(/ (created|updated|replaced|deleted)\b/);
    expect(hosts.hosts.map((host) => [stageRuns(host), stageRuns(host, "test.log"), fakeCalls(host)])).toEqual(before);
  });

  it("a fourth host is installed and joins; the other hosts run no stage again", async () => {
    const added = await (async () => {
      const host = hosts.add();
      await managers.serve(host);
      return host;
    })();
    const before = hosts.hosts.slice(0, 3).map((host) => stageRuns(host));
    for (const [key, value] of Object.entries(hostsConfig()[3]!)) {
      await project.pulumiOk(["config", "set", "-s", project.stack, "--path", `cmom:hosts[3].${key}`, value]);
    }
    const output = await project.stackOk("up");
    const runs = stageRuns(added);
    for (const stage of [...STAGES, "cluster_join"]) expect(runs).toContain(stage);
    expect(stageRuns(added, "test.log")).toEqual(["test"]);
    const [leader, ...members] = hosts.hosts.slice(0, 3) as [SshHost, ...SshHost[]];
    for (const member of members) expect(stageRuns(member), member.name).toEqual(before[hosts.hosts.indexOf(member)]);
    // The leader's start step learns its new peer (its command names the peers): the tool finds it clustered and leaves it.
    expect(stageRuns(leader).slice(before[0]!.length)).toEqual(["cluster_start"]);
    expect(fs.readFileSync(path.join(leader.root, "var/log/cmom/node-setup.log"), "utf8")).toMatch(/cluster_start: already clustered\n\S+ \[cluster_start\] stage cluster_start done\n$/);
    expect(registry().clusters[leader.address]!.map((node) => node.name)).toEqual(["host-1", "host-2", "host-3", "host-4"]);
    expect(output).toMatch(/\d+ unchanged/);
  });

  it("destroy runs the cleanup on each host", async () => {
    await project.stackOk("destroy");
    for (const host of hosts.hosts) {
      expect(stageRuns(host).slice(-1), host.name).toEqual(["cleanup"]);
      expect(fs.existsSync(path.join(host.root, "etc/cloudify/.install")), host.name).toBe(false);
    }
    expect(registry().managers).toEqual({});
  });

  it("no secret showed in any process's command line, nor in any file under the hosts' log directories", () => {
    expect(sampled).toBeGreaterThan(1000);
    expect(canarySeen, "the sampler sees a host's command line that lives 0.2 s").toBe(true);
    expect([...leakedCommandLines]).toEqual([]);
    const logs = hosts.hosts.flatMap((host) => [
      ...["var/log/cmom", "var/log/cloudify"].flatMap((dir) => (fs.existsSync(path.join(host.root, dir)) ? filesBelow(path.join(host.root, dir)) : [])),
      // Every rpm, cfy_manager and cfy command line, as the fakes recorded them; sshd's log.
      { path: `${host.name}: rpm, cfy_manager and cfy command lines`, text: fakeCalls(host).join("\n") },
      { path: path.join(host.root, "sshd.log"), text: fs.readFileSync(path.join(host.root, "sshd.log"), "utf8") },
    ]);
    expect(logs.length).toBeGreaterThan(hosts.hosts.length * 2);
    expect(logs.flatMap((file) => leaksIn(secretValues(), file.text).map((leak) => `${file.path}: ${leak}`))).toEqual([]);
    // The CA key never left this machine: no file on any host holds it.
    const caKeyOnHosts = hosts.hosts.flatMap((host) => filesBelow(host.root)).filter((file) => leaksIn({ caKey: secretValues().caKey }, file.text).length > 0);
    expect(caKeyOnHosts.map((file) => file.path)).toEqual([]);
    // The values were there to leak: the hosts' root-only node.json holds them.
    const nodeJson = fs.readFileSync(path.join(hosts.hosts[0]!.root, "etc/cmom/node.json"), "utf8");
    for (const value of Object.values(SENTINELS)) expect(nodeJson).toContain(value);
  });
});

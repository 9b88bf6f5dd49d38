// The node tool driven over real SSH on three hosts (network namespaces with their own sshd), with the Cloudify 4.5 fakes
// on them: installed, every install stage run, the cluster formed (leader, then joins), a second pass changing nothing,
// cleanup on each. The admin password never shows in any process's command line or in the hosts' logs.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Certificates, makeCertificates, TOOL } from "./fakes/harness";
import { ensureSshServer, SshHosts, type SshHost } from "./sshHosts";

const SENTINEL = "Sentinel-Adm1n-5f0c9e27";
const STAGE = (stage: string) => `cmom-node-setup ${stage} --config json://$CMOM_ROOT/etc/cmom/node.json`;
let hosts: SshHosts;
let certs: Certificates;
const seenCommandLines = new Set<string>();
let watcher: NodeJS.Timeout;

/** Every command line on this machine, sampled while the stages run. */
function sampleProcesses() {
  for (const pid of fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      seenCommandLines.add(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
    } catch {
      // the process ended meanwhile
    }
  }
}

/** What the deploying side ships to a host: the tool and its helper, certificates, the installer, node.json on stdin. */
async function provision(host: SshHost, leader: SshHost) {
  const put = async (file: string, content: string, mode: string) => {
    const result = await host.ssh(`umask 077; mkdir -p "$(dirname "$CMOM_ROOT${file}")" && cat > "$CMOM_ROOT${file}" && chmod ${mode} "$CMOM_ROOT${file}"`, content);
    expect(result.code, result.stderr).toBe(0);
  };
  for (const name of ["cmom-node-setup", "cmom-node-setup-helper.py"]) {
    await put(`/opt/cmom/bin/${name}`, fs.readFileSync(path.join(path.dirname(TOOL), name), "utf8"), "755");
  }
  for (const name of fs.readdirSync(certs.dir)) {
    await put(`/etc/cmom/certs/${name}`, fs.readFileSync(path.join(certs.dir, name), "utf8"), "600");
  }
  await put("/opt/cmom/installer/cloudify-manager-install.rpm", "fake-rpm cloudify-manager-install 4.5.5-ga\n", "644");
  const role = host === leader ? "leader" : "member";
  await put("/etc/cmom/node.json", JSON.stringify({
    nodeName: host.name, privateIp: host.address, publicIp: host.address, adminUsername: "admin", adminPassword: SENTINEL,
    installer: { rpm: `${host.root}/opt/cmom/installer/cloudify-manager-install.rpm` },
    certificates: { dir: `${host.root}/etc/cmom/certs` }, statusTimeoutSeconds: 20,
    cluster: { role, leaderIp: leader.address, nodeName: host.name },
  }), "600");
}

async function stage(host: SshHost, name: string) {
  const result = await host.ssh(STAGE(name));
  expect(result.code, `${host.name} ${name}: ${result.stderr}`).toBe(0);
  return result;
}

const calls = (host: SshHost) => fs.readFileSync(path.join(host.stateDir, "calls.jsonl"), "utf8").trim().split("\n")
  .map((line) => JSON.parse(line) as { cmd: string; argv: string[] }).map((call) => [call.cmd, ...call.argv].join(" "));

beforeAll(() => {
  ensureSshServer();
  certs = makeCertificates();
  hosts = new SshHosts(3);
  watcher = setInterval(sampleProcesses, 50);
}, 600_000);

afterAll(() => {
  clearInterval(watcher);
  hosts?.close();
  if (certs) fs.rmSync(path.dirname(certs.dir), { recursive: true, force: true });
});

// One story in order: the last test reads what was sampled while the ones before it ran the stages.
describe("three hosts over real SSH (Cloudify 4.5 fakes)", { shuffle: false }, () => {
  it("installs each host, forms the cluster, changes nothing on a second pass, and cleans up", async () => {
    const [leader, ...members] = hosts.hosts as [SshHost, ...SshHost[]];
    for (const host of hosts.hosts) await provision(host, leader);
    for (const host of hosts.hosts) {
      for (const name of ["post_install", "config", "init"]) await stage(host, name);
    }
    await stage(leader, "cluster_start");
    for (const member of members) await stage(member, "cluster_join");
    const registry = () => JSON.parse(fs.readFileSync(hosts.registry, "utf8"));
    expect(registry().clusters[leader.address].map((node: { name: string }) => node.name)).toEqual(["host-1", "host-2", "host-3"]);

    for (const host of hosts.hosts) {
      for (const name of ["post_install", "config", "init"]) await stage(host, name);
    }
    expect((await stage(leader, "cluster_start")).stdout).toContain("already clustered");
    for (const member of members) expect((await stage(member, "cluster_join")).stdout).toContain("already a member");
    for (const host of hosts.hosts) {
      // Each once over both passes: the package, the manager, and the cluster start (leader) or join (members).
      const changes = calls(host).filter((line) => /^cfy_manager install|^rpm -i|^cfy cluster (start|join)/.test(line));
      expect(changes.map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual(
        ["rpm -i", "cfy_manager install", "cfy cluster"]);
      expect(changes[2]).toMatch(host === leader ? /^cfy cluster start/ : /^cfy cluster join/);
    }

    for (const host of [...members, leader]) await stage(host, "cleanup");
    expect(registry().clusters[leader.address].map((node: { name: string }) => node.name)).toEqual(["host-1"]);
    for (const host of hosts.hosts) expect(fs.existsSync(path.join(host.root, "etc/cloudify/.install"))).toBe(false);
  }, 900_000);

  it("never shows the admin password on a command line or in a host's log", () => {
    sampleProcesses();
    expect(seenCommandLines.size).toBeGreaterThan(50);
    expect([...seenCommandLines].some((line) => line.includes("cmom-node-setup"))).toBe(true); // the sampling saw the stages
    expect([...seenCommandLines].filter((line) => line.includes(SENTINEL))).toEqual([]);
    for (const host of hosts.hosts) {
      const logs = [path.join(host.root, "sshd.log"), ...listFiles(path.join(host.root, "var/log"))];
      expect(logs.length).toBeGreaterThan(1);
      for (const file of logs) expect(fs.readFileSync(file, "utf8").includes(SENTINEL), file).toBe(false);
    }
  });
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => entry.isDirectory() ? listFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]);
}

// Test hosts reachable by real SSH: one network namespace per host (ip netns, a veth pair with addresses of its own in
// 10.203.<n>.0/24 that never leave this machine) running Debian's sshd. Every host has its own root directory for the
// tool and the fakes; the fakes' cluster registry is shared, as the managers' cluster would be.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeFakeBin } from "./fakes/harness";

const SSHD = "/usr/sbin/sshd";

/** Debian's openssh-server, installed by the test itself (CI is a fresh machine). */
export function ensureSshServer() {
  if (fs.existsSync(SSHD)) return;
  execFileSync("apt-get", ["update", "-qq"], { stdio: "pipe" });
  execFileSync("apt-get", ["install", "-y", "-qq", "openssh-server"], { stdio: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

export interface SshHost {
  readonly name: string;
  readonly address: string;
  /** The host's root directory (CMOM_ROOT of the tool on it). */
  readonly root: string;
  readonly stateDir: string;
  /** Its public host key (`ssh-ed25519 AAAA…`), to pin. */
  readonly hostKey: string;
  /** Runs a command on the host over SSH, with stdin (asynchronously: the test watches the process list meanwhile). */
  ssh(command: string, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

export class SshHosts {
  readonly dir: string;
  readonly registry: string;
  readonly hosts: SshHost[] = [];
  private readonly namespaces: string[] = [];
  private readonly sshdPids: number[] = [];
  /** The operator's key (file), authorized as root on every host. */
  readonly key: string;
  private readonly knownHosts: string;

  constructor(count: number) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-ssh-hosts-"));
    this.registry = path.join(this.dir, "registry.json");
    this.key = path.join(this.dir, "operator_key");
    this.knownHosts = path.join(this.dir, "known_hosts");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", this.key]);
    fs.writeFileSync(this.knownHosts, "");
    const tag = `${process.pid % 10000}`;
    try {
      for (let n = 1; n <= count; n++) this.addHost(n, tag);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private addHost(n: number, tag: string) {
    const name = `host-${n}`;
    const ns = `cmom-${tag}-${n}`;
    const outside = `cmv${tag}o${n}`;
    const inside = `cmv${tag}i${n}`;
    const address = `10.203.${n}.2`;
    ip("netns", "add", ns);
    this.namespaces.push(ns);
    ip("link", "add", outside, "type", "veth", "peer", "name", inside);
    ip("link", "set", inside, "netns", ns);
    ip("addr", "add", `10.203.${n}.1/24`, "dev", outside);
    ip("link", "set", outside, "up");
    ip("-n", ns, "addr", "add", `${address}/24`, "dev", inside);
    ip("-n", ns, "link", "set", inside, "up");
    ip("-n", ns, "link", "set", "lo", "up");

    const root = path.join(this.dir, name);
    const stateDir = path.join(root, "fake");
    fs.mkdirSync(stateDir, { recursive: true });
    const bin = makeFakeBin(path.join(root, "fakebin"));
    const hostKey = path.join(root, "ssh_host_ed25519_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
    const publicHostKey = fs.readFileSync(`${hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    fs.appendFileSync(this.knownHosts, `${address} ${publicHostKey}\n`);
    const pidFile = path.join(root, "sshd.pid");
    // The session environment points the tool at this host's root and the fakes; the command lines stay production's.
    fs.writeFileSync(path.join(root, "sshd_config"), [
      `ListenAddress ${address}`, `HostKey ${hostKey}`, `PidFile ${pidFile}`, `AuthorizedKeysFile ${this.key}.pub`,
      "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
      "StrictModes no", "LogLevel VERBOSE",
      `SetEnv CMOM_ROOT=${root} FAKE_STATE=${stateDir} FAKE_REGISTRY=${this.registry} CMOM_POLL_SECONDS=0.05 ` +
        `PATH=${bin}:${root}/opt/cmom/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8`,
    ].join("\n") + "\n");
    fs.mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege separation directory
    const log = path.join(root, "sshd.log");
    const sshd = spawn("ip", ["netns", "exec", ns, SSHD, "-D", "-f", path.join(root, "sshd_config"), "-E", log], { stdio: "ignore" });
    this.sshdPids.push(sshd.pid!);
    const sshArgs = (command: string) => ["-i", this.key, "-o", "BatchMode=yes", "-o", `UserKnownHostsFile=${this.knownHosts}`,
      "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=5", `root@${address}`, command];
    const host: SshHost = {
      name, address, root, stateDir, hostKey: publicHostKey,
      ssh: (command, stdin) => new Promise((resolve) => {
        const child = spawn("ssh", sshArgs(command), { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => { stdout += chunk; });
        child.stderr.on("data", (chunk) => { stderr += chunk; });
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(stdin ?? "");
      }),
    };
    for (let attempt = 0; attempt < 50 && spawnSync("ssh", sshArgs("true")).status !== 0; attempt++) execFileSync("sleep", ["0.1"]);
    this.hosts.push(host);
  }

  /** A second sshd on `host`, on another port, started now (a machine whose sshd comes up late). Returns its stop. */
  startExtraSshd(host: SshHost, port: number): () => void {
    const ns = this.namespaces[this.hosts.indexOf(host)]!;
    const config = path.join(host.root, `sshd_config.${port}`);
    fs.writeFileSync(config, fs.readFileSync(path.join(host.root, "sshd_config"), "utf8")
      .replace(/^ListenAddress .*$/m, `ListenAddress ${host.address}:${port}`).replace(/^PidFile .*$/m, `PidFile ${config}.pid`));
    const sshd = spawn("ip", ["netns", "exec", ns, SSHD, "-D", "-f", config, "-E", path.join(host.root, `sshd.${port}.log`)], { stdio: "ignore" });
    return () => { sshd.kill(); };
  }

  /** Stops the sshd processes this started and deletes the namespaces (their veth pairs go with them). */
  close() {
    for (const pid of this.sshdPids.splice(0)) {
      try {
        process.kill(pid);
      } catch {
        // already gone
      }
    }
    for (const ns of this.namespaces.splice(0)) spawnSync("ip", ["netns", "del", ns]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// Test hosts reachable by real SSH, each a machine of its own as far as cmom can tell:
// - a network namespace per host (ip netns, a veth pair): the host at <net>.<n>.2, this machine at <net>.<n>.1 (its
//   `gateway`), where <net> is a 10.x prefix no interface of this machine uses yet, so concurrent runs never share one;
// - a mount namespace per host (its sshd and every session under it): the host's own directories below `root` are mounted
//   on the production paths (HOST_PATHS: /opt/cmom, /etc/cmom, /etc/cloudify, /var/log/cmom, /var/lib/cmom,
//   /var/log/cloudify), so production command lines run unchanged. The empty mount points are made on this machine once
//   and left there. `$CMOM_ROOT/<path>` and `<path>` are then one directory on the host: tests that set CMOM_ROOT keep working;
// - Debian's sshd (root login by the operator's key only) and sudo, which ensureSshServer installs (with iproute2): `sudo -n`
//   keeps the fakes' variables (FAKE_STATE, FAKE_REGISTRY, CMOM_POLL_SECONDS) and finds the fakes first on its PATH, as it
//   finds the real tools on a manager;
// - the faithful fakes of rpm, cfy_manager and cfy (./fakes: 4.x by default, or those `makeBin` puts in a directory), one
//   state per host, one cluster registry for all.
// API: ensureSshServer(); new SshHosts(count, makeBin?) → .hosts, .key (operator key file), .registry; .add() (one more host);
// .forward(host, port, targetPort) (host:port → gateway:targetPort, e.g. a REST double on this machine);
// .startExtraSshd(host, port); .close().
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { shellQuote } from "../../components/install/nodePaths";
import { makeFakeBin } from "./fakes/harness";

const SSHD = "/usr/sbin/sshd";

/** The Debian packages the hosts need, by a file each installs. */
const PACKAGES = { "openssh-server": SSHD, sudo: "/usr/bin/sudo", iproute2: "/bin/ip" };

/** Debian's openssh-server, sudo and iproute2, installed by the test itself (CI is a fresh machine). */
export function ensureSshServer() {
  const missing = Object.entries(PACKAGES).filter(([, file]) => !fs.existsSync(file)).map(([name]) => name);
  if (missing.length === 0) return;
  // Test files run in parallel and each may get here: one apt-get at a time (a second finds the packages installed).
  execFileSync("flock", [path.join(os.tmpdir(), "cmom-apt-get.lock"), "sh", "-c", 'apt-get update -qq && apt-get install -y -qq "$@"', "apt-get", ...missing],
    { stdio: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

/** Where cmom's components and the 4.x installer write on a manager; each host mounts its own copy there. */
const HOST_PATHS = ["/opt/cmom", "/etc/cmom", "/etc/cloudify", "/var/log/cmom", "/var/lib/cmom", "/var/log/cloudify"];

/** A 10.x.0.0/16 prefix that no address of this machine is in. */
function freeNetwork(): string {
  const used = execFileSync("ip", ["-o", "-4", "addr", "show"], { encoding: "utf8" });
  for (let i = 0; i < 200; i++) {
    const second = 20 + ((process.pid + i) % 200);
    if (!used.includes(` 10.${second}.`)) return `10.${second}`;
  }
  throw new Error("no free 10.x.0.0/16 for test hosts");
}

export interface SshHost {
  readonly name: string;
  readonly address: string;
  /** This machine's address on the host's link: what the host reaches this machine by. */
  readonly gateway: string;
  /** The host's own directories: `<root>/etc/cmom` is the host's /etc/cmom, and so on (HOST_PATHS); CMOM_ROOT on it. */
  readonly root: string;
  /** The fakes' state of the host. */
  readonly stateDir: string;
  /** Its public host key (`ssh-ed25519 AAAA…`), to pin. */
  readonly hostKey: string;
  /** Runs a command on the host over SSH, with stdin (asynchronously: the test watches the process list meanwhile). */
  ssh(command: string, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Listens on the host's address:port and passes every connection on to gateway:targetPort (run in the host's namespace). */
const FORWARDER = `const net = require("node:net");
const [address, port, gateway, target] = process.argv.slice(1);
net.createServer((inbound) => {
  const outbound = net.connect(Number(target), gateway);
  inbound.on("error", () => outbound.destroy());
  outbound.on("error", () => inbound.destroy());
  inbound.pipe(outbound).pipe(inbound);
}).listen(Number(port), address);`;

export class SshHosts {
  readonly dir: string;
  readonly registry: string;
  readonly hosts: SshHost[] = [];
  private readonly namespaces: string[] = [];
  private readonly pids: number[] = [];
  /** The operator's key (file), authorized as root on every host. */
  readonly key: string;
  private readonly knownHosts: string;
  private readonly network = freeNetwork();
  private readonly tag = `${process.pid % 10000}`;

  constructor(count: number, private readonly makeBin: (dir: string) => string = makeFakeBin) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-ssh-hosts-"));
    this.registry = path.join(this.dir, "registry.json");
    this.key = path.join(this.dir, "operator_key");
    this.knownHosts = path.join(this.dir, "known_hosts");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", this.key]);
    fs.writeFileSync(this.knownHosts, "");
    for (const mountPoint of HOST_PATHS) fs.mkdirSync(mountPoint, { recursive: true });
    try {
      for (let n = 1; n <= count; n++) this.add();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** One more host (host-<n+1>), up and answering SSH when this returns. */
  add(): SshHost {
    const n = this.hosts.length + 1;
    const { tag } = this;
    const name = `host-${n}`;
    const ns = `cmom-${tag}-${n}`;
    const outside = `cmv${tag}o${n}`;
    const inside = `cmv${tag}i${n}`;
    const address = `${this.network}.${n}.2`;
    const gateway = `${this.network}.${n}.1`;
    ip("netns", "add", ns);
    this.namespaces.push(ns);
    ip("link", "add", outside, "type", "veth", "peer", "name", inside);
    ip("link", "set", inside, "netns", ns);
    ip("addr", "add", `${gateway}/24`, "dev", outside);
    ip("link", "set", outside, "up");
    ip("-n", ns, "addr", "add", `${address}/24`, "dev", inside);
    ip("-n", ns, "link", "set", inside, "up");
    ip("-n", ns, "link", "set", "lo", "up");

    const root = path.join(this.dir, name);
    const stateDir = path.join(root, "fake");
    fs.mkdirSync(stateDir, { recursive: true });
    for (const hostPath of HOST_PATHS) fs.mkdirSync(path.join(root, hostPath), { recursive: true });
    const bin = this.makeBin(path.join(root, "fakebin"));
    // sudo resets the environment and PATH: it keeps the fakes' variables and finds the fakes where a manager has the tools.
    const sudoers = path.join(root, "sudoers.d");
    fs.mkdirSync(sudoers, { mode: 0o755 });
    fs.writeFileSync(path.join(sudoers, "cmom-test-host"), [
      `Defaults env_keep += "FAKE_STATE FAKE_REGISTRY CMOM_POLL_SECONDS"`,
      `Defaults secure_path="${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"`,
    ].join("\n") + "\n", { mode: 0o440 });
    const hostKey = path.join(root, "ssh_host_ed25519_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
    const publicHostKey = fs.readFileSync(`${hostKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    fs.appendFileSync(this.knownHosts, `${address} ${publicHostKey}\n`);
    const pidFile = path.join(root, "sshd.pid");
    // The session environment points the fakes at this host's state; the command lines stay production's.
    fs.writeFileSync(path.join(root, "sshd_config"), [
      `ListenAddress ${address}`, `HostKey ${hostKey}`, `PidFile ${pidFile}`, `AuthorizedKeysFile ${this.key}.pub`,
      "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
      "StrictModes no", "LogLevel VERBOSE",
      `SetEnv CMOM_ROOT=${root} FAKE_STATE=${stateDir} FAKE_REGISTRY=${this.registry} CMOM_POLL_SECONDS=0.05 ` +
        `PATH=${bin}:/opt/cmom/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8`,
    ].join("\n") + "\n");
    fs.mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege separation directory
    const mounts = [...HOST_PATHS.map((hostPath) => [path.join(root, hostPath), hostPath]), [sudoers, "/etc/sudoers.d"]]
      .map(([from, to]) => `mount --bind ${shellQuote(from!)} ${shellQuote(to!)}`);
    this.spawnInHost(ns, `${mounts.join(" && ")} && exec ${SSHD} -D -f ${shellQuote(path.join(root, "sshd_config"))} -E ${shellQuote(path.join(root, "sshd.log"))}`);
    const sshArgs = (command: string) => ["-i", this.key, "-o", "BatchMode=yes", "-o", `UserKnownHostsFile=${this.knownHosts}`,
      "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=5", `root@${address}`, command];
    const host: SshHost = {
      name, address, gateway, root, stateDir, hostKey: publicHostKey,
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
    return host;
  }

  /** A shell command in the host's network namespace and a mount namespace of its own; the process is stopped by close(). */
  private spawnInHost(ns: string, command: string) {
    const child = spawn("ip", ["netns", "exec", ns, "unshare", "--mount", "--propagation", "private", "sh", "-c", command], { stdio: "ignore" });
    this.pids.push(child.pid!);
    return child;
  }

  private namespaceOf(host: SshHost): string {
    return this.namespaces[this.hosts.indexOf(host)]!;
  }

  /** A second sshd on `host`, on another port, started now (a machine whose sshd comes up late). Returns its stop. */
  startExtraSshd(host: SshHost, port: number): () => void {
    const config = path.join(host.root, `sshd_config.${port}`);
    fs.writeFileSync(config, fs.readFileSync(path.join(host.root, "sshd_config"), "utf8")
      .replace(/^ListenAddress .*$/m, `ListenAddress ${host.address}:${port}`).replace(/^PidFile .*$/m, `PidFile ${config}.pid`));
    const sshd = spawn("ip", ["netns", "exec", this.namespaceOf(host), SSHD, "-D", "-f", config, "-E", path.join(host.root, `sshd.${port}.log`)], { stdio: "ignore" });
    return () => { sshd.kill(); };
  }

  /**
   * Connections to host:port (from the host itself or from this machine) go on to `targetPort` on the host's gateway, where
   * a server of the test listens: e.g. the manager's REST API on its address. Resolves once host:port accepts connections.
   */
  async forward(host: SshHost, port: number, targetPort: number): Promise<void> {
    const child = spawn("ip", ["netns", "exec", this.namespaceOf(host), process.execPath, "-e", FORWARDER, host.address, `${port}`, host.gateway, `${targetPort}`], { stdio: "ignore" });
    this.pids.push(child.pid!);
    for (let attempt = 0; attempt < 100; attempt++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, host.address, () => { socket.destroy(); resolve(true); });
        socket.on("error", () => resolve(false));
      });
      if (open) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${host.name}: nothing listens on ${host.address}:${port}`);
  }

  /** Stops the processes this started (sshd, forwarders) and deletes the namespaces (their veth pairs go with them). */
  close() {
    for (const pid of this.pids.splice(0)) {
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

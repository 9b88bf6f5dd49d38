// One command on a node through the OpenSSH client, shared by the dynamic providers that act on nodes (RemoteStep,
// NodeCleanup). Their code is rebuilt by the engine from its serialized text: hence no top-level imports except types, local
// modules without imports (nodePaths) and modules required inside the functions. Secrets never reach a command line or an environment: keys go to 0600 files in a
// private temporary directory removed afterwards, everything else secret goes on stdin.
import { shellQuote } from "./nodePaths";

interface SshHop {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  /** Pinned host key (`ssh-ed25519 AAAA…`). */
  readonly hostKey?: string;
}

export type SshConnection = SshHop & { readonly proxy?: SshHop };

/** Seconds ssh waits for a TCP connection (per attempt) before it calls the host unreachable. */
const CONNECT_TIMEOUT_SECONDS = 15;
/** ssh's own exit status for every failure of its own (connection, authentication, host key), as opposed to the command's. */
export const SSH_FAILED = 255;
/** How much of stdout and of stderr is kept (the tail). */
const OUTPUT_LIMIT = 64 * 1024;

export interface SshRun {
  readonly connection: SshConnection;
  readonly command: string;
  /** What the command reads on stdin: text, or a local file streamed as it is. */
  readonly stdin?: string;
  readonly stdinFile?: string;
  /** Kills the session after this long. */
  readonly timeoutMs: number;
  /** ssh's own ConnectionAttempts (one second apart). */
  readonly connectionAttempts: number;
}

export interface SshOutcome {
  readonly status: number;
  /** Last line ssh or the command wrote to stderr (or how the session was killed). */
  readonly reason: string;
  /** Tails of the command's output (OUTPUT_LIMIT each). */
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `run.command` on the node through `ssh`; rejects only when `ssh` itself cannot be started. */
export async function runOverSsh(run: SshRun): Promise<SshOutcome> {
  const fs: typeof import("node:fs") = require("node:fs");
  const os: typeof import("node:os") = require("node:os");
  const path: typeof import("node:path") = require("node:path");
  const { spawn }: typeof import("node:child_process") = require("node:child_process");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-ssh-"));
  try {
    const hop = (name: string, endpoint: SshHop) => {
      const identity = path.join(dir, `${name}.key`);
      fs.writeFileSync(identity, endpoint.privateKey.endsWith("\n") ? endpoint.privateKey : `${endpoint.privateKey}\n`, { mode: 0o600 });
      let knownHosts: string | undefined;
      if (endpoint.hostKey !== undefined) {
        knownHosts = path.join(dir, `${name}.known_hosts`);
        fs.writeFileSync(knownHosts, `${hostKeyAlias(name)} ${endpoint.hostKey}\n`, { mode: 0o600 });
      }
      return { identity, knownHosts };
    };
    const { proxy, ...node } = run.connection;
    const args = sshArguments({ ...node, files: hop("node", node) }, proxy && { ...proxy, files: hop("bastion", proxy) }, run.command, run.connectionAttempts);
    return await new Promise<SshOutcome>((resolve, reject) => {
      const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"], timeout: run.timeoutMs });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => { stdout = (stdout + chunk.toString("utf8")).slice(-OUTPUT_LIMIT); });
      child.stderr.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString("utf8")).slice(-OUTPUT_LIMIT); });
      // A session that ends before reading all of stdin (refused, failed) closes the pipe: that is reported by its status.
      child.stdin.on("error", () => undefined);
      if (run.stdinFile !== undefined) fs.createReadStream(run.stdinFile).on("error", reject).pipe(child.stdin);
      else child.stdin.end(run.stdin ?? "");
      child.on("error", (err: NodeJS.ErrnoException) => reject(err.code === "ENOENT"
        ? new Error("the OpenSSH client `ssh` is not on PATH: cmom runs every step on the managers with it")
        : err));
      child.on("close", (code, signal) => {
        const last = stderr.trim().split("\n").pop() ?? "";
        const reason = signal ? `killed by ${signal} after ${Math.round(run.timeoutMs / 60000)} min ${last}`.trim() : last;
        resolve({ status: code ?? -1, reason, stdout, stderr });
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface HopFiles {
  readonly identity: string;
  /** A known_hosts file holding the pinned key under hostKeyAlias(...), when the hop pins one. */
  readonly knownHosts?: string;
}

/** The `ssh` argument vector: batch mode (never a prompt), bounded connection attempts, no user ssh_config. */
function sshArguments(node: SshHop & { files: HopFiles }, proxy: (SshHop & { files: HopFiles }) | undefined, command: string, connectionAttempts: number): string[] {
  const options = (name: string, hop: SshHop & { files: HopFiles }) => [
    "-F", "/dev/null",
    "-i", hop.files.identity,
    "-p", String(hop.port),
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", `ConnectTimeout=${CONNECT_TIMEOUT_SECONDS}`,
    "-o", `ConnectionAttempts=${connectionAttempts}`,
    "-o", "ServerAliveInterval=15",
    "-o", "ServerAliveCountMax=4",
    "-o", "LogLevel=ERROR",
    ...(hop.files.knownHosts === undefined
      // Unpinned: trust on first use through the operator's known_hosts; a changed key is refused.
      ? ["-o", "StrictHostKeyChecking=accept-new"]
      : ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${hop.files.knownHosts}`, "-o", `HostKeyAlias=${hostKeyAlias(name)}`]),
  ];
  // ssh hands ProxyCommand to a shell, so every word of it is quoted.
  const proxyCommand = proxy && ["ssh", ...options("bastion", proxy), "-W", "%h:%p", `${proxy.user}@${proxy.host}`].map(shellQuote).join(" ");
  return [
    ...options("node", node),
    ...(proxyCommand === undefined ? [] : ["-o", `ProxyCommand=${proxyCommand}`]),
    `${node.user}@${node.host}`,
    "--",
    command,
  ];
}

/** The name a pinned key is filed under, so the same entry matches whatever address or port the hop has. */
function hostKeyAlias(hop: string): string {
  return `cmom-${hop}`;
}

/**
 * Runs `run.command` on a node and fails on a non-zero exit, naming `what`. A node that cannot be reached is reported as a
 * warning and skipped when `skipUnreachable` (a cleanup of a node that is gone must not stop a destroy), else it fails too.
 */
export async function runOrSkipUnreachable(run: SshRun, what: string, skipUnreachable: boolean): Promise<void> {
  const outcome = await runOverSsh(run);
  if (outcome.status === SSH_FAILED && skipUnreachable) {
    const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
    await pulumi.log.warn(`cmom: ${what} skipped: ${run.connection.host} is not reachable over SSH (${outcome.reason})`);
    return;
  }
  if (outcome.status !== 0) throw new Error(`${what} on ${run.connection.host} failed (exit ${outcome.status}): ${outcome.reason}`);
}

/** ssh refused the host: its key is not the pinned (or already known) one. Never worth a retry. */
export function hostKeyRefused(outcome: SshOutcome): boolean {
  return outcome.status === SSH_FAILED && /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (ED25519|RSA|ECDSA)? ?host key is known/i.test(outcome.stderr);
}

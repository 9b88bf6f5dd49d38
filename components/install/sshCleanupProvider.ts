// The engine rebuilds this provider in another process from its serialized text. Hence no top-level imports except
// types (vitest would turn them into unserializable references) and modules required inside the functions; nothing
// secret is captured: the SSH keys arrive as (secret) inputs and are kept in the state encrypted.
import type * as dynamic from "@pulumi/pulumi/dynamic";

interface SshHop {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  readonly hostKey?: string;
}

export interface CleanupProps {
  readonly connection: SshHop & { readonly proxy?: SshHop };
  /** Runs on the node when the resource is deleted. */
  readonly command: string;
}

/** Seconds ssh waits for a TCP connection (per attempt) before it calls the host unreachable. */
const CONNECT_TIMEOUT_SECONDS = 15;
const CONNECT_ATTEMPTS = 2;
/** Bounds a cleanup that hangs on the node. */
const CLEANUP_TIMEOUT_MS = 30 * 60 * 1000;
/** ssh's own exit status for every failure of its own (connection, authentication, host key), as opposed to the command's. */
const SSH_FAILED = 255;

/**
 * Creating, updating or refreshing a NodeCleanup never connects anywhere. Deleting it runs `command` on the node with the
 * OpenSSH client: a node that cannot be reached (or that is not the host whose key was pinned) is reported and skipped,
 * so `pulumi destroy` goes on; a cleanup that runs and fails is an error.
 */
export const sshCleanupProvider: dynamic.ResourceProvider<CleanupProps, CleanupProps> = {
  async create(inputs) {
    const crypto: typeof import("node:crypto") = require("node:crypto");
    return { id: crypto.randomUUID(), outs: inputs };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete(_id, props) {
    const outcome = await runOverSsh(props);
    if (outcome.status === SSH_FAILED) {
      const pulumi: typeof import("@pulumi/pulumi") = require("@pulumi/pulumi");
      await pulumi.log.warn(`cmom: cleanup skipped: ${props.connection.host} is not reachable over SSH (${outcome.reason})`);
      return;
    }
    if (outcome.status !== 0) throw new Error(`cleanup on ${props.connection.host} failed (exit ${outcome.status}): ${outcome.reason}`);
  },
};

interface SshOutcome {
  readonly status: number;
  /** Last line ssh or the command wrote to stderr. */
  readonly reason: string;
}

/** Runs props.command through `ssh`, with the keys in a private temporary directory that is removed afterwards. */
async function runOverSsh(props: CleanupProps): Promise<SshOutcome> {
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
    const { proxy, ...node } = props.connection;
    const args = sshArguments({ ...node, files: hop("node", node) }, proxy && { ...proxy, files: hop("bastion", proxy) }, props.command);
    return await new Promise<SshOutcome>((resolve, reject) => {
      const child = spawn("ssh", args, { stdio: ["ignore", "ignore", "pipe"], timeout: CLEANUP_TIMEOUT_MS });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString("utf8")).slice(-4096); });
      child.on("error", (err: NodeJS.ErrnoException) => reject(err.code === "ENOENT"
        ? new Error("the OpenSSH client `ssh` is not on PATH: it runs the destroy-time cleanup of the managers")
        : err));
      child.on("close", (code, signal) => {
        const reason = stderr.trim().split("\n").pop() ?? "";
        resolve({ status: code ?? -1, reason: signal ? `killed by ${signal} after ${CLEANUP_TIMEOUT_MS / 60000} min ${reason}`.trim() : reason });
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
function sshArguments(node: SshHop & { files: HopFiles }, proxy: (SshHop & { files: HopFiles }) | undefined, command: string): string[] {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const options = (name: string, hop: SshHop & { files: HopFiles }) => [
    "-F", "/dev/null",
    "-i", hop.files.identity,
    "-p", String(hop.port),
    "-o", "IdentitiesOnly=yes",
    "-o", "BatchMode=yes",
    "-o", `ConnectTimeout=${CONNECT_TIMEOUT_SECONDS}`,
    "-o", `ConnectionAttempts=${CONNECT_ATTEMPTS}`,
    "-o", "ServerAliveInterval=15",
    "-o", "ServerAliveCountMax=4",
    "-o", "LogLevel=ERROR",
    ...(hop.files.knownHosts === undefined
      // Unpinned: trust on first use through the operator's known_hosts; a changed key is refused (and counts as unreachable).
      ? ["-o", "StrictHostKeyChecking=accept-new"]
      : ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${hop.files.knownHosts}`, "-o", `HostKeyAlias=${hostKeyAlias(name)}`]),
  ];
  // ssh hands ProxyCommand to a shell, so every word of it is quoted.
  const proxyCommand = proxy && ["ssh", ...options("bastion", proxy), "-W", "%h:%p", `${proxy.user}@${proxy.host}`].map(quote).join(" ");
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

// The engine rebuilds this provider in another process from its serialized text. Hence no top-level imports except
// types and local modules written the same way, and modules required inside the functions; nothing secret is captured:
// keys and secret stdin arrive as (secret) inputs, kept encrypted in the state.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { hostKeyRefused, runOverSsh, SSH_FAILED, type SshConnection, type SshOutcome } from "./sshSession";

/** How long to keep dialing a node whose sshd is not up yet (a VM that was just created may take minutes). */
export interface DialPolicy {
  readonly attempts: number;
  readonly delaySeconds: number;
}

export interface RemoteStepProps {
  readonly connection: SshConnection;
  readonly dial: DialPolicy;
  /** Constant: nothing secret, nothing that varies per run. */
  readonly command: string;
  /** Text the command reads on stdin (the only way a secret reaches it)... */
  readonly stdin?: string;
  /** ...or a local file streamed to it (uploads: its content hash is in the triggers). */
  readonly stdinFile?: string;
  readonly triggers: unknown[];
  /** The step handles secrets: its output and errors never show stdin. */
  readonly secret: boolean;
}

export interface RemoteStepOutputs extends RemoteStepProps {
  /** Tails of what the command printed. */
  readonly stdout: string;
  readonly stderr: string;
}

/** Bounds a step that hangs on the node (init waits for every service, itself bounded by the status timeout). */
const STEP_TIMEOUT_MS = 2 * 60 * 60 * 1000;
/** Printed by the node's shell before the command: without it in stderr, the command never started and a retry is safe. */
const STARTED = "cmom-step-started";
/** A change of triggers reruns the step as a replacement (a new id: the steps after it, whose triggers hold it, rerun too). */
const REPLACE_ON = ["triggers"] as const;
/** A change of these reruns the step in place (same id, like a changed peer list on the leader: the joins stay as they are). */
const RERUN_IN_PLACE_ON = ["command", "stdin"] as const;
/** Lines of stderr an error carries. */
const ERROR_LINES = 20;

/**
 * A RemoteStep runs its command once when created, again when its triggers change (replaced) or its command or stdin
 * change (updated in place). Any other update (the connection), refreshing or deleting it never touches the node: removing a step must not undo anything (destroy-time
 * cleanup is NodeCleanup's job). ssh failures before the command started are retried per `dial`; a host key that is not
 * the pinned one is refused at once; a command that fails fails the step with its exit status and the tail of its stderr.
 */
export const remoteStepProvider: dynamic.ResourceProvider<RemoteStepProps, RemoteStepOutputs> = {
  async create(inputs) {
    const crypto: typeof import("node:crypto") = require("node:crypto");
    const outcome = await runStep(inputs);
    const { stdout, stderr } = outcome;
    return { id: crypto.randomUUID(), outs: { ...inputs, stdout, stderr } };
  },
  async diff(_id, olds, news) {
    const replaces = REPLACE_ON.filter((key) => stableJson(olds[key]) !== stableJson(news[key]));
    const changes = replaces.length > 0 || stableJson({ ...olds, stdout: undefined, stderr: undefined }) !== stableJson(news);
    return { changes, replaces, deleteBeforeReplace: false };
  },
  async update(_id, olds, news) {
    if (RERUN_IN_PLACE_ON.every((key) => stableJson(olds[key]) === stableJson(news[key]))) {
      return { outs: { ...news, stdout: olds.stdout, stderr: olds.stderr } };
    }
    const { stdout, stderr } = await runStep(news);
    return { outs: { ...news, stdout, stderr } };
  },
};

async function runStep(step: RemoteStepProps): Promise<SshOutcome> {
  const host = step.connection.host;
  for (let attempt = 1; ; attempt++) {
    const outcome = await runOverSsh({
      connection: step.connection,
      command: `echo ${STARTED} >&2; ${step.command}`,
      ...(step.stdin === undefined ? {} : { stdin: step.stdin }),
      ...(step.stdinFile === undefined ? {} : { stdinFile: step.stdinFile }),
      timeoutMs: STEP_TIMEOUT_MS,
      connectionAttempts: 1,
    });
    const started = outcome.stderr.indexOf(`${STARTED}\n`);
    const stderr = started < 0 ? outcome.stderr : outcome.stderr.slice(0, started) + outcome.stderr.slice(started + STARTED.length + 1);
    const result = { ...outcome, stderr };
    if (hostKeyRefused(result)) {
      throw new Error(`refused ${host}: its SSH host key is not the pinned one (${result.reason}); nothing was run`);
    }
    if (started < 0 && result.status !== 0) {
      if (result.status === SSH_FAILED && attempt < step.dial.attempts) {
        await new Promise((resolve) => setTimeout(resolve, step.dial.delaySeconds * 1000));
        continue;
      }
      throw new Error(`cannot reach ${host} over SSH after ${attempt} attempt(s): ${result.reason}; nothing was run`);
    }
    if (result.status !== 0) {
      const tail = redact(result.stderr, step.secret ? step.stdin : undefined).trim().split("\n").slice(-ERROR_LINES).join("\n");
      throw new Error(`command on ${host} failed (exit ${result.status}${result.status === SSH_FAILED ? ": the session broke, the command may have run" : ""}):\n${tail}`);
    }
    return { ...result, stdout: step.secret ? redact(result.stdout, step.stdin) : result.stdout, stderr: step.secret ? redact(stderr, step.stdin) : stderr };
  }
}

/** Masks every line of a secret stdin (and every string of it when it is JSON) that appears in `text`. */
function redact(text: string, secretStdin: string | undefined): string {
  if (secretStdin === undefined) return text;
  const values = new Set(secretStdin.split("\n").map((line) => line.trim()));
  const collect = (value: unknown): void => {
    if (typeof value === "string") values.add(value);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(collect);
  };
  try {
    collect(JSON.parse(secretStdin));
  } catch {
    // not JSON: its lines are masked
  }
  return [...values].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length)
    .reduce((masked, value) => masked.split(value).join("[secret]"), text);
}

/** JSON with object keys sorted: the state does not keep key order. */
function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => Array.isArray(v) ? v.map(sort)
    : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sort(x)]))
    : v;
  return JSON.stringify(sort(value)) ?? "undefined";
}

// The engine rebuilds this provider in another process from its serialized text. Hence no top-level imports except types
// and local modules written the same way, and modules required inside the functions; the SSH keys arrive as (secret) inputs.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { runOrSkipUnreachable, type SshConnection } from "../sshSession";

/** One cmom-role command on one node. */
interface MembershipCommand {
  readonly connection: SshConnection;
  readonly command: string;
  /**
   * The leaving node's own cleanup: when that node cannot be reached (it is lost) it is skipped with a warning, as a
   * destroy-time cleanup is; an unreachable node that stays is an error (it must act for the others).
   */
  readonly leavingNode: boolean;
}

export interface MembershipProps {
  /** Run in order when created: what registers the new node with the cluster (cmom-role join on the managers). */
  readonly join: readonly MembershipCommand[];
  /** Run in order when deleted: the official removal of the node from its cluster, around its own cleanup. */
  readonly leave: readonly MembershipCommand[];
}

/** Bounds one command that hangs on a node. */
const COMMAND_TIMEOUT_MS = 30 * 60 * 1000;
/** ssh's own attempts (15 s each): the nodes that act exist and answer. */
const CONNECT_ATTEMPTS = 3;

/**
 * A node's membership of its cluster: created, it runs `join` (once: a rerun of a failed create repeats commands that
 * converge, cmom-role's join and forget recognise work already done); deleted, it runs `leave`. An update (a staying node's
 * new address, say) only records the new commands. Each command that fails stops the sequence with its node and reason.
 */
export const membershipProvider: dynamic.ResourceProvider<MembershipProps, MembershipProps> = {
  async create(inputs) {
    const crypto: typeof import("node:crypto") = require("node:crypto");
    await runInOrder(inputs.join);
    return { id: crypto.randomUUID(), outs: inputs };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete(_id, props) {
    await runInOrder(props.leave);
  },
};

async function runInOrder(commands: readonly MembershipCommand[]): Promise<void> {
  for (const step of commands) {
    const run = { connection: step.connection, command: step.command, timeoutMs: COMMAND_TIMEOUT_MS, connectionAttempts: CONNECT_ATTEMPTS };
    await runOrSkipUnreachable(run, step.leavingNode ? "cleanup of the leaving node" : step.command, step.leavingNode);
  }
}

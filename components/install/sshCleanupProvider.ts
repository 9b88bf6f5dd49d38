// The engine rebuilds this provider in another process from its serialized text. Hence no top-level imports except
// types and local modules written the same way (vitest would turn others into unserializable references), and modules
// required inside the functions; nothing secret is captured: the SSH keys arrive as (secret) inputs, kept encrypted in the state.
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { runOrSkipUnreachable, type SshConnection } from "./sshSession";

export interface CleanupProps {
  readonly connection: SshConnection;
  /** Runs on the node when the resource is deleted. */
  readonly command: string;
}

/** Destroy must not wait long for a node that is gone: ssh's own attempts, 15 s each. */
const CONNECT_ATTEMPTS = 2;
/** Bounds a cleanup that hangs on the node. */
const CLEANUP_TIMEOUT_MS = 30 * 60 * 1000;

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
    await runOrSkipUnreachable({ ...props, timeoutMs: CLEANUP_TIMEOUT_MS, connectionAttempts: CONNECT_ATTEMPTS }, "cleanup", true);
  },
};

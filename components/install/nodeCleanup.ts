import * as pulumi from "@pulumi/pulumi";
import type { SshRoute } from "./nodeConnection";
import { CLEANUP_COMMAND } from "./nodePaths";
import { sshCleanupProvider } from "./sshCleanupProvider";

export interface NodeCleanupArgs {
  readonly route: SshRoute;
}

/**
 * Runs the tool's `cleanup` stage when it is deleted, and nothing otherwise. Give it `dependsOn` the node's
 * infrastructure (server, port, floating IP): Pulumi then deletes it — and cleans up — while all of those still exist.
 * An unreachable node does not block `pulumi destroy` (see sshCleanupProvider).
 */
export class NodeCleanup extends pulumi.dynamic.Resource {
  constructor(name: string, args: NodeCleanupArgs, opts?: pulumi.CustomResourceOptions) {
    super(sshCleanupProvider, name, { connection: args.route, command: CLEANUP_COMMAND }, { ...opts, additionalSecretOutputs: ["connection"] }, "cmom", "NodeCleanup");
  }
}

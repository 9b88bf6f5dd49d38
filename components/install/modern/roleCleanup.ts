import * as pulumi from "@pulumi/pulumi";
import type { SshRoute } from "../nodeConnection";
import { sshCleanupProvider } from "../sshCleanupProvider";

/** The destroy-time command: a node that never got the role tool has nothing to clean up. */
export const roleCleanupCommand = (tool: string) =>
  `if test -f ${tool}; then sudo -n bash ${tool} cleanup; else echo 'cmom: nothing installed, nothing to clean up'; fi`;

/**
 * Runs `cmom-role cleanup` (every role's `cfy_manager remove -c`, managers first) when deleted, nothing otherwise; an
 * unreachable node does not block `pulumi destroy` (sshCleanupProvider). Give it `dependsOn` the node's infrastructure.
 */
export class RoleCleanup extends pulumi.dynamic.Resource {
  constructor(name: string, args: { readonly route: SshRoute; readonly command: string }, opts?: pulumi.CustomResourceOptions) {
    super(sshCleanupProvider, name, { connection: args.route, command: args.command }, { ...opts, additionalSecretOutputs: ["connection"] }, "cmom", "RoleCleanup");
  }
}

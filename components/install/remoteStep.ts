import { remote } from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import { commandConnection, type SshRoute } from "./nodeConnection";

export interface RemoteStepArgs {
  readonly route: SshRoute;
  /** The command line: nothing secret and nothing that varies per run (at most the cluster's addresses). */
  readonly create: pulumi.Input<string>;
  /** What the command reads on stdin (the only way a secret reaches it). */
  readonly stdin?: pulumi.Input<string>;
  /** Exactly what the step depends on: a change reruns it (as a replacement), no change runs nothing. */
  readonly triggers: pulumi.Input<unknown>[];
  /** The step handles secrets: log nothing and keep stdout/stderr secret in the state. */
  readonly secret?: boolean;
}

/**
 * One command on a node. No `delete`: removing the step from the program must not touch the node (destroy-time cleanup
 * is NodeCleanup's job). No `environment` (secrets never go there) and no previous output sent back to the node.
 */
export function remoteStep(name: string, args: RemoteStepArgs, opts: pulumi.CustomResourceOptions): remote.Command {
  return new remote.Command(name, {
    connection: commandConnection(args.route),
    create: args.create,
    ...(args.stdin === undefined ? {} : { stdin: args.stdin }),
    triggers: args.triggers,
    addPreviousOutputInEnv: false,
    ...(args.secret ? { logging: "none" } : {}),
  }, args.secret ? { ...opts, additionalSecretOutputs: ["stdout", "stderr"] } : opts);
}

import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "../providers/connection-args";
import type { RestoreParams } from "./restore-steps";
import { createSnapshotRestoreProvider, type SnapshotRestoreOuts } from "./snapshot-restore-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifySnapshotRestoreArgs {
  /** The first node's address only: the others join after the restore. */
  readonly connection: CloudifyConnectionArgs;
  /** Absolute path of the archive. */
  readonly snapshotPath: pulumi.Input<string>;
  /** Install new agents on every deployment of every tenant afterwards. Default true. */
  readonly transferAgents?: pulumi.Input<boolean>;
  readonly params?: pulumi.Input<Partial<RestoreParams>>;
  /** Seconds for the whole restore. Default 3600. */
  readonly timeout?: pulumi.Input<number>;
}

const provider = createSnapshotRestoreProvider();

/** The upgrade path: a snapshot restored once on a new manager before anything else uses it. */
export class CloudifySnapshotRestore extends pulumi.dynamic.Resource {
  declare readonly sha256: pulumi.Output<string>;
  declare readonly restored: pulumi.Output<SnapshotRestoreOuts["restored"]>;

  constructor(name: string, args: CloudifySnapshotRestoreArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: connectionInput(args.connection),
        snapshotPath: args.snapshotPath,
        transferAgents: args.transferAgents,
        params: args.params,
        timeout: args.timeout,
        sha256: undefined,
        restored: undefined,
      },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "SnapshotRestore",
    );
  }
}

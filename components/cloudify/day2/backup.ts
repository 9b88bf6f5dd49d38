import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "../providers/connection-args";
import { createBackupProvider, type BackupArchive } from "./backup-provider";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifyBackupArgs {
  /** The cluster (every node, leader first): the client finds the leader. */
  readonly connection: CloudifyConnectionArgs;
  /** Absolute directory of the archive (created 0700 when missing). */
  readonly dir: pulumi.Input<string>;
  /** Default `snap_YYYY_MM_DD_HH_MM_SS` (UTC), fixed when the backup is taken. */
  readonly snapshotId?: pulumi.Input<string>;
  readonly includeMetrics?: pulumi.Input<boolean>;
  readonly includeCredentials?: pulumi.Input<boolean>;
  readonly includeLogs?: pulumi.Input<boolean>;
  readonly includeEvents?: pulumi.Input<boolean>;
  /** Any value; a new one takes a new backup. */
  readonly trigger?: pulumi.Input<string>;
  /** Seconds for the snapshot to be created. Default 3600. */
  readonly timeout?: pulumi.Input<number>;
}

const provider = createBackupProvider();

/** A snapshot of the cluster saved as `<dir>/<snapshotId>.zip` with its sha256; deleting the resource keeps the file. */
export class CloudifyBackup extends pulumi.dynamic.Resource {
  declare readonly archive: pulumi.Output<BackupArchive>;

  constructor(name: string, args: CloudifyBackupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: connectionInput(args.connection),
        dir: args.dir,
        snapshotId: args.snapshotId,
        includeMetrics: args.includeMetrics,
        includeCredentials: args.includeCredentials,
        includeLogs: args.includeLogs,
        includeEvents: args.includeEvents,
        trigger: args.trigger,
        timeout: args.timeout,
        archive: undefined,
      },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "Backup",
    );
  }
}

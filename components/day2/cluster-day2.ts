import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { CloudifyConnectionArgs } from "../cloudify/providers";
import type { BackupConfig } from "../config/backupSchema";
import type { RestoreConfig } from "../config/restoreSchema";
import { clusterIpsOf, type ClusterIps } from "../outputs/clusterIps";
import { CloudifyBackup } from "../cloudify/day2/backup";
import type { BackupArchive } from "../cloudify/day2/backup-provider";
import { CloudifyClusterStatus } from "../cloudify/day2/cluster-status";
import type { ClusterStatusValue } from "../cloudify/day2/cluster-status-read";
import { CloudifySnapshotRestore } from "../cloudify/day2/snapshot-restore";
import { childName } from "../naming/resourceNames";

/** What a preview shows for the status: only `pulumi up` and `pulumi refresh` read it. */
const STATUS_NOT_READ: ClusterStatusValue = {
  leaderStatus: [],
  clusterStatus: [],
  error: "not read in a preview: pulumi up and pulumi refresh read the live status",
};

/** Every cmom REST resource acts as the admin in `default_tenant`; tenant-scoped objects pick their own tenant. */
const ADMIN_TENANT = "default_tenant";

export interface ClusterDay2Args {
  /** The stack's name: resources are `<name>-status` and `<name>-backup`. */
  readonly name: string;
  readonly backup: BackupConfig;
  /** The cluster's REST API (every node, leader first); undefined when it cannot be reached with verified TLS. */
  readonly connection: Omit<CloudifyConnectionArgs, "tenant"> | undefined;
  /** Why there is no connection (shown in clusterStatus.error). */
  readonly unreachableBecause?: string;
  /** The nodes' addresses (those in `connection`), in configured order. */
  readonly addresses: readonly pulumi.Input<string>[];
  /** What must be finished first: the formed cluster, and a restore. */
  readonly after: readonly pulumi.Resource[];
}

export interface ClusterDay2Outputs {
  /** From the live leader after an update; the configured order in a preview or when no leader is known. */
  readonly clusterIps: pulumi.Output<ClusterIps>;
  readonly clusterStatus: pulumi.Output<ClusterStatusValue>;
  /** The backup the current `cmom:backup.trigger` took. */
  readonly backup?: pulumi.Output<BackupArchive>;
}

/**
 * Day-2 resources of a formed cluster: its live status (every update) and, when `cmom:backup.trigger` is set, a backup
 * to `cmom:backup.dir` (a new trigger value takes a new one; without a trigger the stack takes none).
 */
export function clusterDay2(args: ClusterDay2Args): ClusterDay2Outputs {
  const configuredIps = clusterIpsOf(args.addresses);
  if (args.connection === undefined) {
    return { clusterIps: configuredIps, clusterStatus: pulumi.output({ leaderStatus: [], clusterStatus: [], error: args.unreachableBecause ?? "the cluster cannot be reached" }) };
  }
  const connection = { ...args.connection, tenant: ADMIN_TENANT };
  const status = new CloudifyClusterStatus(childName.clusterStatus(args.name), { connection }, { dependsOn: [...args.after] });
  // A preview reads nothing: it shows the configured order and says the status was not read.
  const preview = pulumi.runtime.isDryRun();
  const clusterIps = preview ? configuredIps : status.clusterIps;
  const clusterStatus = preview ? pulumi.output(STATUS_NOT_READ) : status.clusterStatus;
  const { backup } = args;
  const taken = backup.trigger === undefined ? undefined : new CloudifyBackup(childName.backup(args.name), {
    connection,
    // Relative to the project directory, where Pulumi runs the program; the provider runs elsewhere.
    dir: path.resolve(backup.dir),
    snapshotId: backup.snapshotId,
    includeMetrics: backup.includeMetrics,
    includeCredentials: backup.includeCredentials,
    includeLogs: backup.includeLogs,
    includeEvents: backup.includeEvents,
    trigger: backup.trigger,
  }, { dependsOn: [...args.after] });
  return { clusterIps, clusterStatus, ...(taken ? { backup: taken.archive } : {}) };
}

/** The archive `cmom:restore` names: `snapshotPath`, or `snapshots/<fromStack>/<snapshotId>.zip` (another stack's backup). */
export function restoreArchivePath(restore: RestoreConfig): string {
  return path.resolve(restore.snapshotPath ?? path.join("snapshots", restore.fromStack!, `${restore.snapshotId!}.zip`));
}

/** The restore of `cmom:restore` on the manager at `connection` (the first node only), after `after`. */
export function restoreOnFirstNode(
  name: string,
  restore: RestoreConfig,
  connection: Omit<CloudifyConnectionArgs, "tenant">,
  after: readonly pulumi.Resource[],
): CloudifySnapshotRestore {
  return new CloudifySnapshotRestore(`${name}-restore`, {
    connection: { ...connection, tenant: ADMIN_TENANT },
    snapshotPath: restoreArchivePath(restore),
    transferAgents: restore.transferAgents,
    params: restore.params,
  }, { dependsOn: [...after] });
}

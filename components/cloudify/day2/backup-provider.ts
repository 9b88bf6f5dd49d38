import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import { DEFAULT_TUNING, type ClientTuning, type CloudifyConnection } from "../client/connection";
import { booleanFailures, nonEmptyStringFailures, positiveNumberFailures, resourceIdFailures, type CheckFailure } from "../providers/check-rules";
import { connectionFailures, plainConnection, recordOnlyUpdate } from "../providers/connection-props";
import { diffInputs, type DiffRules } from "../providers/diff-inputs";
import { containsUnknown } from "../providers/unknown";
import { takeSnapshot, type SnapshotContents } from "./snapshot-create";
import { assertNoSnapshotFile, downloadSnapshot } from "./snapshot-download";
import { defaultSnapshotId } from "./snapshot-ids";

interface BackupInputs extends SnapshotContents {
  readonly connection: CloudifyConnection;
  /** Absolute directory the archive is saved in. */
  readonly dir: string;
  /** Id of the snapshot; default `snap_YYYY_MM_DD_HH_MM_SS` (UTC) of the moment the backup is taken. */
  readonly snapshotId?: string;
  /** Any value; a new one takes a new backup. */
  readonly trigger?: string;
  /** Seconds the manager may take to create the snapshot. */
  readonly timeout: number;
}

/** The backup as taken: where it is and what it holds. */
export interface BackupArchive {
  readonly snapshotId: string;
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** When the manager created the snapshot. */
  readonly createdAt: string;
}

interface BackupOuts extends BackupInputs {
  readonly archive: BackupArchive;
}

const RULES: DiffRules = {
  inputs: ["dir", "snapshotId", "includeMetrics", "includeCredentials", "includeLogs", "includeEvents", "trigger", "timeout"],
  // What the snapshot is, or a request for another one: a new backup. Moving `dir` or a new address keeps the taken one.
  replaceOn: ["snapshotId", "includeMetrics", "includeCredentials", "includeLogs", "includeEvents", "trigger"],
  tenantScoped: false,
  deleteBeforeReplace: false,
};

/**
 * A new trigger asks for a new backup, but a fixed snapshotId already names the one taken: taking it again would meet the
 * manager's "already exists", and adopting that snapshot would save the old backup as the new one. Refused before anything
 * is done; without a snapshotId every trigger gets a fresh id.
 */
function reusedIdFailures(olds: Partial<BackupInputs>, news: BackupInputs): CheckFailure[] {
  if (news.snapshotId === undefined || olds.snapshotId !== news.snapshotId || olds.trigger === news.trigger || containsUnknown(news.trigger)) return [];
  return [{
    property: "snapshotId",
    reason: `${news.snapshotId} names the backup trigger ${JSON.stringify(olds.trigger)} took; a new trigger takes a new backup: ` +
      "leave snapshotId unset (each backup gets snap_<UTC time>) or give it a new value",
  }];
}

function dirFailures(dir: unknown): CheckFailure[] {
  if (containsUnknown(dir)) return [];
  const path: typeof import("node:path") = require("node:path");
  return typeof dir === "string" && path.isAbsolute(dir) ? [] : [{ property: "dir", reason: `must be an absolute path; got ${JSON.stringify(dir)}` }];
}

/**
 * Dynamic provider of `pulumi-nodejs:dynamic/cloudify:Backup`: creates a snapshot on the cluster's leader, waits until it is
 * `created` and streams it to `<dir>/<snapshotId>.zip` (see downloadSnapshot). The id is fixed when the backup is taken.
 * Deleting the resource keeps the file (and the manager's snapshot): a backup outlives the stack's wish for a new one.
 */
export function createBackupProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  const fullTuning: ClientTuning = { ...DEFAULT_TUNING, ...tuning };
  return {
    async check(olds: Partial<BackupInputs>, news: BackupInputs) {
      const inputs: BackupInputs = {
        ...news,
        includeMetrics: news.includeMetrics ?? false,
        includeCredentials: news.includeCredentials ?? true,
        includeLogs: news.includeLogs ?? true,
        includeEvents: news.includeEvents ?? true,
        timeout: news.timeout ?? 3600,
      };
      const failures = [
        ...connectionFailures(inputs.connection),
        ...dirFailures(inputs.dir),
        ...(inputs.snapshotId === undefined ? [] : resourceIdFailures(inputs.snapshotId, "snapshotId")),
        ...(inputs.trigger === undefined ? [] : nonEmptyStringFailures(inputs.trigger, "trigger")),
        ...booleanFailures(inputs.includeMetrics, "includeMetrics"),
        ...booleanFailures(inputs.includeCredentials, "includeCredentials"),
        ...booleanFailures(inputs.includeLogs, "includeLogs"),
        ...booleanFailures(inputs.includeEvents, "includeEvents"),
        ...positiveNumberFailures(inputs.timeout, "timeout"),
        ...reusedIdFailures(olds ?? {}, inputs),
      ];
      return { inputs, failures };
    },
    async diff(_id: string, olds: BackupOuts, news: BackupInputs) {
      return diffInputs(olds, news, RULES);
    },
    async create(inputs: BackupInputs) {
      const id = inputs.snapshotId ?? defaultSnapshotId(new Date());
      await assertNoSnapshotFile(inputs.dir, id);
      const client = new CloudifyClient(inputs.connection, fullTuning);
      const snapshot = await takeSnapshot(client, id, inputs, inputs.timeout * 1000);
      const saved = await downloadSnapshot(client, id, inputs.dir);
      const outs: BackupOuts = {
        ...inputs,
        connection: plainConnection(inputs.connection),
        archive: { snapshotId: id, file: saved.file, sha256: saved.sha256, sizeBytes: saved.sizeBytes, createdAt: snapshot.created_at },
      };
      return { id, outs };
    },
    async update(_id: string, olds: BackupOuts, news: BackupInputs) {
      // Only where future files go, the timeout or the address changed: the backup taken stays as it is.
      return recordOnlyUpdate(olds, news);
    },
    async delete() {
      // The file (and the manager's snapshot) are kept on purpose.
    },
  };
}

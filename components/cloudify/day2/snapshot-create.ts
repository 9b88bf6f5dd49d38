import type { CloudifyClient } from "../client";
import { pollUntil } from "../client/backoff";
import { CloudifyError, isApiError } from "../client/errors";
import type { Snapshot } from "../client/types";

/** What a snapshot holds (the manager's `include_*` flags). */
export interface SnapshotContents {
  /** Read by 4.x managers only. */
  readonly includeMetrics: boolean;
  readonly includeCredentials: boolean;
  readonly includeLogs: boolean;
  readonly includeEvents: boolean;
}

/** The manager's `create_snapshot` ended with the snapshot `failed`; `snapshot.error` is its account. */
class SnapshotFailedError extends CloudifyError {
  readonly snapshot: Snapshot;

  constructor(snapshot: Snapshot) {
    super(`Cloudify snapshot ${snapshot.id} failed${snapshot.error ? `: ${snapshot.error}` : ""}`, "SnapshotFailedError");
    this.snapshot = snapshot;
  }
}

/** Statuses of a snapshot whose archive can be downloaded. */
const DOWNLOADABLE = ["created", "uploaded"];

/**
 * Creates snapshot `id` and waits until it is `created`. A snapshot of that id already on the manager (a retried PUT, or a
 * rerun after a failed download) is waited for instead of being created twice. `failed` throws SnapshotFailedError.
 */
export async function takeSnapshot(client: CloudifyClient, id: string, contents: SnapshotContents, timeoutMs: number): Promise<Snapshot> {
  try {
    await client.snapshots.create(id, contents);
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
  }
  let last: Snapshot | undefined;
  return pollUntil(
    async () => {
      last = await client.snapshots.get(id);
      if (last === undefined) throw new Error(`Cloudify snapshot ${id} disappeared while it was being created`);
      if (last.status === "failed") throw new SnapshotFailedError(last);
      return DOWNLOADABLE.includes(last.status) ? last : undefined;
    },
    { intervalMs: client.rest.tuning.pollIntervalMs, timeoutMs, describe: () => `snapshot ${id} to be created (still ${last?.status ?? "unknown"})` },
  );
}

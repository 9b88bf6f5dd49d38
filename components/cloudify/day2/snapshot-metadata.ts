import { CloudifyError } from "../client/errors";

/**
 * What a snapshot archive on the operator's disk says of itself in its `metadata.json` (snapshots/constants.py
 * METADATA_FILENAME, M_VERSION … @4.3 … 7.0.4), read before anything is uploaded.
 */
export interface SnapshotMetadata {
  /** The version of the manager that wrote it (`snapshot_version`). */
  readonly version: string;
  /**
   * "legacy": a database dump, restored by emptying the manager first (every release writes it; 7.0 when asked with
   * `legacy`). "entities": 7.0's dump of every object through the REST API, restored by adding each object to what the
   * manager holds. Told apart as the restore does (snapshot_restore.py _is_legacy_snapshot @7.0.4): a legacy archive's
   * metadata carries its schema revisions.
   */
  readonly format: "legacy" | "entities";
}

const METADATA_FILE = "metadata.json";
/** metadata.json is a few hundred bytes; anything far larger is not one. */
const MAX_METADATA_BYTES = 1 << 20;
const LEGACY_KEYS = ["schema_revision", "stage_schema_revision", "composer_schema_revision"];

/** The archive is not a snapshot cmom can read: nothing was uploaded. */
class SnapshotArchiveError extends CloudifyError {
  constructor(file: string, problem: string) {
    super(`${file} is not a Cloudify snapshot archive: ${problem}; nothing was uploaded`, "SnapshotArchiveError");
  }
}

/** Reads `metadata.json` out of the snapshot zip `file` (only that entry is read, whatever the archive's size). */
export async function readSnapshotMetadata(file: string): Promise<SnapshotMetadata> {
  const yauzl: typeof import("yauzl") = require("yauzl");
  let text: string | undefined;
  try {
    const zip = await yauzl.openPromise(file);
    try {
      for await (const entry of zip.eachEntry()) {
        if (entry.fileName !== METADATA_FILE) continue;
        if (entry.uncompressedSize > MAX_METADATA_BYTES) throw new Error(`its ${METADATA_FILE} has ${entry.uncompressedSize} bytes`);
        const chunks: Buffer[] = [];
        for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
        text = Buffer.concat(chunks).toString("utf8");
        break;
      }
    } finally {
      zip.close();
    }
  } catch (error) {
    throw new SnapshotArchiveError(file, (error as Error).message);
  }
  if (text === undefined) throw new SnapshotArchiveError(file, `it has no ${METADATA_FILE}`);
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new SnapshotArchiveError(file, `its ${METADATA_FILE} is not JSON (${(error as Error).message})`);
  }
  const version = metadata.snapshot_version;
  if (typeof version !== "string" || !/^\d+(\.\d+)*/.test(version)) {
    throw new SnapshotArchiveError(file, `its ${METADATA_FILE} has no snapshot_version (expected e.g. "6.4.2", found ${JSON.stringify(version)})`);
  }
  return { version, format: LEGACY_KEYS.every((key) => key in metadata) ? "legacy" : "entities" };
}

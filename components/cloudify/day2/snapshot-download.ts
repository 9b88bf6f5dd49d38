import type { IncomingHttpHeaders } from "node:http";
import type { CloudifyClient } from "../client";
import type { DownloadBody } from "../client/download-body";
import { CloudifyError } from "../client/errors";
import { objectPath } from "../client/paths";
import { sha256Thread, type Sha256Thread } from "./sha256-thread";

/** A snapshot archive saved on the operator's disk. */
export interface SnapshotFile {
  /** Absolute path, `<dir>/<id>.zip`. */
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** The backup file is there already: cmom never overwrites one. */
class SnapshotFileExistsError extends CloudifyError {
  readonly file: string;

  constructor(file: string) {
    super(`${file} already exists and is never overwritten: choose another snapshotId, or move the file away`, "SnapshotFileExistsError");
    this.file = file;
  }
}

/** Where a download of snapshot `id` into `dir` lands, and the name it is written under until complete. */
function snapshotPaths(dir: string, id: string): { readonly target: string; readonly partial: string } {
  const path: typeof import("node:path") = require("node:path");
  return { target: path.join(dir, `${id}.zip`), partial: path.join(dir, `.${id}.zip.partial`) };
}

/**
 * Streams snapshot `id` to `<dir>/<id>.zip` (0600; `dir` is created 0700 when missing), hashing it on the way. The bytes go
 * to a temporary name that is linked to the final one only once the body is complete, its size is the announced
 * `Content-Length` and it is on disk (fsync); link(2) fails when the final name exists, so nothing is ever overwritten.
 * A failed transfer leaves no file behind; a dropped connection is retried from the start by the client.
 */
export async function downloadSnapshot(client: CloudifyClient, id: string, dir: string): Promise<SnapshotFile> {
  const fs: typeof import("node:fs") = require("node:fs");
  const { target, partial } = snapshotPaths(dir, id);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  await assertNoSnapshotFile(dir, id);
  // The client gives up on a broken response at once while its writer may still be flushing: each attempt's writer starts
  // only after the previous one settled, and cleanup waits for the last one.
  let writing: Promise<unknown> = Promise.resolve();
  try {
    const written = await client.rest.download({ method: "GET", path: objectPath("snapshots", id, "archive"), expect: [200] }, (body, headers) => {
      const attempt = writing.then(() => writeVerified(body, headers, partial));
      writing = attempt.catch(() => undefined);
      return attempt;
    });
    await fs.promises.link(partial, target).catch((error: NodeJS.ErrnoException) => {
      throw error.code === "EEXIST" ? new SnapshotFileExistsError(target) : error;
    });
    return { file: target, ...written };
  } finally {
    await writing;
    await fs.promises.rm(partial, { force: true });
  }
}

/**
 * Bytes gathered before one write to the file. Writing every 16 KiB TLS record on its own ran at a fifth of curl's speed;
 * batches of a few MiB (one writev each, one in flight while the socket keeps reading) keep up. Memory stays bounded:
 * each chunk goes back to the body once written and hashed, and carries later bytes.
 */
const WRITE_BATCH_BYTES = 4 * 2 ** 20;
/** Batches written or waiting before the socket is paused: bounds memory to about this many batches. */
const MAX_QUEUED_BATCHES = 2;
/** Chunks (of a MiB) the hashing thread may be behind before the socket is paused. */
const MAX_HASH_BACKLOG = 8;

/**
 * Writes one response body to `partial`, returning its sha256 and size once it is complete and synced to disk. The sha256
 * is computed on a thread of its own while this one receives and writes; the thread ends before this returns or throws.
 */
async function writeVerified(body: DownloadBody, headers: IncomingHttpHeaders, partial: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hashing = sha256Thread();
  try {
    return await writeHashed(body, headers, partial, hashing);
  } finally {
    await hashing.close();
  }
}

/**
 * The file side of `writeVerified`. The file is opened here, before any byte, and closed (after its pending writes) before
 * this returns or throws: nothing writes to or creates it afterwards.
 */
async function writeHashed(body: DownloadBody, headers: IncomingHttpHeaders, partial: string, hashing: Sha256Thread): Promise<{ sha256: string; sizeBytes: number }> {
  const fs: typeof import("node:fs") = require("node:fs");
  const { finished } = require("node:stream") as typeof import("node:stream");
  await fs.promises.rm(partial, { force: true }); // a leftover of a killed run may carry other permissions
  const declared = headers["content-length"] === undefined ? Number.NaN : Number(headers["content-length"]);
  if (!Number.isSafeInteger(declared)) throw new Error("the archive came without a Content-Length: its completeness cannot be checked");
  let sizeBytes = 0;
  let sha256 = "";
  const handle = await fs.promises.open(partial, "w", 0o600);
  let writing: Promise<void> = Promise.resolve();
  try {
    // 'data' events, not an async iterator (a microtask round per TLS record costs throughput); writes are queued in batches
    // and the socket is paused only while two batches wait or the hash is far behind, so memory stays bounded and reading
    // rarely stops.
    await new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => {
        body.destroy();
        reject(error);
      };
      hashing.failed.catch(fail);
      let batch: Buffer[] = [];
      let batched = 0;
      let queued = 0;
      // A chunk goes back to the body on the second of its two releases: once written, once hashed.
      const releasedOnce = new Set<Buffer>();
      const release = (chunk: Buffer) => {
        if (releasedOnce.delete(chunk)) body.recycle(chunk);
        else releasedOnce.add(chunk);
      };
      const resumeWhenCaughtUp = () => {
        if (queued < MAX_QUEUED_BATCHES && hashing.backlog < MAX_HASH_BACKLOG && body.isPaused()) body.resume();
      };
      const flush = () => {
        const buffers = batch;
        batch = [];
        batched = 0;
        queued += 1;
        writing = writing.then(() => writeAll(handle, buffers)).then(() => buffers.forEach(release)).finally(() => {
          queued -= 1;
          resumeWhenCaughtUp();
        });
        writing.catch(fail);
      };
      body.on("data", (chunk: Buffer) => {
        hashing.update(chunk, () => {
          release(chunk);
          resumeWhenCaughtUp();
        });
        sizeBytes += chunk.length;
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH_BYTES) flush();
        if (queued >= MAX_QUEUED_BATCHES || hashing.backlog >= MAX_HASH_BACKLOG) body.pause();
      });
      body.on("end", () => {
        flush();
        Promise.all([writing, hashing.digest()]).then(([, digest]) => {
          sha256 = digest;
          resolve();
        }, reject);
      });
      // Also when the body broke before these listeners were attached: finished() reports a stream already destroyed.
      finished(body, (error) => {
        if (error) reject(error);
      });
    });
    if (sizeBytes !== declared) throw new Error(`got ${sizeBytes} of ${declared} bytes`);
    await handle.sync();
  } finally {
    await writing.catch(() => undefined);
    await handle.close();
  }
  return { sha256, sizeBytes };
}

/** Writes every byte of `buffers` at the file's position, however many calls it takes (writev may write less). */
async function writeAll(handle: import("node:fs/promises").FileHandle, buffers: Buffer[]): Promise<void> {
  const rest = [...buffers];
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    while (rest.length > 0 && bytesWritten >= rest[0]!.length) bytesWritten -= rest.shift()!.length;
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

/** Throws SnapshotFileExistsError when `<dir>/<id>.zip` exists (checked before anything is asked of the manager). */
export async function assertNoSnapshotFile(dir: string, id: string): Promise<void> {
  const fs: typeof import("node:fs") = require("node:fs");
  const { target } = snapshotPaths(dir, id);
  const found = await fs.promises.lstat(target).then(() => true, () => false);
  if (found) throw new SnapshotFileExistsError(target);
}

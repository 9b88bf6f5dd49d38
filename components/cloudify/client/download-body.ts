import type { Readable } from "node:stream";

/** Size of the chunks a download body is read in. */
const BODY_CHUNK_BYTES = 2 ** 20;
/**
 * Chunks given back and kept for reuse: about as many as a consumer holds at once (its write batches, the chunks its hash
 * has not reached, the stream's buffer).
 */
const MAX_KEPT_CHUNKS = 16;

/**
 * The body of an archive download as its consumer reads it: chunks of 1 MiB, filled from the socket's one small read
 * buffer. Node's socket hands out a new 16 KiB buffer for every TLS record; a GiB streamed through new memory reached
 * the hash and the file write cold from RAM each time, which cost more CPU than decrypting it. A consumer that gives its
 * chunks back (`recycle`) once it is done with them has the next bytes delivered in the same memory, still in the
 * processor's caches. The chunks are shared memory, so a consumer may hand them to another thread (to hash them) without
 * a copy. The last chunk may be shorter.
 */
export interface DownloadBody extends Readable {
  /** Copies `source[start, end)` into the body. False when the consumer is behind: the source should pause. */
  append(source: Buffer, start: number, end: number): boolean;
  /** The body is complete: what is left goes out, then the end. */
  finish(): void;
  /** Gives back a chunk of this body that the consumer will not read again: later bytes are delivered in its memory. */
  recycle(chunk: Buffer): void;
}

/**
 * A DownloadBody fed by a source that `resumeSource` restarts. It holds at most two chunks for a consumer that is behind;
 * beyond that `append` answers false, and once the consumer reads again the stream asks for more through `resumeSource`.
 * (A factory rather than a subclass of Readable: Pulumi serializes the providers that use the client, and cannot
 * serialize a class that extends one of Node's own.)
 */
export function downloadBody(resumeSource: () => void): DownloadBody {
  const { Readable } = require("node:stream") as typeof import("node:stream");
  const kept: Buffer[] = [];
  let chunk: Buffer | undefined;
  let filled = 0;
  const body = new Readable({ highWaterMark: 2 * BODY_CHUNK_BYTES, read: resumeSource });
  return Object.assign(body, {
    append(source: Buffer, start: number, end: number): boolean {
      let wanted = true;
      while (start < end) {
        chunk ??= kept.pop() ?? Buffer.from(new SharedArrayBuffer(BODY_CHUNK_BYTES));
        const copied = source.copy(chunk, filled, start, end);
        start += copied;
        filled += copied;
        if (filled === BODY_CHUNK_BYTES) {
          wanted = body.push(chunk) && wanted;
          chunk = undefined;
          filled = 0;
        }
      }
      return wanted;
    },
    finish(): void {
      if (chunk && filled > 0) body.push(chunk.subarray(0, filled));
      chunk = undefined;
      body.push(null);
    },
    recycle(used: Buffer): void {
      if (used.length === BODY_CHUNK_BYTES && used.byteOffset === 0 && kept.length < MAX_KEPT_CHUNKS) kept.push(used);
    },
  });
}

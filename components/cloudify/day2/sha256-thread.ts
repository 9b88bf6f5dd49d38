/**
 * The hashing thread's code, run from this string (not a file) so that it also starts inside a provider Pulumi serialized.
 * It hashes each view it is sent, in order, answers with its length once done with it, and answers `null` with the digest.
 */
const HASHING_THREAD_SOURCE = `
const { parentPort } = require("node:worker_threads");
const hash = require("node:crypto").createHash("sha256");
parentPort.on("message", (bytes) => {
  if (bytes === null) return parentPort.postMessage(hash.digest("hex"));
  hash.update(bytes);
  parentPort.postMessage(bytes.length);
});
`;

/**
 * A sha256 computed on a thread of its own, beside the thread that receives and writes an archive. Hashing was about half
 * of a download's CPU on the receiving thread (`npm run bench -- download-1gib`), which limited the download to what one
 * core could do. Bytes in shared memory (a SharedArrayBuffer, as download bodies are) reach the thread without a copy;
 * others are copied on the way.
 */
export interface Sha256Thread {
  /** Hashes `bytes` after everything given before; `done` is called once the thread no longer reads them. */
  update(bytes: Buffer, done: () => void): void;
  /** Updates given but not hashed yet. */
  readonly backlog: number;
  /** The hex digest of everything given, once all of it is hashed (asked once: the thread's hash ends with it). */
  digest(): Promise<string>;
  /** Rejects when the thread dies before it is closed; never resolves. */
  readonly failed: Promise<never>;
  /** Ends the thread (also when it failed); updates not hashed yet are dropped without their `done`. */
  close(): Promise<void>;
}

/** Starts a hashing thread. */
export function sha256Thread(): Sha256Thread {
  const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
  const thread = new Worker(HASHING_THREAD_SOURCE, { eval: true });
  const waiting: Array<() => void> = [];
  let digested: (hex: string) => void = () => undefined;
  let closing = false;
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined); // a caller that never waits on it is not told of an unhandled rejection
  thread.on("message", (message: number | string) => {
    if (typeof message === "string") digested(message);
    else waiting.shift()?.();
  });
  thread.on("error", (error) => {
    if (!closing) fail(error);
  });
  thread.on("exit", (code) => {
    if (!closing) fail(new Error(`the hashing thread stopped (exit code ${code}) before the archive was complete`));
  });
  return {
    update(bytes, done) {
      waiting.push(done);
      thread.postMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    },
    get backlog() {
      return waiting.length;
    },
    failed,
    digest() {
      return new Promise((resolve) => {
        digested = resolve;
        thread.postMessage(null);
      });
    },
    async close() {
      closing = true;
      waiting.length = 0;
      await thread.terminate();
    },
  };
}

import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

/**
 * A download consumer that streams a response body to `target`: written to `<target>.partial` (0600) and renamed
 * once complete and as long as `Content-Length` says, so a broken transfer never leaves a truncated file behind.
 * Returns the number of bytes written.
 */
export function toFile(target: string): (body: Readable, headers: IncomingHttpHeaders) => Promise<number> {
  return async (body, headers) => {
    const fs: typeof import("node:fs") = require("node:fs");
    const { Transform } = require("node:stream") as typeof import("node:stream");
    const { pipeline } = require("node:stream/promises") as typeof import("node:stream/promises");
    const partial = `${target}.partial`;
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // Opened before the transfer: a write stream opens its file asynchronously, and a transfer cut at once could otherwise
    // create the partial file after the cleanup below removed it.
    const file = await fs.promises.open(partial, "w", 0o600);
    try {
      await pipeline(body, counter, file.createWriteStream());
      const expected = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
      if (expected !== undefined && bytes !== expected) throw new Error(`got ${bytes} of ${expected} bytes`);
      await fs.promises.rename(partial, target);
      return bytes;
    } catch (error) {
      await fs.promises.rm(partial, { force: true });
      throw error;
    }
  };
}

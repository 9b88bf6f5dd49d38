import { open } from "node:fs/promises";
import type { ServerResponse } from "node:http";

/** Size of each read from the file, and of each of the two buffers they land in. */
const READ_BYTES = 2 ** 20;

/**
 * Sends `file` as the rest of the response body through two buffers used in turn: one is read into while the other is
 * still being encrypted and sent, and a buffer is read into again only once the socket has taken its last bytes.
 * A stream from createReadStream allocates a new buffer per read instead: a GiB of archive then drove the double into
 * major garbage collections that cost about a fifth of its CPU, which the bench's client and curl share two cores with
 * (a real manager's nginx runs on its own machine). Rejects, and leaves the response to the caller, when the client goes.
 */
export async function sendFileBody(res: ServerResponse, file: string): Promise<void> {
  const handle = await open(file, "r");
  try {
    const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
    const sent: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    for (let turn = 0; ; turn ^= 1) {
      await sent[turn];
      const buffer = buffers[turn]!;
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, null);
      if (bytesRead === 0) break;
      sent[turn] = written(res, buffer.subarray(0, bytesRead));
      // Awaited only on its next turn: a client that leaves fails both buffers' sends, and the other one must not go unobserved.
      sent[turn]!.catch(() => undefined);
    }
    await Promise.all(sent);
    await new Promise<void>((resolve) => res.end(resolve));
  } finally {
    await handle.close();
  }
}

/** Settles once the socket has taken `bytes` (so their buffer may be reused), or the response is gone. */
function written(res: ServerResponse, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const gone = () => reject(new Error("the client went away"));
    res.once("close", gone);
    res.write(bytes, (error) => {
      res.off("close", gone);
      if (error) reject(error);
      else resolve();
    });
  });
}

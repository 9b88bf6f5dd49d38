import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { Readable } from "node:stream";
import type { DownloadBody } from "../../components/cloudify/client/download-body";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudifyClient } from "../../components/cloudify/client";
import { generateTestCa, issueServerCertificate, type TestCa } from "../doubles/cloudify/certs";
import { FAST_TUNING } from "./fixtures";

/**
 * Archive downloads read the TLS socket themselves (no HTTP client in between): a scripted HTTPS server answers them byte
 * by byte, to show what a download accepts, refuses and retries.
 */
let ca: TestCa;
let server: Server;
let port = 0;
/** What the server does with each request head it receives; the heads are kept, with the TLS version agreed. */
let answer: (socket: TLSSocket, head: string) => void = () => undefined;
const heads: string[] = [];
const protocols: string[] = [];

/** A scripted HTTPS server; `maxVersion` TLSv1.2 plays an old manager's nginx. */
async function scriptedServer(options: { maxVersion?: "TLSv1.2" } = {}): Promise<Server> {
  const certificate = issueServerCertificate(ca);
  const scripted = createServer({ key: certificate.keyPem, cert: certificate.certPem, ...options }, (socket) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      heads.push(received.slice(0, end));
      protocols.push(socket.getProtocol() ?? "");
      received = "";
      answer(socket, heads.at(-1)!);
    });
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => scripted.listen(0, "127.0.0.1", resolve));
  return scripted;
}

beforeAll(async () => {
  ca = generateTestCa();
  server = await scriptedServer();
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (caCert = ca.certPem, at = port) =>
  new CloudifyClient({ endpoints: [`https://127.0.0.1:${at}`], username: "admin", password: "s3cret", caCert, tenant: "t1" }, FAST_TUNING);
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
/** The consumer of a plugin or blueprint archive: it takes whatever the stream gives until its end. */
const digestOf = async (body: Readable) => {
  const hash = createHash("sha256");
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest("hex");
};
const download = (c: CloudifyClient) => c.rest.download({ method: "GET", path: "/snapshots/s1/archive", query: { q: "a b" }, expect: [200] }, digestOf);
/** Sends `parts` with a pause between them (separate TLS records), then closes. */
const sendInParts = async (socket: TLSSocket, parts: (string | Buffer)[]) => {
  for (const part of parts) {
    socket.write(part);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  socket.end();
};

describe("an archive download", () => {
  it("sends the request the HTTP client would, and takes a body that starts in the head's record and a head that comes in pieces", async () => {
    const body = randomBytes(200_000);
    answer = (socket) =>
      void sendInParts(socket, [
        "HTTP/1.1 200 OK\r\nContent-Ty",
        Buffer.concat([Buffer.from(`pe: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`), body.subarray(0, 10)]),
        body.subarray(10),
      ]);
    heads.length = 0;
    expect(await download(client())).toBe(sha256(body));
    const [requestLine, ...headerLines] = heads[0]!.split("\r\n");
    expect(requestLine).toBe("GET /api/v3.1/snapshots/s1/archive?q=a+b HTTP/1.1");
    expect(Object.fromEntries(headerLines.map((line) => line.split(": ")))).toEqual({
      Host: `127.0.0.1:${port}`,
      Authorization: `Basic ${Buffer.from("admin:s3cret").toString("base64")}`,
      Tenant: "t1",
      Accept: "application/json",
      "User-Agent": "cmom-cloudify-client",
      "Content-Type": "application/json",
      Connection: "close",
    });
  });

  it("retries a body cut short even when its consumer would take it, and fails after the last round", async () => {
    answer = (socket) => void sendInParts(socket, ["HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", Buffer.alloc(600, 1)]);
    heads.length = 0;
    const error = await download(client()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "CloudifyUnavailableError", message: expect.stringMatching(/response ended after 600 of its 1000 bytes/) });
    expect(heads).toHaveLength(FAST_TUNING.maxAttempts);
  });

  it("refuses an archive answered without a Content-Length (its completeness cannot be checked), without asking again", async () => {
    answer = (socket) => void sendInParts(socket, ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "3\r\nabc\r\n0\r\n\r\n"]);
    heads.length = 0;
    await expect(download(client())).rejects.toThrow(/the archive came without a Content-Length/);
    expect(heads).toHaveLength(1);
  });

  it("reports the manager's error from a chunked error answer", async () => {
    const json = JSON.stringify({ message: "Requested `Snapshot` with ID `s1` was not found", error_code: "not_found_error" });
    answer = (socket) => void sendInParts(socket, [`HTTP/1.1 404 NOT FOUND\r\nTransfer-Encoding: chunked\r\n\r\n`, `${(10).toString(16)}\r\n${json.slice(0, 10)}\r\n`, `${(json.length - 10).toString(16)}\r\n${json.slice(10)}\r\n0\r\n\r\n`]);
    await expect(download(client())).rejects.toMatchObject({ status: 404, errorCode: "not_found_error", serverMessage: "Requested `Snapshot` with ID `s1` was not found" });
  });

  it("verifies the node's certificate: another CA's is a TLS error, not retried", async () => {
    heads.length = 0;
    await expect(download(client(generateTestCa("another CA").certPem))).rejects.toMatchObject({ name: "CloudifyTlsError" });
    expect(heads).toEqual([]);
  });

  it("is served by a node that speaks TLS 1.2 at most (an old manager's nginx) as by one that speaks TLS 1.3", async () => {
    answer = (socket) => void sendInParts(socket, ["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"]);
    const old = await scriptedServer({ maxVersion: "TLSv1.2" });
    try {
      protocols.length = 0;
      expect(await download(client())).toBe(sha256(Buffer.from("abc")));
      expect(await download(client(ca.certPem, (old.address() as AddressInfo).port))).toBe(sha256(Buffer.from("abc")));
      expect(protocols).toEqual(["TLSv1.3", "TLSv1.2"]);
    } finally {
      await new Promise<void>((resolve) => old.close(() => resolve()));
    }
  });

  it("pauses the transfer while its consumer stops reading, and delivers the rest unchanged when it reads again", async () => {
    // More than the kernel's socket buffers and the body's own hold together, so a client that read on regardless would
    // have the whole body during the consumer's stall.
    const body = randomBytes(32 * 2 ** 20);
    let serverFinished = false;
    answer = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.end(body, () => (serverFinished = true));
    };
    let finishedDuringStall: boolean | undefined;
    const stallingConsumer = (stream: DownloadBody) =>
      new Promise<string>((resolve, reject) => {
        const hash = createHash("sha256");
        stream.on("data", (chunk: Buffer) => {
          hash.update(chunk);
          if (finishedDuringStall !== undefined || stream.isPaused()) return;
          stream.pause();
          setTimeout(() => {
            finishedDuringStall = serverFinished;
            stream.resume();
          }, 300);
        });
        stream.on("end", () => resolve(hash.digest("hex")));
        stream.on("error", reject);
      });
    expect(await client().rest.download({ method: "GET", path: "/snapshots/s1/archive", expect: [200] }, stallingConsumer)).toBe(sha256(body));
    expect(finishedDuringStall).toBe(false);
  });

  it("delivers the body in the memory of the chunks its consumer gives back, so a long archive needs only a few", async () => {
    const body = randomBytes(24 * 2 ** 20);
    answer = (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.end(body);
    };
    const memory = new Set<ArrayBufferLike>();
    const recyclingConsumer = async (stream: DownloadBody) => {
      const hash = createHash("sha256");
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        memory.add((chunk as Buffer).buffer);
        stream.recycle(chunk as Buffer);
      }
      return hash.digest("hex");
    };
    expect(await client().rest.download({ method: "GET", path: "/snapshots/s1/archive", expect: [200] }, recyclingConsumer)).toBe(sha256(body));
    expect(memory.size).toBeLessThanOrEqual(4);
  });
});

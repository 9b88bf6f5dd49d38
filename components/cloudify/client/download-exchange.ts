import type { IncomingHttpHeaders } from "node:http";
import type { ClientTuning, CloudifyConnection } from "./connection";
import { downloadBody, type DownloadBody } from "./download-body";
import { CloudifyConnectionError, CloudifyError, type RequestSite } from "./errors";
import { baseHeaders, connectionFailure, MAX_ERROR_BODY_BYTES, parseErrorBody, readTimedOut, requestUrl, watchConnection } from "./exchange-parts";
import type { AttemptOutcome, BodyConsumer, Exchange } from "./transport";

/** Longest response head (status line and headers) accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
/** The socket's read buffer: a TLS record carries at most 16 KiB. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Sends a download (a GET whose successful body is streamed to `consume`) over a TLS socket of its own, which decrypts
 * into one read buffer, and hands the body to `consume` as a DownloadBody. Node's HTTP client copies every 16 KiB TLS
 * record once more and passes it through several more JavaScript steps: for an archive of a GiB that was as much CPU as
 * decrypting it. The request is the one
 * the HTTP client would send (same headers, `Connection: close`); a successful answer must be an HTTP/1.1 response
 * whose body `Content-Length` delimits, checked here: a body cut short is a dropped connection (retried), an archive
 * answered without a length is refused (its completeness could not be told). Error answers are read as the HTTP client
 * reads them (their JSON `message` and `error_code`, chunked or not).
 */
export function attemptDownload<T>(
  endpoint: string,
  connection: CloudifyConnection,
  tuning: ClientTuning,
  exchange: Exchange,
  consume: BodyConsumer<T>,
): Promise<AttemptOutcome<T>> {
  const tls: typeof import("node:tls") = require("node:tls");
  const net: typeof import("node:net") = require("node:net");
  const site: RequestSite = { method: exchange.method, path: exchange.path, endpoint };
  const url = requestUrl(endpoint, exchange.path, exchange.query);
  const host = url.hostname.replace(/^\[|\]$/g, ""); // an IPv6 address without its URL brackets
  // Content-Type as on every request of the HTTP client (the manager's JSON endpoints answer 415 without it).
  const headers = { Host: url.host, ...baseHeaders(connection, exchange), "Content-Type": "application/json", Connection: "close" };
  const headerLines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  const request = `${exchange.method} ${url.pathname}${url.search} HTTP/1.1\r\n${headerLines.join("")}\r\n`;
  const readTimeoutMs = exchange.readTimeoutMs ?? tuning.readTimeoutMs;

  return new Promise((resolve, reject) => {
    // The socket decrypts everything it receives into its one read buffer and hands it to `received`, which copies out
    // what it keeps: the head, then the body or an error answer. Answering false pauses the socket.
    // (Declared with a value: Pulumi's closure serializer refuses a variable that has none yet.)
    let received = (_bytes: Buffer, _length: number): boolean => true;
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    // Node's TLS sockets take net.Socket's `onread` (documented for tls.connect; missing from its option types).
    const options: import("node:tls").ConnectionOptions & { onread: import("node:net").OnReadOpts } = {
      host,
      port: Number(url.port || 443),
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ca: connection.caCert,
      rejectUnauthorized: true,
      onread: { buffer: readBuffer, callback: (length) => received(readBuffer, length) },
    };
    const socket = tls.connect(options);
    let settled = false;
    let body: DownloadBody | undefined; // once a successful answer's head has arrived
    let progress = { tcpConnected: false, tlsConnected: false };
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
    };
    const fail = (error: Error): void =>
      finish(() => {
        socket.destroy();
        const failure = error instanceof CloudifyError && !(error instanceof CloudifyConnectionError) ? error : connectionFailure(error, site, progress);
        body?.destroy(failure);
        reject(failure);
      });
    progress = watchConnection(socket, site, tuning, fail);
    socket.setTimeout(readTimeoutMs, () => fail(readTimedOut(site, progress, readTimeoutMs)));
    socket.on("error", fail);
    socket.once("secureConnect", () => socket.write(request));

    const endedEarly = (): void => fail(new CloudifyConnectionError(site, progress.tlsConnected, "ECONNRESET", "connection closed before an answer"));

    const receiveBody = (status: number, headers: IncomingHttpHeaders, rest: Buffer): void => {
      const declared = Number(headers["content-length"]);
      if (headers["transfer-encoding"] !== undefined || headers["content-length"] === undefined || !Number.isSafeInteger(declared)) {
        return fail(new CloudifyError(`Cloudify ${site.method} ${site.path} on ${endpoint}: the archive came without a Content-Length, its completeness cannot be checked`, "CloudifyDownloadError"));
      }
      // The body is what follows the head up to the close the request asked for. Its length is counted here, before the
      // consumer sees any of it, so that a body cut short fails the download even if the consumer would accept it.
      const streamed = downloadBody(() => socket.resume());
      // A failure reaches the consumer through the stream's state (finished(), async iteration), whenever it starts reading.
      streamed.on("error", () => undefined);
      body = streamed;
      let bodyBytes = rest.length;
      received = (bytes, length) => {
        bodyBytes += length;
        return streamed.append(bytes, 0, length);
      };
      socket.removeListener("end", endedEarly);
      socket.once("end", () => {
        if (bodyBytes === declared) streamed.finish();
        else fail(new CloudifyConnectionError(site, true, "ECONNRESET", `response ended after ${bodyBytes} of its ${declared} bytes`));
      });
      if (!streamed.append(rest, 0, rest.length)) socket.pause();
      consume(streamed, headers).then(
        (value) =>
          finish(() => {
            socket.destroy();
            resolve({ kind: "success", status, value });
          }),
        (error: Error) =>
          fail(error instanceof CloudifyConnectionError ? error : new CloudifyConnectionError(site, true, (error as NodeJS.ErrnoException).code, `download failed: ${error.message}`)),
      );
    };

    const receiveError = (parsed: ParsedHead, rest: Buffer): void => {
      const chunks: Buffer[] = [rest];
      let size = rest.length;
      received = (bytes, length) => {
        if (size + length <= MAX_ERROR_BODY_BYTES) chunks.push(Buffer.from(bytes.subarray(0, length)));
        size += length;
        return true;
      };
      socket.removeListener("end", endedEarly);
      socket.once("end", () => {
        const raw = Buffer.concat(chunks);
        const text = (parsed.headers["transfer-encoding"]?.toLowerCase().includes("chunked") ? dechunk(raw) : raw).toString("utf8");
        const { errorCode, message } = parseErrorBody(text, parsed.statusText);
        finish(() => {
          socket.destroy();
          resolve({ kind: "error-status", status: parsed.status, errorCode, message });
        });
      });
    };

    let head: Buffer = Buffer.alloc(0);
    received = (bytes, length) => {
      head = Buffer.concat([head, bytes.subarray(0, length)]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) fail(new CloudifyConnectionError(site, true, "EBADRESPONSE", `a response head longer than ${MAX_HEAD_BYTES} bytes`));
        return true;
      }
      const parsed = parseHead(head.subarray(0, end).toString("latin1"));
      if (!parsed) {
        fail(new CloudifyConnectionError(site, true, "EBADRESPONSE", "an answer that is not HTTP/1.x"));
        return false;
      }
      const rest = head.subarray(end + 4);
      if (exchange.expect.includes(parsed.status)) receiveBody(parsed.status, parsed.headers, rest);
      else receiveError(parsed, rest);
      return !socket.isPaused();
    };
    socket.once("end", endedEarly);
  });
}

interface ParsedHead {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
}

/** Status line and headers (names lower-cased, repeated ones joined with ", " as Node's HTTP client does); undefined if not HTTP/1.x. */
function parseHead(text: string): ParsedHead | undefined {
  const [statusLine, ...lines] = text.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine ?? "");
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(match[1]), statusText: match[2] ?? "", headers };
}

/** The data of a chunked body (an error answer's, read whole); what does not parse ends it. */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isSafeInteger(size) || size <= 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

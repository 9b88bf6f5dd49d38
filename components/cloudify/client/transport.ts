import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { ClientTuning, CloudifyConnection } from "./connection";
import type { DownloadBody } from "./download-body";
import { attemptDownload } from "./download-exchange";
import { CloudifyConnectionError, CloudifyError, type RequestSite } from "./errors";
import { baseHeaders, connectionFailure, MAX_ERROR_BODY_BYTES, parseErrorBody, readTimedOut, requestUrl, watchConnection } from "./exchange-parts";

type HttpMethod = "GET" | "PUT" | "POST" | "PATCH" | "DELETE";
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** One HTTP exchange with the REST API, independent of the node it goes to. */
export interface Exchange {
  readonly method: HttpMethod;
  /** Path under `/api/v3.1`, starting with "/" and already URL-encoded per segment. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** JSON body (sent with `Content-Type: application/json`). */
  readonly json?: unknown;
  /** Raw body streamed from this file (never read into memory). */
  readonly uploadFile?: string;
  /** Exact success statuses; anything else is an error. */
  readonly expect: readonly number[];
  /** Overrides `connection.tenant` for this request. */
  readonly tenant?: string;
  /** Overrides `tuning.readTimeoutMs`, e.g. for synchronous plugin installs (up to 300 s on the server). */
  readonly readTimeoutMs?: number;
}

/** Consumes a successful response body as a stream (downloads). Must reject if the stream errors. */
export type BodyConsumer<T> = (body: DownloadBody, headers: IncomingHttpHeaders) => Promise<T>;

export type AttemptOutcome<T> =
  | { readonly kind: "success"; readonly status: number; readonly value: T }
  | { readonly kind: "error-status"; readonly status: number; readonly errorCode: string | undefined; readonly message: string };

/** Marks errors of the local upload file so they are not mistaken for network faults. */
class LocalFileError extends CloudifyError {
  constructor(readonly fileError: Error) {
    super(fileError.message, "LocalFileError");
  }
}

/**
 * Sends one exchange to one node. Resolves with the status (and body) or rejects with a CloudifyConnectionError
 * (retry material), a CloudifyTlsError (configuration problem) or the local file's own error. A download (with `consume`)
 * goes its own lighter way (attemptDownload).
 */
export async function attempt<T>(
  endpoint: string,
  connection: CloudifyConnection,
  tuning: ClientTuning,
  exchange: Exchange,
  consume: BodyConsumer<T> | undefined,
): Promise<AttemptOutcome<T | unknown>> {
  if (consume) return attemptDownload(endpoint, connection, tuning, exchange, consume);
  const https: typeof import("node:https") = require("node:https");
  const fs: typeof import("node:fs") = require("node:fs");

  const site: RequestSite = { method: exchange.method, path: exchange.path, endpoint };
  const url = requestUrl(endpoint, exchange.path, exchange.query);
  const headers = baseHeaders(connection, exchange);
  let jsonBody: Buffer | undefined;
  if (exchange.uploadFile !== undefined) {
    headers["Content-Type"] = "application/octet-stream";
    headers["Content-Length"] = (await fs.promises.stat(exchange.uploadFile)).size;
  } else {
    // The manager's JSON endpoints answer 415 without exactly this header; the official client sends it always.
    headers["Content-Type"] = "application/json";
    if (exchange.json !== undefined) {
      jsonBody = Buffer.from(JSON.stringify(exchange.json), "utf8");
      headers["Content-Length"] = jsonBody.length;
    }
  }

  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: exchange.method,
      headers,
      ca: connection.caCert,
      rejectUnauthorized: true,
      agent: false,
    });
    let progress = { tcpConnected: false, tlsConnected: false };
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
    };
    const fail = (error: Error): void => {
      finish(() => {
        req.destroy();
        reject(error instanceof LocalFileError ? error.fileError : connectionFailure(error, site, progress));
      });
    };

    req.on("socket", (socket) => {
      progress = watchConnection(socket, site, tuning, fail);
    });
    const readTimeoutMs = exchange.readTimeoutMs ?? tuning.readTimeoutMs;
    req.setTimeout(readTimeoutMs, () => fail(readTimedOut(site, progress, readTimeoutMs)));
    req.on("error", fail);

    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      res.on("error", (error) => fail(new CloudifyConnectionError(site, true, (error as NodeJS.ErrnoException).code, `response broken: ${error.message}`)));
      res.on("aborted", () => fail(new CloudifyConnectionError(site, true, "ECONNRESET", "response aborted before its end")));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_ERROR_BODY_BYTES || exchange.expect.includes(status)) chunks.push(chunk);
      });
      res.on("end", () => {
        if (!res.complete) return fail(new CloudifyConnectionError(site, true, "ECONNRESET", "response ended before its declared length"));
        const text = Buffer.concat(chunks).toString("utf8");
        if (exchange.expect.includes(status)) {
          let value: unknown;
          try {
            value = text.length === 0 ? undefined : JSON.parse(text);
          } catch {
            return fail(new CloudifyConnectionError(site, true, "EBADJSON", `status ${status} with a body that is not JSON (${text.length} characters; not shown: a successful answer may hold a secret)`));
          }
          return finish(() => resolve({ kind: "success", status, value }));
        }
        const { errorCode, message } = parseErrorBody(text, res.statusMessage ?? "");
        finish(() => resolve({ kind: "error-status", status, errorCode, message }));
      });
    });

    if (exchange.uploadFile !== undefined) {
      const file = fs.createReadStream(exchange.uploadFile, { highWaterMark: 1 << 20 });
      file.on("error", (error) => fail(new LocalFileError(error)));
      req.on("close", () => file.destroy());
      file.pipe(req);
    } else {
      req.end(jsonBody);
    }
  });
}

import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import type { ClientTuning, CloudifyConnection } from "./connection";
import { CloudifyConnectionError, CloudifyError, CloudifyTlsError, type RequestSite } from "./errors";

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
export type BodyConsumer<T> = (body: Readable, headers: IncomingHttpHeaders) => Promise<T>;

export type AttemptOutcome<T> =
  | { readonly kind: "success"; readonly status: number; readonly value: T }
  | { readonly kind: "error-status"; readonly status: number; readonly errorCode: string | undefined; readonly message: string };

const API_PREFIX = "/api/v3.1";
const MAX_ERROR_BODY_BYTES = 1 << 20;

/** OpenSSL / Node codes of certificate verification and handshake failures. */
function isTlsFailureCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (code.startsWith("ERR_SSL_") ||
      code.startsWith("ERR_TLS_") ||
      code.startsWith("CERT_") ||
      code.startsWith("UNABLE_TO_") ||
      ["SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "HOSTNAME_MISMATCH", "INVALID_CA", "INVALID_PURPOSE"].includes(code))
  );
}

function requestUrl(endpoint: string, path: string, query: Exchange["query"]): URL {
  const url = new URL(endpoint.replace(/\/+$/, "") + API_PREFIX + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  return url;
}

function basicAuthorization(username: string, password: string): string {
  return "Basic " + Buffer.from(`${username}:${password}`, "utf8").toString("base64");
}

/** Marks errors of the local upload file so they are not mistaken for network faults. */
class LocalFileError extends CloudifyError {
  constructor(readonly fileError: Error) {
    super(fileError.message, "LocalFileError");
  }
}

/**
 * Sends one exchange to one node. Resolves with the status (and body) or rejects with a CloudifyConnectionError
 * (retry material), a CloudifyTlsError (configuration problem) or the local file's own error.
 */
export async function attempt<T>(
  endpoint: string,
  connection: CloudifyConnection,
  tuning: ClientTuning,
  exchange: Exchange,
  consume: BodyConsumer<T> | undefined,
): Promise<AttemptOutcome<T | unknown>> {
  const https: typeof import("node:https") = require("node:https");
  const fs: typeof import("node:fs") = require("node:fs");

  const site: RequestSite = { method: exchange.method, path: exchange.path, endpoint };
  const url = requestUrl(endpoint, exchange.path, exchange.query);
  const headers: Record<string, string | number> = {
    Authorization: basicAuthorization(connection.username, connection.password),
    Tenant: exchange.tenant ?? connection.tenant,
    Accept: "application/json",
    "User-Agent": "cmom-cloudify-client",
  };
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
    let tcpConnected = false;
    let tlsConnected = false;
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
    };
    const fail = (error: Error): void => {
      finish(() => {
        req.destroy();
        if (error instanceof LocalFileError) return reject(error.fileError);
        if (error instanceof CloudifyConnectionError || error instanceof CloudifyTlsError) return reject(error);
        const code = (error as NodeJS.ErrnoException).code;
        if (!tlsConnected && isTlsFailureCode(code)) return reject(new CloudifyTlsError(site, code, error.message));
        const detail = tcpConnected ? error.message || "connection failed" : `cannot connect: ${error.message}`;
        reject(new CloudifyConnectionError(site, tlsConnected, code, detail));
      });
    };

    req.on("socket", (socket) => {
      const connectTimer = setTimeout(
        () => fail(new CloudifyConnectionError(site, false, "ETIMEDOUT", `no TLS connection within ${tuning.connectTimeoutMs} ms`)),
        tuning.connectTimeoutMs,
      );
      socket.once("connect", () => {
        tcpConnected = true;
      });
      socket.once("secureConnect", () => {
        tlsConnected = true;
        clearTimeout(connectTimer);
      });
      socket.once("close", () => clearTimeout(connectTimer));
    });
    req.setTimeout(exchange.readTimeoutMs ?? tuning.readTimeoutMs, () =>
      fail(new CloudifyConnectionError(site, tlsConnected, "ETIMEDOUT", `no data for ${exchange.readTimeoutMs ?? tuning.readTimeoutMs} ms`)),
    );
    req.on("error", fail);

    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      res.on("error", (error) => fail(new CloudifyConnectionError(site, true, (error as NodeJS.ErrnoException).code, `response broken: ${error.message}`)));
      res.on("aborted", () => fail(new CloudifyConnectionError(site, true, "ECONNRESET", "response aborted before its end")));
      if (exchange.expect.includes(status) && consume) {
        consume(res, res.headers).then(
          (value) => finish(() => resolve({ kind: "success", status, value })),
          (error: Error) =>
            fail(error instanceof CloudifyConnectionError ? error : new CloudifyConnectionError(site, true, (error as NodeJS.ErrnoException).code, `download failed: ${error.message}`)),
        );
        return;
      }
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

function parseErrorBody(text: string, statusText: string): { errorCode: string | undefined; message: string } {
  try {
    const body = JSON.parse(text) as { message?: unknown; error_code?: unknown };
    return {
      errorCode: typeof body.error_code === "string" ? body.error_code : undefined,
      message: typeof body.message === "string" ? body.message : text.slice(0, 500),
    };
  } catch {
    return { errorCode: undefined, message: `${statusText} ${text.slice(0, 500)}`.trim() };
  }
}

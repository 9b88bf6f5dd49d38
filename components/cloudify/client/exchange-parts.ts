import type { Socket } from "node:net";
import type { ClientTuning, CloudifyConnection } from "./connection";
import { CloudifyConnectionError, CloudifyTlsError, type RequestSite } from "./errors";
import type { Exchange } from "./transport";

/** What both ways of sending an exchange (JSON calls and uploads; archive downloads) share: URL, headers, TLS, failures. */

const API_PREFIX = "/api/v3.1";

/** Bytes of an error answer kept for its message. */
export const MAX_ERROR_BODY_BYTES = 1 << 20;

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

export function requestUrl(endpoint: string, path: string, query: Exchange["query"]): URL {
  const url = new URL(endpoint.replace(/\/+$/, "") + API_PREFIX + path);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
  }
  return url;
}

/** The headers every request carries (credentials, tenant), before those of its body. */
export function baseHeaders(connection: CloudifyConnection, exchange: Exchange): Record<string, string | number> {
  return {
    Authorization: "Basic " + Buffer.from(`${connection.username}:${connection.password}`, "utf8").toString("base64"),
    Tenant: exchange.tenant ?? connection.tenant,
    Accept: "application/json",
    "User-Agent": "cmom-cloudify-client",
  };
}

/** How far a connection got, for telling a refused connection from one dropped after the request went out. */
export interface ConnectionProgress {
  tcpConnected: boolean;
  tlsConnected: boolean;
}

/**
 * Follows `socket` until its TLS handshake completes, failing with a timeout after `connectTimeoutMs`. Returns the progress
 * object it updates.
 */
export function watchConnection(socket: Socket, site: RequestSite, tuning: ClientTuning, fail: (error: Error) => void): ConnectionProgress {
  const progress: ConnectionProgress = { tcpConnected: false, tlsConnected: false };
  const connectTimer = setTimeout(
    () => fail(new CloudifyConnectionError(site, false, "ETIMEDOUT", `no TLS connection within ${tuning.connectTimeoutMs} ms`)),
    tuning.connectTimeoutMs,
  );
  socket.once("connect", () => {
    progress.tcpConnected = true;
  });
  socket.once("secureConnect", () => {
    progress.tlsConnected = true;
    clearTimeout(connectTimer);
  });
  socket.once("close", () => clearTimeout(connectTimer));
  return progress;
}

/** A node that sent nothing for `readTimeoutMs`: retry material, the request may have reached it once TLS was up. */
export function readTimedOut(site: RequestSite, progress: ConnectionProgress, readTimeoutMs: number): CloudifyConnectionError {
  return new CloudifyConnectionError(site, progress.tlsConnected, "ETIMEDOUT", `no data for ${readTimeoutMs} ms`);
}

/**
 * A socket or TLS error as the client reports it: a CloudifyTlsError when the handshake failed (a configuration problem,
 * never retried), else a CloudifyConnectionError saying whether the request may have reached the node.
 */
export function connectionFailure(error: Error, site: RequestSite, progress: ConnectionProgress): CloudifyConnectionError | CloudifyTlsError {
  if (error instanceof CloudifyConnectionError || error instanceof CloudifyTlsError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (!progress.tlsConnected && isTlsFailureCode(code)) return new CloudifyTlsError(site, code, error.message);
  const detail = progress.tcpConnected ? error.message || "connection failed" : `cannot connect: ${error.message}`;
  return new CloudifyConnectionError(site, progress.tlsConnected, code, detail);
}

/** The manager's `{message, error_code}` of an error answer, or its start as text. */
export function parseErrorBody(text: string, statusText: string): { errorCode: string | undefined; message: string } {
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

import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import type { CloudifyDouble } from "../doubles/cloudify";

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body's bytes as received. */
  readonly body: Buffer;
  readonly json: unknown;
}

export interface RawOptions {
  readonly json?: unknown;
  readonly body?: Buffer | string;
  readonly contentType?: string | null;
  readonly tenant?: string | null;
  /** "user:password"; null sends no Authorization header. */
  readonly credentials?: string | null;
  readonly base64?: "standard" | "url-safe";
  readonly node?: number;
}

/** One plain HTTPS request to the double, to check its answers exactly (status, headers, body). */
export function raw(d: CloudifyDouble, method: string, path: string, options: RawOptions = {}): Promise<RawAnswer> {
  const credentials = options.credentials === undefined ? `${d.credentials.username}:${d.credentials.password}` : options.credentials;
  const headers: Record<string, string | number> = {};
  if (credentials !== null) {
    const encoded = Buffer.from(credentials).toString(options.base64 === "url-safe" ? "base64url" : "base64");
    headers.Authorization = `Basic ${encoded}`;
  }
  const tenant = options.tenant === undefined ? "default_tenant" : options.tenant;
  if (tenant !== null) headers.Tenant = tenant;
  const body = options.json !== undefined ? Buffer.from(JSON.stringify(options.json)) : options.body !== undefined ? Buffer.from(options.body) : undefined;
  const contentType = options.contentType === undefined ? (options.body !== undefined ? "application/octet-stream" : "application/json") : options.contentType;
  if (contentType !== null) headers["Content-Type"] = contentType;
  if (body) headers["Content-Length"] = body.length;
  return new Promise((resolve, reject) => {
    const req = request(`${d.urls[options.node ?? 0]}/api/v3.1${path}`, { method, headers, ca: d.caCertPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const received = Buffer.concat(chunks);
        const text = received.toString("utf8");
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: received, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

/** An error the manager answers with `{message, error_code, server_traceback}`. */
export class ManagerError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export const fail = {
  notFound: (kind: string, id: string) => new ManagerError(404, "not_found_error", `Requested \`${kind}\` with ID \`${id}\` was not found`),
  conflict: (kind: string, id: string, tenant: string) =>
    new ManagerError(409, "conflict_error", `<${kind} id=\`${id}\` tenant=\`${tenant}\`> already exists on <table ${kind.toLowerCase()}s>`),
  badParameters: (message: string) => new ManagerError(400, "bad_parameters_error", message),
  premium: () => new ManagerError(404, "missing_premium_package_error", "This feature exists only in the premium edition of Cloudify."),
};

/** What a handler answers: JSON (or nothing, for 204), or a file to stream as a download. */
export type Reply =
  | { readonly status: number; readonly json?: unknown }
  | { readonly status: number; readonly file: string; readonly filename: string };

export interface RequestContext {
  readonly node: number;
  readonly method: string;
  /** Path under /api/v3.1, without the query. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly req: IncomingMessage;
  readonly tenant: string;
  readonly user: string;
  /** Parses the JSON body: 415 unless `Content-Type` is application/json, 400 on bad JSON. */
  readJson(): Promise<Record<string, unknown>>;
  /** Streams the raw body to a new file in the double's directory; undefined when the body is empty. */
  bodyToFile(): Promise<{ file: string; size: number } | undefined>;
  hasBody(): boolean;
}

const RESOURCE_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,255}$/;

export function validateId(id: string, argument = "id"): void {
  if (!RESOURCE_ID.test(id)) {
    throw fail.badParameters(
      `The \`${argument}\` argument contains illegal characters. Only letters, digits and the characters "-", "." and "_" are allowed, ` +
        `it must start with a letter and be at most 256 characters long; got ${JSON.stringify(id)}`,
    );
  }
}

/** Booleans may be JSON booleans or the strings "true"/"false". */
export function parseBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw fail.badParameters(`${name} must be a boolean, got ${JSON.stringify(value)}`);
}

export function requireField(body: Record<string, unknown>, name: string): unknown {
  if (!(name in body)) throw fail.badParameters(`Missing ${name} in json request body`);
  return body[name];
}

let uploadCounter = 0;

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && Number(length) > 0) || req.headers["transfer-encoding"] !== undefined;
}

export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    await drain(req);
    throw new ManagerError(415, "unsupported_content_type_error", `Content type must be application/json, got ${JSON.stringify(req.headers["content-type"] ?? "")}`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail.badParameters("Failed to decode JSON object: request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw fail.badParameters("Request body must be a JSON object");
  return body as Record<string, unknown>;
}

export async function bodyToFile(req: IncomingMessage, dir: string): Promise<{ file: string; size: number } | undefined> {
  const file = join(dir, `upload-${process.pid}-${++uploadCounter}`);
  await pipeline(req, createWriteStream(file, { mode: 0o600, highWaterMark: 1 << 20 }));
  const { size } = await stat(file);
  return size === 0 ? undefined : { file, size };
}

/** Reads and discards what is left of a request body (nginx buffers bodies before the manager answers). */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  req.resume();
  await new Promise<void>((resolve) => {
    req.once("end", resolve);
    req.once("close", resolve);
  });
}

export function timestamp(date = new Date()): string {
  return date.toISOString();
}

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { FaultAction, Faults } from "./faults";
import { sendFileBody } from "./file-reply";
import { bodyToFile, drain, hasBody, ManagerError, readJsonBody, type Reply, type RequestContext } from "./http";
import type { DoubleContext, Router } from "./router";

export interface RecordedRequest {
  readonly node: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly tenant: string | undefined;
  readonly contentType: string | undefined;
  /** The authentication scheme (`Basic`, or `token` for Authentication-Token), never the credentials. */
  readonly auth: string | undefined;
  /** The JSON body, once a route read it. */
  json?: Record<string, unknown>;
}

type ReplyMode = "normal" | "drop-after-processing" | "bad-gateway-after-processing" | { readonly midDownloadBytes?: number };

const BAD_GATEWAY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

const API_PREFIX = "/api/v3.1";

function errorBody(error: ManagerError, context: DoubleContext): Record<string, unknown> {
  return {
    message: error.message,
    error_code: error.errorCode,
    server_traceback: context.features.tracebackNull
      ? null
      : `Traceback (most recent call last):\n  File "/opt/manager/rest-service/manager_rest/rest/rest_decorators.py", line 90, in wrapper\n${error.errorCode}: ${error.message}`,
  };
}

function authenticate(req: IncomingMessage, context: DoubleContext): string {
  const token = req.headers["authentication-token"];
  if (typeof token === "string") {
    const user = context.state.tokens.get(token);
    if (user) return user;
    throw new ManagerError(401, "unauthorized_error", "User unauthorized: invalid token");
  }
  const authorization = req.headers.authorization;
  if (!authorization?.startsWith("Basic ")) throw new ManagerError(401, "unauthorized_error", "User unauthorized: No authentication info provided");
  // The Python client sends url-safe base64: accept both alphabets.
  const decoded = Buffer.from(authorization.slice(6).trim().replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const [user, password] = colon < 0 ? [decoded, ""] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  if (context.users[user] === undefined || context.users[user] !== password) {
    throw new ManagerError(401, "unauthorized_error", `User unauthorized: Authentication failed for user ${user}`);
  }
  return user;
}

function tenantOf(req: IncomingMessage, context: DoubleContext): string {
  const tenant = req.headers["tenant"];
  if (typeof tenant !== "string" || tenant === "") throw new ManagerError(403, "forbidden_error", "Authorization failed: No tenant specified");
  if (!context.state.tenants.has(tenant)) {
    throw new ManagerError(403, "forbidden_error", `Authorization failed: Tried to authenticate with invalid tenant name: ${tenant}`);
  }
  return tenant;
}

/** One node's request handling: faults, replica role, routing, auth, tenant, maintenance/restore guards, replies. */
export class RequestPipeline {
  constructor(
    private readonly context: DoubleContext,
    private readonly router: Router,
    private readonly faults: Faults,
    private readonly requests: RecordedRequest[],
  ) {}

  async handle(node: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://double");
    const method = req.method ?? "GET";
    const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    this.requests.push({
      node,
      method,
      path,
      query: url.search,
      tenant: req.headers["tenant"] as string | undefined,
      contentType: req.headers["content-type"],
      auth: typeof req.headers["authentication-token"] === "string" ? "token" : req.headers.authorization?.split(" ")[0],
    });
    const recorded = this.requests[this.requests.length - 1]!;
    let mode: ReplyMode = "normal";
    try {
      const fault = this.faults.take(node, method, path);
      if (fault) {
        const outcome = await this.applyFault(fault, req, res);
        if (outcome === "handled") return;
        mode = outcome;
      }
      if (!url.pathname.startsWith(API_PREFIX + "/")) throw new ManagerError(404, "not_found_error", `Requested URL ${url.pathname} was not found on this server`);
      if (this.context.isReplica(node)) {
        throw new ManagerError(400, "not_cluster_master", "This node is a replica; send requests to the cluster master");
      }
      const matched = this.router.match(method, path);
      if (matched === undefined) throw new ManagerError(404, "not_found_error", `Requested URL ${url.pathname} was not found on this server`);
      if (matched === "method-not-allowed") throw new ManagerError(405, "method_not_allowed", `The method ${method} is not allowed for ${url.pathname}`);
      const { route, params } = matched;
      const user = route.open ? "" : authenticate(req, this.context);
      const tenant = route.open ? "" : tenantOf(req, this.context);
      // 5.0.5+ guards endpoints during a restore (and offers /snapshot-status to watch it).
      if (!route.alwaysAvailable && this.context.state.restoring && this.context.features.newStatusShape) {
        throw new ManagerError(503, "in_snapshot_restore_error", "Unable to perform this action while a snapshot restore is in progress");
      }
      if (!route.alwaysAvailable && this.context.state.maintenance) {
        throw new ManagerError(503, "maintenance_mode_active", "Your request was rejected since Cloudify manager is currently in maintenance mode");
      }
      const ctx: RequestContext = {
        node,
        method,
        path,
        params,
        query: url.searchParams,
        req,
        tenant,
        user,
        readJson: async () => (recorded.json = await readJsonBody(req)),
        bodyToFile: () => bodyToFile(req, this.context.dir),
        hasBody: () => hasBody(req),
      };
      const reply = await route.handler(ctx);
      await drain(req);
      await this.send(req, res, reply, mode);
    } catch (error) {
      await drain(req);
      const managerError =
        error instanceof ManagerError ? error : new ManagerError(500, "internal_server_error", `Internal error: ${(error as Error).stack ?? String(error)}`);
      await this.send(req, res, { status: managerError.status, json: errorBody(managerError, this.context) }, mode);
    }
  }

  /** Applies a fault; "handled" when the request is finished (answered or dropped). */
  private async applyFault(fault: FaultAction, req: IncomingMessage, res: ServerResponse): Promise<"handled" | ReplyMode> {
    switch (fault.kind) {
      case "delay":
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return "normal";
      case "status": {
        await drain(req);
        if (fault.status === 502 && fault.errorCode === undefined) {
          res.writeHead(502, { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(BAD_GATEWAY_PAGE) }).end(BAD_GATEWAY_PAGE);
          return "handled";
        }
        const errorCode = fault.errorCode ?? (fault.status === 503 ? "maintenance_mode_active" : "internal_server_error");
        const message = fault.message ?? (fault.status === 503 ? "Your request was rejected since Cloudify manager is currently in maintenance mode" : "Internal error (injected fault)");
        await this.send(req, res, { status: fault.status, json: errorBody(new ManagerError(fault.status, errorCode, message), this.context) }, "normal");
        return "handled";
      }
      case "drop-on-request":
        req.socket.destroy();
        return "handled";
      case "drop-mid-upload": {
        const declared = Number(req.headers["content-length"] ?? 0);
        const limit = fault.afterBytes ?? Math.max(1, Math.floor(declared / 2));
        let received = 0;
        await new Promise<void>((resolve) => {
          req.on("data", (chunk: Buffer) => {
            received += chunk.length;
            if (received >= limit) {
              req.socket.destroy();
              resolve();
            }
          });
          req.once("end", () => {
            req.socket.destroy();
            resolve();
          });
          req.once("close", resolve);
        });
        return "handled";
      }
      case "drop-after-processing":
      case "bad-gateway-after-processing":
        return fault.kind;
      case "drop-mid-download":
        return { midDownloadBytes: fault.afterBytes };
    }
  }

  private async send(req: IncomingMessage, res: ServerResponse, reply: Reply, mode: ReplyMode): Promise<void> {
    if (mode === "drop-after-processing") {
      req.socket.destroy();
      return;
    }
    if (mode === "bad-gateway-after-processing") {
      res.writeHead(502, { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(BAD_GATEWAY_PAGE) }).end(BAD_GATEWAY_PAGE);
      return;
    }
    const midDownload = typeof mode === "object" ? mode : undefined;
    if ("file" in reply) {
      const { size } = await stat(reply.file);
      res.writeHead(reply.status, {
        "Content-Type": "application/octet-stream",
        "Content-Length": size,
        "Content-Disposition": `attachment; filename=${reply.filename}`,
      });
      if (midDownload) {
        const limit = midDownload.midDownloadBytes ?? Math.floor(size / 2);
        if (limit > 0) await pipeline(createReadStream(reply.file, { start: 0, end: limit - 1 }), res, { end: false });
        res.socket?.destroy();
        return;
      }
      await sendFileBody(res, reply.file).catch(() => res.socket?.destroy());
      return;
    }
    const body = reply.status === 204 || reply.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.json), "utf8");
    const headers: Record<string, string | number> = { "Content-Length": body.length };
    if (body.length > 0) headers["Content-Type"] = "application/json";
    res.writeHead(reply.status, headers);
    if (midDownload) {
      res.write(body.subarray(0, midDownload.midDownloadBytes ?? Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  }
}

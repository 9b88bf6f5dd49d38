import type { Features } from "./options";
import type { Reply, RequestContext } from "./http";
import type { DoubleState } from "./state";
import type { WorkflowEngine } from "./workflows";

/** What route handlers share. */
export interface DoubleContext {
  readonly state: DoubleState;
  readonly features: Features;
  readonly engine: WorkflowEngine;
  /** Private directory for uploaded and generated files. */
  readonly dir: string;
  readonly users: Readonly<Record<string, string>>;
  /** Whether `node` is a replica of a 4.x HA cluster (it then refuses every API call with 400 `not_cluster_master`). */
  readonly isReplica: (node: number) => boolean;
}

export interface Route {
  readonly method: string;
  /** Path under /api/v3.1 with `:name` segments, e.g. "/secrets/:key". */
  readonly pattern: string;
  readonly handler: (ctx: RequestContext) => Promise<Reply>;
  /** Served without credentials or Tenant header (e.g. /snapshot-status). */
  readonly open?: boolean;
  /** Still served in maintenance mode and during a snapshot restore. */
  readonly alwaysAvailable?: boolean;
}

interface CompiledRoute {
  readonly route: Route;
  readonly regex: RegExp;
  readonly keys: string[];
}

export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => {
      const keys: string[] = [];
      const source = route.pattern
        .split("/")
        .map((segment) => {
          if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
          keys.push(segment.slice(1));
          return "([^/]+)";
        })
        .join("/");
      return { route, regex: new RegExp(`^${source}/?$`), keys };
    });
  }

  /** The route for this request, "method-not-allowed" when only the path matches, or undefined. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | "method-not-allowed" | undefined {
    let pathMatched = false;
    for (const { route, regex, keys } of this.compiled) {
      const m = regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return pathMatched ? "method-not-allowed" : undefined;
  }
}

/** Fault injection: what the double does to requests matching a rule, `times` times. */

export type FaultAction =
  /** Wait before handling the request (slow manager; read timeouts). */
  | { readonly kind: "delay"; readonly ms: number }
  /**
   * Answer this status without handling the request. Default bodies: 500 `internal_server_error`, 503
   * `maintenance_mode_active`, 502 an nginx HTML page; `errorCode`/`message` override (e.g. 400 `not_cluster_master`).
   */
  | { readonly kind: "status"; readonly status: number; readonly errorCode?: string; readonly message?: string }
  /** Close the connection as soon as the request line and headers arrived. */
  | { readonly kind: "drop-on-request" }
  /** Close the connection after receiving `afterBytes` of the request body (default: half of Content-Length). */
  | { readonly kind: "drop-mid-upload"; readonly afterBytes?: number }
  /** Handle the request completely (the state changes), then close the connection instead of answering. */
  | { readonly kind: "drop-after-processing" }
  /** Handle the request completely (the state changes), then answer a proxy's 502 page (a gateway that gave up waiting). */
  | { readonly kind: "bad-gateway-after-processing" }
  /** Handle the request, send the headers and `afterBytes` of the body (default: half), then close the connection. */
  | { readonly kind: "drop-mid-download"; readonly afterBytes?: number };

export interface FaultRule {
  /** Only on this node (index into the double's urls). */
  readonly node?: number;
  readonly method?: string;
  /** API path under /api/v3.1 without query: exact string or pattern. */
  readonly path?: string | RegExp;
  /** How many matching requests it affects (default 1; Infinity for all). */
  readonly times?: number;
  readonly action: FaultAction;
}

export interface ActiveFault {
  readonly rule: FaultRule;
  /** Requests it affected so far. */
  hits: number;
}

export class Faults {
  private readonly active: ActiveFault[] = [];

  /** Adds a rule; rules are tried in the order they were added. */
  inject(rule: FaultRule): ActiveFault {
    const fault = { rule, hits: 0 };
    this.active.push(fault);
    return fault;
  }

  clear(): void {
    this.active.length = 0;
  }

  /** The action for this request, consuming one use of the first matching rule. */
  take(node: number, method: string, path: string): FaultAction | undefined {
    for (const fault of this.active) {
      const { rule } = fault;
      if (fault.hits >= (rule.times ?? 1)) continue;
      if (rule.node !== undefined && rule.node !== node) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.path !== undefined && (typeof rule.path === "string" ? rule.path !== path : !rule.path.test(path))) continue;
      fault.hits++;
      return rule.action;
    }
    return undefined;
  }
}

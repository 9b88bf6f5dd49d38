import { backoffDelayMs, sleep } from "./backoff";
import type { ClientTuning, CloudifyConnection } from "./connection";
import { CloudifyApiError, CloudifyConnectionError, CloudifyUnavailableError } from "./errors";
import { attempt, type BodyConsumer, type Exchange } from "./transport";

export interface RestRequest extends Exchange {
  /**
   * Safe to send again after a failure the manager may have acted on (dropped connection, 5xx)?
   * Defaults to true except for POST. PUT/DELETE by id are idempotent: a repeat answers 409/404, which callers handle.
   */
  readonly idempotent?: boolean;
  /**
   * For a non-idempotent request: called before a resend that follows such an ambiguous failure. Returns what the lost
   * attempt created (the request then counts as done) or undefined (nothing was created: send again).
   */
  readonly reconcile?: () => Promise<unknown>;
}

/** Answers meaning "this node did not take the request, another may": try the next node at once. */
function isNodeRefusal(status: number, errorCode: string | undefined): boolean {
  return status === 400 && (errorCode === "not_cluster_master" || errorCode === "removed_from_cluster");
}

/**
 * A 502 comes from a proxy in front of the manager (nginx, a load balancer): it may answer so after the manager took the
 * request and acted, e.g. when its own wait ran out. Safe to send elsewhere only when the request is idempotent.
 */
const BAD_GATEWAY = 502;

/**
 * Sends REST requests to a Cloudify cluster: failover across nodes (leader first, then the next node on connection
 * refused, connect timeout, a replica's `not_cluster_master`, or 502 for idempotent requests), bounded retries with exponential
 * backoff and jitter on dropped connections, 5xx and 503 (maintenance, snapshot restore), exact success statuses. A request
 * that is not idempotent and may have acted (dropped after sending, 5xx but 503, 502) is sent again only after its
 * `reconcile` found nothing it created.
 */
export class CloudifyRest {
  /** Index of the node that last answered; requests start there. */
  private activeNode: number;

  // No field initializers in classes that providers capture: Pulumi's closure serializer drops them.
  /** `beforeChange` runs before every request that is not a GET (the client checks the manager's version there). */
  constructor(
    readonly connection: CloudifyConnection,
    readonly tuning: ClientTuning,
    private readonly beforeChange?: () => Promise<unknown>,
  ) {
    this.activeNode = 0;
  }

  /** Sends a request and returns its parsed JSON body (undefined when empty). */
  call<T>(request: RestRequest): Promise<T> {
    return this.run<T>(request, undefined);
  }

  /** Sends a request whose successful body is streamed to `consume`; a retry calls `consume` again from the start. */
  download<T>(request: RestRequest, consume: BodyConsumer<T>): Promise<T> {
    return this.run<T>(request, consume);
  }

  private async run<T>(request: RestRequest, consume: BodyConsumer<T> | undefined): Promise<T> {
    const idempotent = request.idempotent ?? request.method !== "POST";
    if (request.method !== "GET" && this.beforeChange) await this.beforeChange();
    const endpoints = this.connection.endpoints;
    let lastError: Error | undefined;
    let mayHaveActed = false;
    for (let round = 0; round < this.tuning.maxAttempts; round++) {
      if (round > 0) {
        await sleep(backoffDelayMs(round, this.tuning));
        if (mayHaveActed && request.reconcile) {
          const created = await request.reconcile();
          if (created !== undefined) return created as T;
        }
      }
      for (let offset = 0; offset < endpoints.length; offset++) {
        const node = (this.activeNode + offset) % endpoints.length;
        const endpoint = endpoints[node];
        let outcome;
        try {
          outcome = await attempt<T>(endpoint, this.connection, this.tuning, request, consume);
        } catch (error) {
          if (!(error instanceof CloudifyConnectionError)) throw error; // TLS or local file problem: retrying cannot help
          lastError = error;
          if (!error.requestSent) continue; // nothing reached this node
          this.activeNode = node;
          mayHaveActed = true;
          if (!idempotent && !request.reconcile) throw error;
          break;
        }
        if (outcome.kind === "success") {
          this.activeNode = node;
          return outcome.value as T;
        }
        const error = new CloudifyApiError({ method: request.method, path: request.path, endpoint }, outcome.status, outcome.errorCode, outcome.message);
        lastError = error;
        if (isNodeRefusal(outcome.status, outcome.errorCode)) continue;
        if (outcome.status === BAD_GATEWAY && idempotent) continue;
        if (outcome.status < 500) throw error;
        this.activeNode = node;
        // 503 (maintenance, snapshot restore) is refused before any work; other 5xx may have half-acted.
        if (outcome.status !== 503) {
          mayHaveActed = true;
          if (!idempotent && !request.reconcile) throw error;
        }
        break;
      }
    }
    throw new CloudifyUnavailableError(request.method, request.path, this.tuning.maxAttempts, lastError ?? new Error("no endpoint"));
  }
}

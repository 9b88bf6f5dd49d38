/**
 * How to reach one Cloudify Manager cluster. Plain values: providers receive them already resolved.
 * Node built-ins are loaded inside functions (never at the top) so that dynamic providers that capture
 * this code stay serializable (Pulumi serializes a dynamic provider with everything it captures).
 */
export interface CloudifyConnection {
  /** https base URLs of the cluster's nodes, leader first, e.g. `https://10.0.0.5` (the client appends `/api/v3.1`). */
  readonly endpoints: readonly string[];
  readonly username: string;
  /** Secret. Sent only in the Authorization header, never logged. */
  readonly password: string;
  /**
   * PEM bundle of the CA(s) that signed the managers' certificates; absent, the system's trusted CAs verify them (a manager
   * with a publicly trusted certificate). TLS is verified either way.
   */
  readonly caCert?: string;
  /** Value of the `Tenant` header sent on every request. */
  readonly tenant: string;
}

/** `{ caCert }` when a CA is given, else nothing: an absent CA means the system's trusted CAs, and no `caCert: undefined` is stored. */
export const caCertEntry = <T>(caCert: T | undefined): { caCert?: T } => (caCert === undefined ? {} : { caCert });

/** Timeouts, retries and polling of one client. Defaults suit a real manager; tests shorten them. */
export interface ClientTuning {
  /** TCP connect + TLS handshake, per node (the Cloudify CLI uses 5 s). */
  readonly connectTimeoutMs: number;
  /** Longest silence on an open connection while waiting for or reading a response. */
  readonly readTimeoutMs: number;
  /** Rounds over the cluster's nodes before giving up (the first round included). */
  readonly maxAttempts: number;
  /** Exponential backoff with full jitter between rounds: delay ≤ min(maxDelayMs, baseDelayMs·2^round). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Interval between polls of executions and blueprint upload states. */
  readonly pollIntervalMs: number;
}

export const DEFAULT_TUNING: ClientTuning = {
  connectTimeoutMs: 5_000,
  readTimeoutMs: 120_000,
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  pollIntervalMs: 1_000,
};

/** Resource ids (blueprint, deployment, secret, snapshot, tenant) as the manager accepts them. */
export const RESOURCE_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,255}$/;

/**
 * Problems with a connection, each naming its key under `path` (e.g. `connection.endpoints[1]`).
 * Empty when the connection is usable.
 */
export function connectionProblems(connection: unknown, path = "connection"): string[] {
  if (typeof connection !== "object" || connection === null) return [`${path}: must be an object`];
  const c = connection as Record<string, unknown>;
  const problems: string[] = [];
  if (!Array.isArray(c.endpoints) || c.endpoints.length === 0) {
    problems.push(`${path}.endpoints: must be a non-empty list of https URLs, leader first`);
  } else {
    c.endpoints.forEach((endpoint, i) => {
      if (typeof endpoint !== "string" || !isHttpsUrl(endpoint)) {
        problems.push(`${path}.endpoints[${i}]: must be an https URL without query or fragment, got ${JSON.stringify(endpoint)}`);
      }
    });
  }
  for (const key of ["username", "password", "tenant"] as const) {
    if (typeof c[key] !== "string" || (c[key] as string).length === 0) problems.push(`${path}.${key}: must be a non-empty string`);
  }
  if (c.caCert !== undefined && (typeof c.caCert !== "string" || !c.caCert.includes("-----BEGIN CERTIFICATE-----"))) {
    problems.push(`${path}.caCert: must be a PEM certificate bundle (-----BEGIN CERTIFICATE-----), or absent for the system's trusted CAs`);
  }
  return problems;
}

/** Throws one error listing every problem of the connection. */
export function assertConnection(connection: unknown, path = "connection"): asserts connection is CloudifyConnection {
  const problems = connectionProblems(connection, path);
  if (problems.length > 0) throw new Error(`invalid Cloudify connection:\n  ${problems.join("\n  ")}`);
}

function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
  } catch {
    return false;
  }
}

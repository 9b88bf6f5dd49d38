/** Errors of the Cloudify REST client. Each names the request and the node it was sent to; none carries credentials. */

/**
 * Base of every error this code throws. In a provider rebuilt by Pulumi's closure serializer (the engine's provider
 * process), `super(message)` to the built-in Error leaves message and stack unset, and classes without own methods get
 * a bare prototype cut off from their base: the constructor sets the fields and relinks the chain itself, so the
 * errors stay `instanceof Error` (and of their own class) there too.
 */
export class CloudifyError extends Error {
  constructor(message: string, name: string) {
    super(message);
    if (!(this instanceof Error)) {
      if (Object.getPrototypeOf(CloudifyError.prototype) === Object.prototype) Object.setPrototypeOf(CloudifyError.prototype, Error.prototype);
      const own: object = Object.getPrototypeOf(this);
      if (own !== CloudifyError.prototype && Object.getPrototypeOf(own) === Object.prototype) Object.setPrototypeOf(own, CloudifyError.prototype);
    }
    this.message = message;
    this.name = name;
    Error.captureStackTrace?.(this, this.constructor);
  }
}

/** Where a request went: for messages only. */
export interface RequestSite {
  readonly method: string;
  readonly path: string;
  readonly endpoint: string;
}

/** The manager answered with an unexpected status. `errorCode` is the body's `error_code` (undefined for non-JSON bodies). */
export class CloudifyApiError extends CloudifyError {
  readonly status: number;
  readonly errorCode: string | undefined;
  /** The manager's own `message`. */
  readonly serverMessage: string;
  readonly site: RequestSite;

  constructor(site: RequestSite, status: number, errorCode: string | undefined, serverMessage: string) {
    super(`Cloudify ${site.method} ${site.path} on ${site.endpoint} answered ${status} ${errorCode ?? "(no error_code)"}: ${serverMessage}`, "CloudifyApiError");
    this.status = status;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
    this.site = site;
  }
}

/**
 * No usable answer: connection refused or timed out, connection dropped, truncated body.
 * `requestSent` tells whether the manager may have received (and acted on) the request.
 */
export class CloudifyConnectionError extends CloudifyError {
  readonly code: string | undefined;
  readonly requestSent: boolean;
  readonly site: RequestSite;

  constructor(site: RequestSite, requestSent: boolean, code: string | undefined, detail: string) {
    super(`Cloudify ${site.method} ${site.path} on ${site.endpoint}: ${detail}${code ? ` (${code})` : ""}`, "CloudifyConnectionError");
    this.code = code;
    this.requestSent = requestSent;
    this.site = site;
  }
}

/** The node's certificate did not verify against `connection.caCert`: a configuration or security problem, never retried. */
export class CloudifyTlsError extends CloudifyError {
  readonly code: string | undefined;
  readonly site: RequestSite;

  constructor(site: RequestSite, code: string | undefined, detail: string) {
    super(
      `TLS verification of ${site.endpoint} failed (${code ?? "unknown"}: ${detail}); ` +
        `its certificate is not trusted by connection.caCert (or, without one, by the system's CAs) or does not name this host. Nothing was sent.`,
      "CloudifyTlsError",
    );
    this.code = code;
    this.site = site;
  }
}

/** Every attempt on every node failed; `lastError` is the final cause. */
export class CloudifyUnavailableError extends CloudifyError {
  readonly lastError: Error;

  constructor(method: string, path: string, attempts: number, lastError: Error) {
    super(`Cloudify ${method} ${path}: no active node in the cluster answered after ${attempts} rounds; last error: ${lastError.message}`, "CloudifyUnavailableError");
    this.lastError = lastError;
  }
}

export function isApiError(error: unknown, status?: number, errorCode?: string): error is CloudifyApiError {
  return (
    error instanceof CloudifyApiError &&
    (status === undefined || error.status === status) &&
    (errorCode === undefined || error.errorCode === errorCode)
  );
}

/** 404 of the object itself (not a premium-feature 404). */
export function isNotFound(error: unknown): boolean {
  return isApiError(error, 404) && error.errorCode !== "missing_premium_package_error";
}

import { CloudifyError, isApiError } from "../client/errors";

/** An object with the wanted id exists and differs from the declared one: never overwritten. */
export class ExistsDifferentError extends CloudifyError {
  constructor(kind: string, id: string, tenant: string, differences: readonly string[]) {
    super(
      `Cloudify ${kind} \`${id}\` already exists in tenant \`${tenant}\` and differs from the declared one ` +
        `(${differences.join("; ")}); refusing to overwrite it: delete it on the manager or declare it as it is`,
      "ExistsDifferentError",
    );
  }
}

/**
 * Creates an object, or adopts an identical existing one. `create` answering 409 `conflict_error` (also after our own
 * lost attempt, retried by the client) leads to `existing`, which returns the object if identical or throws
 * ExistsDifferentError.
 */
export async function createOrAdopt<T>(create: () => Promise<T>, existing: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
    return existing();
  }
}

import { isApiError, isNotFound } from "./errors";
import { listAll } from "./list";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import type { Tenant } from "./types";

/** The manager answers an unknown tenant with 403 `forbidden_error` ("… invalid tenant name …"), not 404. */
function isUnknownTenant(error: unknown): boolean {
  return isNotFound(error) || (isApiError(error, 403, "forbidden_error") && /invalid tenant name/i.test(error.serverMessage));
}

/** `/tenants` (premium; community editions answer 404 `missing_premium_package_error`). */
export class TenantsApi {
  constructor(private readonly rest: CloudifyRest) {}

  /** Creates a tenant; a repeat answers 409 `conflict_error`. */
  create(name: string): Promise<Tenant> {
    return this.rest.call<Tenant>({ method: "POST", path: objectPath("tenants", name), expect: [201], idempotent: true });
  }

  async get(name: string): Promise<Tenant | undefined> {
    try {
      return await this.rest.call<Tenant>({ method: "GET", path: objectPath("tenants", name), expect: [200] });
    } catch (error) {
      if (isUnknownTenant(error)) return undefined;
      throw error;
    }
  }

  list(): Promise<Tenant[]> {
    return listAll<Tenant>(this.rest, "/tenants");
  }

  /** Deletes a tenant; false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    try {
      await this.rest.call({ method: "DELETE", path: objectPath("tenants", name), expect: [200, 204] });
      return true;
    } catch (error) {
      if (isUnknownTenant(error)) return false;
      throw error;
    }
  }
}

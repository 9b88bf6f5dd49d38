import { pollUntil } from "./backoff";
import { isNotFound } from "./errors";
import { listAll } from "./list";
import type { ManagerApi } from "./manager";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import type { Deployment, Visibility } from "./types";
import { requireCapability } from "./versions";

export interface CreateDeployment {
  readonly blueprintId: string;
  readonly inputs: Record<string, unknown>;
  readonly visibility: Visibility;
  readonly skipPluginsValidation?: boolean;
}

/** The workflow the manager starts, asynchronously, for every new deployment. */
export const CREATE_ENVIRONMENT_WORKFLOW = "create_deployment_environment";

/** `/deployments`. */
export class DeploymentsApi {
  constructor(
    private readonly rest: CloudifyRest,
    private readonly manager: ManagerApi,
    private readonly pollIntervalMs: number,
  ) {}

  /**
   * Creates the row and starts `create_deployment_environment` (wait for it separately). A repeat answers 409. Where the
   * manager would otherwise hold the request until the workflow ends (6.0+), `async_create` makes it answer at once.
   * A `global` deployment on a manager that refuses it is refused here, before anything is sent.
   */
  async create(id: string, request: CreateDeployment): Promise<Deployment> {
    const profile = await this.manager.profile();
    if (request.visibility === "global") requireCapability(profile, "globalDeployments", "global deployments");
    return this.rest.call<Deployment>({
      method: "PUT",
      path: objectPath("deployments", id),
      query: { async_create: profile.asyncDeploymentCreate ? true : undefined },
      json: {
        blueprint_id: request.blueprintId,
        inputs: request.inputs,
        visibility: request.visibility,
        skip_plugins_validation: request.skipPluginsValidation ?? false,
      },
      expect: [201],
    });
  }

  async get(id: string): Promise<Deployment | undefined> {
    try {
      return await this.rest.call<Deployment>({ method: "GET", path: objectPath("deployments", id), expect: [200] });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Deployments of `tenant` (default: the connection's tenant). */
  list(tenant?: string): Promise<Deployment[]> {
    return listAll<Deployment>(this.rest, "/deployments", {}, tenant);
  }

  /**
   * Asks for deletion (200 up to 5.0.5, 204 from 5.1; either way the row goes only when
   * `delete_deployment_environment` ends). False when it did not exist.
   */
  async delete(id: string): Promise<boolean> {
    try {
      await this.rest.call({ method: "DELETE", path: objectPath("deployments", id), expect: [200, 204] });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Waits until `GET /deployments/{id}` answers 404. */
  async waitGone(id: string, timeoutMs: number): Promise<void> {
    await pollUntil(async () => ((await this.get(id)) === undefined ? true : undefined), {
      intervalMs: this.pollIntervalMs,
      timeoutMs,
      describe: () => `deployment ${id} to be deleted`,
    });
  }
}

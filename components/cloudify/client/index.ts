import { BlueprintsApi } from "./blueprints";
import { assertConnection, DEFAULT_TUNING, type ClientTuning, type CloudifyConnection } from "./connection";
import { DeploymentsApi } from "./deployments";
import { ExecutionsApi } from "./executions";
import { ManagerApi } from "./manager";
import { NodeInstancesApi } from "./node-instances";
import { PluginsApi } from "./plugins";
import { CloudifyRest } from "./rest";
import { SecretsApi } from "./secrets";
import { SnapshotsApi } from "./snapshots";
import { TenantsApi } from "./tenants";

/**
 * Client of one Cloudify Manager cluster's REST API v3.1 (Cloudify 4.3 … 7.0). Every request carries basic auth and the
 * `Tenant` header, verifies TLS against `connection.caCert`, fails over across `connection.endpoints` and retries
 * with bounded backoff (see rest.ts). Before its first change it reads the manager's version: an unsupported one is
 * refused (UnsupportedVersionError) with nothing changed, and what differs per version comes from versions.ts.
 */
export class CloudifyClient {
  readonly rest: CloudifyRest;
  readonly manager: ManagerApi;
  readonly tenants: TenantsApi;
  readonly secrets: SecretsApi;
  readonly plugins: PluginsApi;
  readonly blueprints: BlueprintsApi;
  readonly deployments: DeploymentsApi;
  readonly executions: ExecutionsApi;
  readonly nodeInstances: NodeInstancesApi;
  readonly snapshots: SnapshotsApi;

  constructor(connection: CloudifyConnection, tuning: Partial<ClientTuning> = {}) {
    assertConnection(connection);
    const fullTuning: ClientTuning = { ...DEFAULT_TUNING, ...tuning };
    this.rest = new CloudifyRest(connection, fullTuning, () => this.manager.profile());
    this.manager = new ManagerApi(this.rest);
    this.tenants = new TenantsApi(this.rest);
    this.secrets = new SecretsApi(this.rest, this.manager);
    this.plugins = new PluginsApi(this.rest, this.manager);
    this.blueprints = new BlueprintsApi(this.rest, this.manager, fullTuning.pollIntervalMs);
    this.deployments = new DeploymentsApi(this.rest, this.manager, fullTuning.pollIntervalMs);
    this.executions = new ExecutionsApi(this.rest, this.manager, fullTuning.pollIntervalMs);
    this.nodeInstances = new NodeInstancesApi(this.rest);
    this.snapshots = new SnapshotsApi(this.rest, this.executions, this.manager);
  }
}

export type { ClientTuning, CloudifyConnection } from "./connection";
export { folderTreeDigest, sha256OfFile } from "./content-hash";
export { CloudifyApiError, CloudifyConnectionError, CloudifyTlsError, CloudifyUnavailableError } from "./errors";
export { UnsupportedVersionError } from "./versions";
export * from "./types";
export { BlueprintUploadError } from "./blueprints";

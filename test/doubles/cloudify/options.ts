/**
 * What the double imitates: the behaviour of the official rest-service (cloudify-manager) at the version asked for. Each
 * version-dependent feature below names the file and release tag it follows.
 */
export interface DoubleOptions {
  /** Manager version: one of DOUBLE_PROFILES, or another dotted version (e.g. "4.6", "5.0.5", "5.2"). Default "5.1". */
  readonly version?: string;
  /** "premium" (default) or "community" (tenants and cluster answer 404 `missing_premium_package_error`). */
  readonly edition?: "premium" | "community";
  /** Cluster nodes, each its own HTTPS port on 127.0.0.1; node 0 starts as the leader. Default 1. */
  readonly nodes?: number;
  /** Accepted users (basic auth). Default `{ admin: "admin-secret" }`. */
  readonly users?: Readonly<Record<string, string>>;
  /** Tenants that exist at start (besides `default_tenant`). */
  readonly tenants?: readonly string[];
  /** How long a workflow runs unless scripted otherwise. Default 20 ms. */
  readonly workflowDurationMs?: number;
  /** Where the double keeps uploaded and generated files (a private subdirectory is made there). Default: the OS temp dir. */
  readonly storageDir?: string;
  /**
   * 6.0+: how long `PUT /deployments/{id}` without `async_create` holds the request for the create workflow before it gives
   * up with a 500 (the real one polls 60 × 1 s at 6.0.0, 120 × 1 s at 7.0.0). Default 1000 ms.
   */
  readonly deploymentCreateWaitMs?: number;
}

/** The release lines every provider and day-2 test runs against: the oldest and newest supported, and where the API changed. */
export const DOUBLE_PROFILES = ["4.3", "4.5", "5.0", "5.1", "6.4", "7.0"] as const;

export interface Features {
  readonly version: string;
  readonly edition: "premium" | "community";
  /** DELETE of blueprints, deployments, plugins, secrets, tenants answers 204 (5.1+) instead of 200 + object. */
  readonly deleteAnswers204: boolean;
  /** `PUT /blueprints` parses asynchronously in an `upload_blueprint` execution (5.2+). */
  readonly asyncBlueprintUpload: boolean;
  /**
   * A blueprint answer carries its nested `upload_execution` (storage/resource_models.py Blueprint.response_fields @6.2.0 …
   * 7.0.4; the relation exists from 5.2 but is not answered before 6.2).
   */
  readonly blueprintUploadExecution: boolean;
  /**
   * `DELETE /blueprints/{id}?force=true` removes a blueprint whose upload is still under way (resource_manager.py
   * delete_blueprint @6.1.0 … 7.0.4); @5.2 … 6.0 such a blueprint is refused with or without force.
   */
  readonly forceDeletesUploadingBlueprint: boolean;
  /** `GET /status` answers the 5.0.5+ shape and `/snapshot-status` exists. */
  readonly newStatusShape: boolean;
  /** `server_traceback` is null for manager exceptions from 5.0.5. */
  readonly tracebackNull: boolean;
  /** Plugin uploads install synchronously up to 5.0.5. */
  readonly syncPluginInstall: boolean;
  /** Plugins have `title` and `installation_state` (5.1+). */
  readonly pluginTitle: boolean;
  /** `/cluster` API (4.x) versus `/managers` (5.0+). */
  readonly clusterApi: boolean;
  /** `/cluster-status` exists (endpoint_mapper.py @5.0.5; absent @5.0). */
  readonly clusterStatusApi: boolean;
  /** `PATCH /secrets/{key}` requires `value` and ignores other fields (resources_v3/secrets.py @4.3; all optional @4.4). */
  readonly secretPatchValueOnly: boolean;
  /** Secrets have `is_hidden_value` (resources_v3_1/secrets.py @4.4; unknown @4.3). */
  readonly hiddenSecretValues: boolean;
  /** `PUT /deployments` accepts `global` (resources_v3_1/deployments.py @4.5.5; private or tenant only @4.3 … 4.5.1). */
  readonly globalDeployments: boolean;
  /** `POST /executions` reads `queue` (resources_v1/executions.py @4.5; not read @4.3, 4.4). */
  readonly executionQueue: boolean;
  /** `GET /ok` exists, unauthenticated (resources_v3_1/status.py class OK @6.0.0). */
  readonly okEndpoint: boolean;
  /**
   * `PUT /deployments` without `async_create` waits for the create workflow (resources_v3_1/deployments.py and
   * rest_utils.wait_for_execution @6.0.0 … 7.0.0; before 6.0 it answers at once and reads no async_create).
   */
  readonly deploymentCreateWaits: boolean;
  /**
   * A new `PUT /deployments/{id}` first removes a row whose only execution is a failed create_deployment_environment
   * (resource_manager.py cleanup_failed_deployment @6.0.0 … 7.0.0); before 6.0 such a row answers 409 like any other.
   */
  readonly failedDeploymentReplaced: boolean;
  readonly deploymentCreateWaitMs: number;
  /**
   * Body fields `POST /snapshots/{id}/restore` requires (resources_v2/snapshots.py): force always, recreate_deployments_envs
   * @4.3 … 5.2.0 (not read from 6.0.0), ignore_plugin_failure @4.5 before 4.5.5.
   */
  readonly restoreRequires: readonly string[];
  /**
   * `PUT /snapshots/{id}/archive` of an existing id moves the upload over that snapshot's archive before its row is refused
   * with 409 (upload_manager/manager.py upload_snapshot, then resource_manager.py create_snapshot_model @7.0.0); up to 6.4
   * the row is made first (upload_manager.py UploadedDataManager.receive_uploaded_data) and the archive stays.
   */
  readonly snapshotUploadOverwritesArchive: boolean;
  /**
   * Two snapshot formats (cloudify_system_workflows/snapshot.py @7.0.4): `PUT /snapshots/{id}` writes the new "entities"
   * one unless `legacy` is true (resources_v2/snapshots.py @7.0.4), and a restore tells them apart by metadata.json
   * (snapshot_restore.py _is_legacy_snapshot). Before 7.0 every archive is restored as the database dump it is.
   */
  readonly snapshotFormats: boolean;
}

/** Orders dotted version numbers (missing parts count as 0). */
export function compareVersion(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function featuresOf(options: DoubleOptions): Features {
  const version = options.version ?? "5.1";
  if (!/^\d+(\.\d+)*$/.test(version)) throw new Error(`DoubleOptions.version: expected dotted digits, got ${JSON.stringify(version)}`);
  const atLeast = (v: string): boolean => compareVersion(version, v) >= 0;
  return {
    version,
    edition: options.edition ?? "premium",
    deleteAnswers204: atLeast("5.1"),
    asyncBlueprintUpload: atLeast("5.2"),
    blueprintUploadExecution: atLeast("6.2"),
    forceDeletesUploadingBlueprint: atLeast("6.1"),
    newStatusShape: atLeast("5.0.5"),
    tracebackNull: atLeast("5.0.5"),
    syncPluginInstall: !atLeast("5.1"),
    pluginTitle: atLeast("5.1"),
    clusterApi: !atLeast("5"),
    clusterStatusApi: atLeast("5.0.5"),
    secretPatchValueOnly: !atLeast("4.4"),
    hiddenSecretValues: atLeast("4.4"),
    globalDeployments: atLeast("4.5.5"),
    executionQueue: atLeast("4.5"),
    okEndpoint: atLeast("6"),
    deploymentCreateWaits: atLeast("6"),
    failedDeploymentReplaced: atLeast("6"),
    deploymentCreateWaitMs: options.deploymentCreateWaitMs ?? 1000,
    snapshotUploadOverwritesArchive: atLeast("7"),
    snapshotFormats: atLeast("7"),
    restoreRequires: [
      ...(atLeast("6") ? [] : ["recreate_deployments_envs"]),
      "force",
      ...(atLeast("4.5") && !atLeast("4.5.5") ? ["ignore_plugin_failure"] : []),
    ],
  };
}

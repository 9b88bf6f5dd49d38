/** What the double imitates: version-dependent behaviour of the manager, per the contract doc. */
export interface DoubleOptions {
  /** Manager version: "4.6" (4.x: old /status, /cluster API), "5.0.5", "5.1", "5.2" (async blueprint upload)… Default "5.1". */
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
}

export interface Features {
  readonly version: string;
  readonly edition: "premium" | "community";
  /** DELETE of blueprints, deployments, plugins, secrets, tenants answers 204 (5.1+) instead of 200 + object. */
  readonly deleteAnswers204: boolean;
  /** `PUT /blueprints` parses asynchronously in an `upload_blueprint` execution (5.2+). */
  readonly asyncBlueprintUpload: boolean;
  /** `GET /status` answers the 5.0.5+ shape and `/snapshot-status` exists. */
  readonly newStatusShape: boolean;
  /** `server_traceback` is null for manager exceptions from 5.0.5. */
  readonly tracebackNull: boolean;
  /** Plugin uploads install synchronously up to 5.0.5. */
  readonly syncPluginInstall: boolean;
  /** Plugins have `title` and `installation_state` (5.1+). */
  readonly pluginTitle: boolean;
  /** `/cluster` API (4.x) versus `/cluster-status` and `/managers` (5.x). */
  readonly clusterApi: boolean;
}

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
    newStatusShape: atLeast("5.0.5"),
    tracebackNull: atLeast("5.0.5"),
    syncPluginInstall: !atLeast("5.1"),
    pluginTitle: atLeast("5.1"),
    clusterApi: !atLeast("5"),
  };
}

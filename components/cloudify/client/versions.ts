import { CloudifyError } from "./errors";

/**
 * What differs per Cloudify Manager version, for every call cmom makes: one table, read once per client after `GET /version`
 * (ManagerApi.profile). Each row lists what changed in that release; a manager gets the first row and every later row up
 * to its own version. The sources named are the official repositories at that release tag.
 */
export interface ManagerProfile {
  /** The version the manager reported. */
  readonly version: string;
  /**
   * `PUT /deployments/{id}?async_create=true` answers at once. Without it a 6.x/7.x manager holds the request while the
   * create workflow runs and answers an error when it takes longer than its wait.
   */
  readonly asyncDeploymentCreate: boolean;
  /**
   * `PATCH /secrets/{key}`: "value-only" needs `value` and ignores the other fields (visibility goes through
   * `PATCH /secrets/{key}/set-visibility`); "fields" takes any of value, visibility, is_hidden_value.
   */
  readonly secretPatch: "value-only" | "fields";
  /** Secrets have `is_hidden_value`. */
  readonly hiddenSecretValues: boolean;
  /** A deployment may be created `global`. */
  readonly globalDeployments: boolean;
  /** `POST /executions` honours `queue`. */
  readonly executionQueue: boolean;
  /**
   * Where the cluster's members are listed: "cluster-nodes" (`/cluster/nodes`, one unpaginated page), "managers"
   * (`/managers`, no health per member) or "cluster-status" (`/cluster-status`, with health).
   */
  readonly clusterMembers: "cluster-nodes" | "managers" | "cluster-status";
  /** The cheapest "is this manager serving" request: `/ok` where it exists, else `/status`. */
  readonly healthPath: "/ok" | "/status";
  /** `GET /status` body: a list of services with instances, or a map of services with Active/Inactive. */
  readonly statusShape: "services-list" | "services-map";
  /** `GET /snapshot-status` answers while a restore runs. */
  readonly snapshotStatus: boolean;
  /** Blueprint uploads are parsed after the answer (`async_upload`, a `state` on the blueprint). */
  readonly asyncBlueprintUpload: boolean;
  /** Plugins accept a `title`. */
  readonly pluginTitle: boolean;
  /** `PUT /snapshots/{id}` reads `include_metrics`. */
  readonly snapshotMetrics: boolean;
  /** `PUT /snapshots/{id}` takes `legacy`: true keeps the archive format every supported manager restores. */
  readonly snapshotFormatChoice: boolean;
  /** `POST /snapshots/{id}/restore` requires `recreate_deployments_envs` (and honours false); later releases do not read it. */
  readonly restoreDeploymentEnvsChoice: boolean;
  /**
   * Which deployments `cfy agents install` (no deployment named) leaves out, as not installed: "any-unstarted" (every
   * node instance must be started) or "unstarted-host" (only Compute instances, whose host is themselves, must be).
   */
  readonly agentsSkip: "any-unstarted" | "unstarted-host";
}

type Capabilities = Omit<ManagerProfile, "version">;

/** The oldest and newest release lines cmom speaks to. */
const SUPPORTED_VERSIONS = { oldest: "4.3", newest: "7.0" } as const;

const FIRST: Capabilities = {
  asyncDeploymentCreate: false,
  // rest-service resources_v3/secrets.py @4.3: patch requires `value`; visibility has its own set-visibility resource.
  secretPatch: "value-only",
  hiddenSecretValues: false,
  // resources_v3_1/deployments.py @4.3…4.5.1: put accepts only private or tenant.
  globalDeployments: false,
  // resources_v1/executions.py @4.3/4.4: post reads no `queue`.
  executionQueue: false,
  // endpoint_mapper.py @4.3…4.6: only /cluster and /cluster/nodes; cloudify-common cluster.py @4.4 reads no pagination.
  clusterMembers: "cluster-nodes",
  healthPath: "/status",
  statusShape: "services-list",
  snapshotStatus: false,
  asyncBlueprintUpload: false,
  pluginTitle: false,
  // resources_v2/snapshots.py @4.3 … 5.0.0 read include_metrics.
  snapshotMetrics: true,
  snapshotFormatChoice: false,
  // resources_v2/snapshots.py @4.3 … 5.2.0: restore requires recreate_deployments_envs (4.5.0 also ignore_plugin_failure).
  restoreDeploymentEnvsChoice: true,
  // cloudify-cli commands/agents.py @4.3 … 4.5: _is_deployment_installed wants every node instance started.
  agentsSkip: "any-unstarted",
};

const CHANGES: readonly (readonly [since: string, change: Partial<Capabilities>])[] = [
  ["4.3", {}],
  // resources_v3/secrets.py @4.4: patch updates value, visibility and is_hidden_value, each optional.
  ["4.4", { secretPatch: "fields", hiddenSecretValues: true }],
  // resources_v1/executions.py @4.5: post reads `queue`.
  ["4.5", { executionQueue: true }],
  // resources_v3_1/deployments.py @4.5.5: put accepts every visibility.
  ["4.5.5", { globalDeployments: true }],
  // cloudify-cli commands/agents.py @4.6: only deployments with a Compute instance not started are skipped.
  ["4.6", { agentsSkip: "unstarted-host" }],
  // endpoint_mapper.py @5.0: /cluster is gone, /managers lists the members.
  ["5.0", { clusterMembers: "managers" }],
  // endpoint_mapper.py @5.0.5: /cluster-status and /snapshot-status appear; status.py answers a map of services.
  // resources_v2/snapshots.py @5.0.5: include_metrics is no longer read.
  ["5.0.5", { clusterMembers: "cluster-status", statusShape: "services-map", snapshotStatus: true, snapshotMetrics: false }],
  // upload_manager.py @5.1.0: plugin uploads read a `title` argument.
  ["5.1", { pluginTitle: true }],
  // resources_v3_1/blueprints.py @5.2.0: put takes `async_upload`, an upload_blueprint execution parses.
  ["5.2", { asyncBlueprintUpload: true }],
  // resources_v3_1/deployments.py @6.0.0: put takes `async_create` (without it, rest_utils.wait_for_execution holds the
  // request); resources_v3_1/status.py @6.0.0 adds class OK at /ok.
  // resources_v2/snapshots.py @6.0.0: restore requires `force` and no longer reads recreate_deployments_envs.
  ["6.0", { asyncDeploymentCreate: true, healthPath: "/ok", restoreDeploymentEnvsChoice: false }],
  // resources_v2/snapshots.py @7.0.0: put takes `legacy` (the format of earlier releases; false makes the new one).
  ["7.0", { snapshotFormatChoice: true }],
];

/** Numeric comparison of dotted versions ("5.0.5" < "5.1"); missing parts count as 0, suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] => v.split(/[.-]/).map((part) => Number.parseInt(part, 10)).map((n) => (Number.isNaN(n) ? 0 : n));
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** The manager's version is outside SUPPORTED_VERSIONS: nothing was changed on it. */
export class UnsupportedVersionError extends CloudifyError {
  readonly version: string;

  constructor(version: string) {
    super(
      `Cloudify Manager ${version} is not supported: cmom speaks to ${SUPPORTED_VERSIONS.oldest} … ${SUPPORTED_VERSIONS.newest}.x; nothing was changed on it`,
      "UnsupportedVersionError",
    );
    this.version = version;
  }
}

/** A version's release line: `7.0.2` → `7.0`. */
export const majorMinor = (version: string): string => version.split(".").slice(0, 2).join(".");

/** Whether `version` is within the supported release lines (7.0.x included, 7.1 not). */
function isSupportedVersion(version: string): boolean {
  return /^\d+(\.\d+)*/.test(version) && compareVersions(version, SUPPORTED_VERSIONS.oldest) >= 0 && compareVersions(majorMinor(version), SUPPORTED_VERSIONS.newest) <= 0;
}

/** The profile of a manager that reported `version`; throws UnsupportedVersionError outside the supported range. */
export function profileOf(version: string): ManagerProfile {
  if (!isSupportedVersion(version)) throw new UnsupportedVersionError(version);
  const capabilities = CHANGES.filter(([since]) => compareVersions(version, since) >= 0).reduce<Capabilities>((acc, [, change]) => ({ ...acc, ...change }), FIRST);
  return { version, ...capabilities };
}

type Flag = { [K in keyof Capabilities]: Capabilities[K] extends boolean ? K : never }[keyof Capabilities];

/** Which releases have `flag`, from the table: "it needs 4.5 or later", or "only before 6.0" for one that went away. */
function whereSupported(flag: Flag): string {
  const since = FIRST[flag] ? SUPPORTED_VERSIONS.oldest : CHANGES.find(([, change]) => change[flag] === true)?.[0];
  const until = CHANGES.find(([at, change]) => change[flag] === false && since !== undefined && compareVersions(at, since) > 0)?.[0];
  return until !== undefined ? `only before ${until}` : `it needs ${since ?? "a later release"} or later`;
}

/** A request this manager's version does not honour: refused before anything was sent. */
class NotOnThisVersionError extends CloudifyError {
  constructor(profile: ManagerProfile, what: string, flag: Flag) {
    super(`Cloudify Manager ${profile.version} does not support ${what} (${whereSupported(flag)}); nothing was sent`, "NotOnThisVersionError");
  }
}

/** Throws NotOnThisVersionError unless the manager has `flag`. */
export function requireCapability(profile: ManagerProfile, flag: Flag, what: string): void {
  if (!profile[flag]) throw new NotOnThisVersionError(profile, what, flag);
}

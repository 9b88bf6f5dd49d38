import { CloudifyClient } from "../client";
import { pollUntil } from "../client/backoff";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import { CloudifyApiError, CloudifyConnectionError, CloudifyUnavailableError, isApiError } from "../client/errors";
import { ExecutionFailedError } from "../client/executions";
import { SnapshotExistsError, type RestoreSnapshot } from "../client/snapshots";
import type { NodeInstanceState } from "../client/node-instances";
import { EXECUTION_END_STATES, type Execution, type Snapshot } from "../client/types";
import { compareVersions, type ManagerProfile } from "../client/versions";
import type { probeHealth } from "./manager-health";
import type { SnapshotMetadata } from "./snapshot-metadata";

/** `cmom:restore.params`: the reference's `restore_params` flags. */
export interface RestoreParams {
  readonly withoutDeploymentEnvs: boolean;
  readonly force: boolean;
  readonly restoreCertificates: boolean;
  readonly noReboot: boolean;
}

const RESTORE_WORKFLOW = "restore_snapshot";
/** The oldest snapshot any manager restores (SnapshotRestoreValidator.validate, snapshot_restore.py @4.3 … 7.0.4). */
const OLDEST_RESTORABLE = "4.0.0";
const INSTALL_NEW_AGENTS = "install_new_agents";

/** The `POST /snapshots/{id}/restore` body fields for `params` (`--without-deployment-envs` → recreate_deployments_envs false…). */
export function restoreRequest(params: RestoreParams, timeoutSeconds: number): RestoreSnapshot {
  return {
    recreateDeploymentsEnvs: !params.withoutDeploymentEnvs,
    force: params.force,
    restoreCertificates: params.restoreCertificates,
    noReboot: params.noReboot,
    timeout: timeoutSeconds,
  };
}

/** Failures to ride out while a manager restores and restarts: no answer, a dropped connection, 5xx (503 during a restore). */
function isTransient(error: unknown): boolean {
  return (
    error instanceof CloudifyUnavailableError ||
    error instanceof CloudifyConnectionError ||
    (error instanceof CloudifyApiError && error.status >= 500)
  );
}

/** Uploads `file` (streamed) as snapshot `id`, unless the manager has it already: an earlier run's upload is reused. */
export async function uploadOnce(client: CloudifyClient, id: string, file: string): Promise<Snapshot> {
  try {
    return await client.snapshots.upload(id, file);
  } catch (error) {
    // The upload reads the id first and refuses an existing one with what it read.
    if (error instanceof SnapshotExistsError) return usable(error.existing);
    if (!isApiError(error, 409)) throw error;
    const raced = await client.snapshots.get(id);
    if (!raced) throw error;
    return usable(raced);
  }
}

function usable(snapshot: Snapshot): Snapshot {
  if (snapshot.status === "uploaded" || snapshot.status === "created") return snapshot;
  throw new Error(`Cloudify snapshot ${snapshot.id} exists with status ${snapshot.status}${snapshot.error ? ` (${snapshot.error})` : ""}; delete it on the manager and retry`);
}

/**
 * The secret that records, on the restored manager, that the restore of `snapshotId` finished. A restore empties every table
 * but a few (executions and snapshots included) and puts back only its own execution, without its parameters
 * (workflows/cloudify_system_workflows/snapshots/postgres.py @4.3 … 5.2): afterwards no execution or snapshot tells which
 * snapshot was restored, and a rerun would restore it again. Only a later restore erases the secret.
 */
function restoredMarker(snapshotId: string): string {
  return `cmom_restored_${snapshotId}`;
}

/** The execution of a finished restore of `snapshotId` on this manager, as its marker records it; undefined when none. */
export async function finishedRestore(client: CloudifyClient, snapshotId: string): Promise<Execution | undefined> {
  const marker = await client.secrets.get(restoredMarker(snapshotId));
  return marker === undefined ? undefined : client.executions.get(marker.value);
}

/** Records that the restore of `snapshotId` finished (see restoredMarker), riding out the restarts that follow a restore. */
export async function recordRestore(client: CloudifyClient, snapshotId: string, execution: Execution, timeoutMs: number): Promise<void> {
  await pollUntil(
    async () => {
      try {
        await client.secrets.create(restoredMarker(snapshotId), { value: execution.id, visibility: "private", isHiddenValue: false });
        return true;
      } catch (error) {
        if (isApiError(error, 409)) return true;
        if (!isTransient(error)) throw error;
        return undefined;
      }
    },
    { intervalMs: client.rest.tuning.pollIntervalMs, timeoutMs, describe: () => `the record of restore ${execution.id} to be written` },
  );
}

/**
 * Refuses, before anything is uploaded, a restore that cannot do what it is for, each as the manager of the snapshot's format
 * would decide it:
 * - a snapshot newer than the manager, or older than 4.0.0: a legacy restore refuses both at its start, after the upload
 *   (SnapshotRestoreValidator.validate, snapshot_restore.py @4.3 … 7.0.4); a 7.0 entities restore does not check at all;
 * - a legacy snapshot onto a manager that holds blueprints, without `force` (_assert_clean_db, same files);
 * - an entities snapshot onto a manager that holds blueprints, even with `force`: that restore empties nothing, and skips
 *   every object whose id exists with only a line in its log (snapshot_restore.py _new_restore, cloudify-common
 *   rest_client restore methods @7.0.4), so it would end "successful" with part of the snapshot missing.
 */
export async function assertRestorable(client: CloudifyClient, snapshot: SnapshotMetadata, force: boolean): Promise<void> {
  const { version } = await client.manager.profile();
  const nothingDone = "Nothing was uploaded or restored";
  if (compareVersions(snapshot.version, version) > 0) {
    throw new Error(
      `the snapshot comes from Cloudify Manager ${snapshot.version}, newer than this manager (${version}): a manager restores only ` +
        `snapshots of its own version or older; restore it onto a ${snapshot.version} or later manager. ${nothingDone}`,
    );
  }
  if (compareVersions(snapshot.version, OLDEST_RESTORABLE) < 0) {
    throw new Error(`the snapshot comes from Cloudify Manager ${snapshot.version}: no manager restores a snapshot older than ${OLDEST_RESTORABLE}. ${nothingDone}`);
  }
  if (force && snapshot.format === "legacy") return;
  const held = await client.blueprints.someIds(3);
  if (held.length === 0) return;
  if (snapshot.format === "entities") {
    throw new Error(
      `the manager already holds blueprints (${held.join(", ")}…): this snapshot is in the 7.0 entities format, whose restore adds ` +
        `to what a manager holds and skips every object whose id exists (cmom:restore.params.force does not empty it); restore it ` +
        `into a fresh manager. ${nothingDone}`,
    );
  }
  throw new Error(
    `the manager already holds blueprints (${held.join(", ")}…): a restore there deletes everything on it, so it runs only with ` +
      `cmom:restore.params.force: true; set it, or restore into a fresh manager. ${nothingDone}`,
  );
}

/**
 * Restores snapshot `id` and follows the execution to its end; `failed`/`cancelled` throw ExecutionFailedError with the
 * manager's error. A restore of this snapshot that already succeeded (or still runs) is adopted instead of started again.
 */
export async function restoreOnce(client: CloudifyClient, id: string, request: RestoreSnapshot, timeoutMs: number): Promise<Execution> {
  const earlier = (await client.executions.list({ workflowId: RESTORE_WORKFLOW, includeSystem: true }))
    .filter((e) => e.parameters?.snapshot_id === id)
    .find((e) => e.status === "terminated" || !EXECUTION_END_STATES.includes(e.status));
  const execution = earlier ?? (await client.snapshots.restore(id, request));
  return followRestore(client, execution.id, timeoutMs);
}

/**
 * Polls the restore execution until it ends, through the outages a restore causes (503 `in_snapshot_restore_error`,
 * restarts). 5.0.5+ managers are watched through the unauthenticated `/snapshot-status` while it says `running`.
 */
async function followRestore(client: CloudifyClient, executionId: string, timeoutMs: number): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  const intervalMs = client.rest.tuning.pollIntervalMs;
  let lastProblem = "";
  const tolerant = <T>(probe: () => Promise<T | undefined>) => async (): Promise<T | undefined> => {
    try {
      return await probe();
    } catch (error) {
      if (!isTransient(error)) throw error;
      lastProblem = ` (last answer: ${(error as Error).message})`;
      return undefined;
    }
  };
  if ((await client.manager.profile()).snapshotStatus) {
    await pollUntil(tolerant(async () => ((await client.snapshots.restoreRunning()) ? undefined : true)), {
      intervalMs,
      timeoutMs,
      describe: () => `snapshot restore ${executionId} to stop running${lastProblem}`,
    });
  }
  const ended = await pollUntil(
    tolerant(async () => {
      const execution = await client.executions.get(executionId);
      return execution && EXECUTION_END_STATES.includes(execution.status) ? execution : undefined;
    }),
    { intervalMs, timeoutMs: Math.max(0, deadline - Date.now()), describe: () => `restore execution ${executionId} to end${lastProblem}` },
  );
  if (ended.status !== "terminated") throw new ExecutionFailedError(ended);
  return ended;
}

/** Waits until `probe` answers healthy `inARow` times in a row; an unhealthy answer or an outage starts the count again. */
export async function waitUntilHealthy(
  probe: () => ReturnType<typeof probeHealth>,
  options: { readonly inARow: number; readonly intervalMs: number; readonly timeoutMs: number },
): Promise<void> {
  let streak = 0;
  let last = "no answer yet";
  await pollUntil(
    async () => {
      try {
        const answer = await probe();
        streak = answer.healthy ? streak + 1 : 0;
        last = answer.said;
      } catch (error) {
        if (!isTransient(error)) throw error;
        streak = 0;
        last = (error as Error).message;
      }
      return streak >= options.inARow ? true : undefined;
    },
    { intervalMs: options.intervalMs, timeoutMs: options.timeoutMs, describe: () => `${options.inARow} healthy answers in a row (last: ${last})` },
  );
}

/** One `install_new_agents` run. */
export interface AgentsRun {
  readonly tenant: string;
  readonly deploymentId: string;
  readonly executionId: string;
}

/** A deployment left out because it is not installed (its workflow would fail on an instance that is not started). */
export interface AgentsSkip {
  readonly tenant: string;
  readonly deploymentId: string;
  readonly reason: string;
}

/** Why `cfy agents install` would leave this deployment out on this manager's version, or undefined. */
function notInstalled(profile: ManagerProfile, instances: readonly NodeInstanceState[]): string | undefined {
  const blocking = instances.filter((ni) => ni.state !== "started" && (profile.agentsSkip === "any-unstarted" || ni.id === ni.host_id));
  if (blocking.length === 0) return undefined;
  return `node instance${blocking.length > 1 ? "s" : ""} not started: ${blocking.map((ni) => `${ni.id} (${ni.state})`).join(", ")}`;
}

/**
 * What `cfy agents install --all-tenants` does: `install_new_agents` (custom parameters allowed) once on every deployment of
 * every tenant, waiting for each, leaving out deployments that are not installed as the CLI of the manager's version does
 * (reported in `skipped`). A deployment with a run that succeeded since `since` (an earlier attempt) is not run again.
 * Community managers have only `default_tenant`.
 */
export async function installNewAgents(
  connection: CloudifyConnection,
  tuning: ClientTuning,
  since: string,
  timeoutMs: number,
): Promise<{ runs: AgentsRun[]; skipped: AgentsSkip[] }> {
  const deadline = Date.now() + timeoutMs;
  const admin = new CloudifyClient(connection, tuning);
  const profile = await admin.manager.profile();
  let tenants: string[];
  try {
    tenants = (await admin.tenants.list()).map((t) => t.name);
  } catch (error) {
    if (!isApiError(error, 404, "missing_premium_package_error")) throw error;
    tenants = ["default_tenant"];
  }
  const runs: AgentsRun[] = [];
  const skipped: AgentsSkip[] = [];
  for (const tenant of tenants) {
    const client = new CloudifyClient({ ...connection, tenant }, tuning);
    // Global deployments are listed in every tenant: each runs once, in its own.
    for (const deployment of (await client.deployments.list()).filter((d) => d.tenant_name === tenant)) {
      const reason = notInstalled(profile, await client.nodeInstances.ofDeployment(deployment.id));
      if (reason !== undefined) {
        skipped.push({ tenant, deploymentId: deployment.id, reason });
        continue;
      }
      const earlier = (await client.executions.list({ deploymentId: deployment.id, workflowId: INSTALL_NEW_AGENTS }))
        .find((e) => e.status === "terminated" && e.created_at >= since);
      // queue (where the manager honours it): the restore may have left deployment workflows running; the manager starts
      // this one after them.
      const execution = earlier ?? (await client.executions.start({ deploymentId: deployment.id, workflowId: INSTALL_NEW_AGENTS, allowCustomParameters: true, queue: profile.executionQueue }));
      const ended = earlier ?? (await client.executions.waitForSuccess(execution.id, Math.max(0, deadline - Date.now())));
      runs.push({ tenant, deploymentId: deployment.id, executionId: ended.id });
    }
  }
  return { runs, skipped };
}

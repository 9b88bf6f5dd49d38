import { toFile } from "./download-file";
import { CloudifyError, isNotFound } from "./errors";
import type { ExecutionsApi } from "./executions";
import type { ManagerApi } from "./manager";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import type { Execution, Snapshot } from "./types";
import { requireCapability } from "./versions";

export interface CreateSnapshot {
  /** Read by 4.x managers only. */
  readonly includeMetrics?: boolean;
  readonly includeCredentials?: boolean;
  readonly includeLogs?: boolean;
  readonly includeEvents?: boolean;
  readonly queue?: boolean;
}

export interface RestoreSnapshot {
  readonly recreateDeploymentsEnvs: boolean;
  readonly force: boolean;
  readonly restoreCertificates?: boolean;
  /** Only together with restoreCertificates (the manager answers 400 otherwise). */
  readonly noReboot?: boolean;
  readonly ignorePluginFailure?: boolean;
  /** Seconds the manager allows the restore. */
  readonly timeout?: number;
}

/** An upload named an existing snapshot: refused, nothing sent, the existing one untouched. */
export class SnapshotExistsError extends CloudifyError {
  constructor(readonly existing: Snapshot) {
    super(`Cloudify snapshot ${existing.id} already exists; an upload does not replace it (delete it first or upload under a new id). Nothing was sent`, "SnapshotExistsError");
  }
}

/** `/snapshots` and `/snapshot-status`. Track the returned executions with ExecutionsApi.waitForSuccess. */
export class SnapshotsApi {
  constructor(
    private readonly rest: CloudifyRest,
    private readonly executions: ExecutionsApi,
    private readonly manager: ManagerApi,
  ) {}

  /**
   * Starts `create_snapshot`; returns its execution (201). An existing id answers 409. After a dropped connection or
   * 5xx, a snapshot row that appeared meanwhile is taken as this request's and its execution is returned. Where the
   * manager offers two archive formats (7.0+), the legacy one is asked for: it is the one every supported version restores.
   */
  async create(id: string, request: CreateSnapshot = {}): Promise<Execution> {
    const profile = await this.manager.profile();
    return this.rest.call<Execution>({
      method: "PUT",
      path: objectPath("snapshots", id),
      json: {
        ...(profile.snapshotMetrics ? { include_metrics: request.includeMetrics ?? false } : {}),
        include_credentials: request.includeCredentials ?? true,
        include_logs: request.includeLogs ?? true,
        include_events: request.includeEvents ?? true,
        queue: request.queue ?? false,
        ...(profile.snapshotFormatChoice ? { legacy: true } : {}),
      },
      expect: [201],
      idempotent: false,
      reconcile: async () => {
        if (!(await this.get(id))) return undefined;
        const creations = await this.executions.list({ workflowId: "create_snapshot", includeSystem: true });
        return creations.reverse().find((e) => e.parameters?.snapshot_id === id);
      },
    });
  }

  async get(id: string): Promise<Snapshot | undefined> {
    try {
      return await this.rest.call<Snapshot>({ method: "GET", path: objectPath("snapshots", id), expect: [200] });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Streams the archive to `file` (complete or not at all); returns its size. A failed snapshot → 400 `snapshot_action_error`. */
  download(id: string, file: string): Promise<number> {
    return this.rest.download({ method: "GET", path: objectPath("snapshots", id, "archive"), expect: [200] }, toFile(file));
  }

  /**
   * Streams `file` from disk as snapshot `id` (201, status `uploaded`). An existing id is refused before anything is sent
   * (SnapshotExistsError): a 7.0 manager would write the upload over that snapshot's archive and only then answer 409.
   * After a dropped connection or 5xx, an `uploaded` snapshot of this id that appeared meanwhile is taken as this upload.
   */
  async upload(id: string, file: string): Promise<Snapshot> {
    const existing = await this.get(id);
    if (existing) throw new SnapshotExistsError(existing);
    return this.rest.call<Snapshot>({
      method: "PUT",
      path: objectPath("snapshots", id, "archive"),
      uploadFile: file,
      expect: [201],
      idempotent: false,
      reconcile: async () => {
        const snapshot = await this.get(id);
        return snapshot?.status === "uploaded" ? snapshot : undefined;
      },
    });
  }

  /**
   * Starts `restore_snapshot` (200). POST is not idempotent: after an ambiguous failure, a restore execution that did
   * not exist before is adopted instead of starting another. It is not told by its snapshot id: a finished restore puts
   * its own execution back without parameters (and the snapshot row is gone), so any new restore execution is this one.
   */
  async restore(id: string, request: RestoreSnapshot): Promise<Execution> {
    const profile = await this.manager.profile();
    if (!request.recreateDeploymentsEnvs) requireCapability(profile, "restoreDeploymentEnvsChoice", "a restore without deployment environments");
    const restores = (): Promise<Execution[]> => this.executions.list({ workflowId: "restore_snapshot", includeSystem: true });
    const before = new Set((await restores()).map((e) => e.id));
    return this.rest.call<Execution>({
      method: "POST",
      path: objectPath("snapshots", id, "restore"),
      json: {
        ...(profile.restoreDeploymentEnvsChoice ? { recreate_deployments_envs: request.recreateDeploymentsEnvs } : {}),
        force: request.force,
        restore_certificates: request.restoreCertificates ?? false,
        no_reboot: request.noReboot ?? false,
        ignore_plugin_failure: request.ignorePluginFailure ?? false,
        timeout: request.timeout ?? 300,
      },
      expect: [200],
      reconcile: async () => (await restores()).find((e) => !before.has(e.id)),
    });
  }

  /** 5.0.5+: whether a restore is running (unauthenticated endpoint). */
  async restoreRunning(): Promise<boolean> {
    const answer = await this.rest.call<{ status: string }>({ method: "GET", path: "/snapshot-status", expect: [200] });
    return answer.status === "running";
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.rest.call({ method: "DELETE", path: objectPath("snapshots", id), expect: [200] });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

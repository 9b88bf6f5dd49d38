import { copyFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fail, ManagerError, parseBoolean, requireField, timestamp, validateId } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import { restoreSnapshot, writeSnapshot } from "../snapshot-archive";
import { present, type ExecutionRecord, type SnapshotRecord } from "../state";
import { receiveArchive } from "./common";

const FIELDS = ["id", "created_at", "status", "error", "visibility", "tenant_name", "created_by"];
const RESTORABLE = ["created", "uploaded"];

let restoreCounter = 0;

/** /snapshots: create and restore run as system executions; archives stream in and out. */
export function snapshotRoutes(d: DoubleContext): Route[] {
  const view = (snapshot: SnapshotRecord): Record<string, unknown> => present(snapshot, ["archiveFile"]);
  const find = (id: string): SnapshotRecord => {
    const snapshot = d.state.snapshots.get(id);
    if (!snapshot) throw fail.notFound("Snapshot", id);
    return snapshot;
  };
  const newSnapshot = (id: string, tenant: string, user: string, status: SnapshotRecord["status"], archiveFile: string | null): SnapshotRecord => ({
    id,
    created_at: timestamp(),
    status,
    error: null,
    visibility: "private",
    tenant_name: tenant,
    created_by: user,
    archiveFile,
  });

  return [
    {
      method: "PUT",
      pattern: "/snapshots/:id",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const { id } = ctx.params;
        validateId(id, "snapshot_id");
        if (d.state.snapshots.has(id)) throw fail.conflict("Snapshot", id, ctx.tenant);
        const parameters = {
          snapshot_id: id,
          include_credentials: parseBoolean(body.include_credentials, "include_credentials", true),
          include_logs: parseBoolean(body.include_logs, "include_logs", true),
          include_events: parseBoolean(body.include_events, "include_events", true),
          // Only 4.x managers read include_metrics (InfluxDB went away in 5.0).
          ...(d.features.clusterApi ? { include_metrics: parseBoolean(body.include_metrics, "include_metrics", false) } : {}),
          config: {},
        };
        parseBoolean(body.queue, "queue", false);
        // resources_v2/snapshots.py put @7.0.4 reads `legacy`, false unless sent: without it a 7.0 manager writes the new format.
        const format = d.features.snapshotFormats && !parseBoolean(body.legacy, "legacy", false) ? "entities" : "legacy";
        const snapshot = newSnapshot(id, ctx.tenant, ctx.user, "creating", null);
        d.state.snapshots.set(id, snapshot);
        const execution: ExecutionRecord = d.engine.run(
          { workflowId: "create_snapshot", deploymentId: null, blueprintId: null, parameters: { ...parameters, ...(d.features.snapshotFormats ? { legacy: format === "legacy" } : {}) }, isSystem: true, tenant: ctx.tenant, user: ctx.user, visibility: "private" },
          {
            onSuccess: async () => {
              const file = join(d.dir, `snapshot-${id}.zip`);
              await writeSnapshot(d.state, file, d.features.version, format, execution.id);
              Object.assign(snapshot, { archiveFile: file, status: "created" });
            },
            onEnd: (e) => {
              if (e.status !== "terminated") Object.assign(snapshot, { status: "failed", error: e.error });
            },
          },
        );
        return { status: 201, json: execution };
      },
    },
    {
      method: "GET",
      pattern: "/snapshots/:id",
      handler: async (ctx) => ({ status: 200, json: view(find(ctx.params.id)) }),
    },
    {
      method: "GET",
      pattern: "/snapshots",
      handler: async (ctx) => listReply([...d.state.snapshots.values()].map(view), ctx.query, FIELDS, { searchField: "id" }),
    },
    {
      method: "GET",
      pattern: "/snapshots/:id/archive",
      handler: async (ctx) => {
        const snapshot = find(ctx.params.id);
        if (!RESTORABLE.includes(snapshot.status) || snapshot.archiveFile === null) {
          throw new ManagerError(400, "snapshot_action_error", `Snapshot ${snapshot.id} is ${snapshot.status}; only created or uploaded snapshots can be downloaded`);
        }
        return { status: 200, file: snapshot.archiveFile, filename: `${snapshot.id}.zip` };
      },
    },
    {
      method: "PUT",
      pattern: "/snapshots/:id/archive",
      handler: async (ctx) => {
        const { id } = ctx.params;
        validateId(id, "snapshot_id");
        const existing = d.state.snapshots.get(id);
        if (existing && !d.features.snapshotUploadOverwritesArchive) throw fail.conflict("Snapshot", id, ctx.tenant);
        const file = await receiveArchive(d, ctx, "snapshot_archive_url");
        if (existing) {
          if (existing.archiveFile !== null) await copyFile(file, existing.archiveFile);
          throw fail.conflict("Snapshot", id, ctx.tenant);
        }
        // The row appears only once the whole archive arrived.
        if (d.state.snapshots.has(id)) throw fail.conflict("Snapshot", id, ctx.tenant);
        const snapshot = newSnapshot(id, ctx.tenant, ctx.user, "uploaded", file);
        d.state.snapshots.set(id, snapshot);
        return { status: 201, json: view(snapshot) };
      },
    },
    {
      method: "POST",
      pattern: "/snapshots/:id/restore",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        for (const field of d.features.restoreRequires) requireField(body, field);
        const recreate = d.features.restoreRequires.includes("recreate_deployments_envs")
          ? parseBoolean(body.recreate_deployments_envs, "recreate_deployments_envs", false)
          : true;
        const force = parseBoolean(body.force, "force", false);
        const restoreCertificates = parseBoolean(body.restore_certificates, "restore_certificates", false);
        const noReboot = parseBoolean(body.no_reboot, "no_reboot", false);
        if (noReboot && !restoreCertificates) throw fail.badParameters("`no_reboot` is only relevant when `restore_certificates` is set");
        const snapshot = find(ctx.params.id);
        if (!RESTORABLE.includes(snapshot.status) || snapshot.archiveFile === null) {
          throw new ManagerError(400, "snapshot_action_error", `Snapshot ${snapshot.id} is ${snapshot.status} and cannot be restored`);
        }
        const archive = snapshot.archiveFile;
        d.state.restoring = true;
        const execution = d.engine.run(
          {
            workflowId: "restore_snapshot",
            deploymentId: null,
            blueprintId: null,
            parameters: {
              snapshot_id: snapshot.id,
              recreate_deployments_envs: recreate,
              force,
              restore_certificates: restoreCertificates,
              no_reboot: noReboot,
              ignore_plugin_failure: parseBoolean(body.ignore_plugin_failure, "ignore_plugin_failure", false),
              timeout: body.timeout ?? 300,
            },
            isSystem: true,
            tenant: ctx.tenant,
            user: ctx.user,
            visibility: "private",
          },
          {
            onSuccess: () =>
              restoreSnapshot(d.state, archive, join(d.dir, `restored-${++restoreCounter}`), execution, {
                version: d.features.version,
                knowsEntitiesFormat: d.features.snapshotFormats,
                force,
              }),
            onEnd: () => (d.state.restoring = false),
          },
        );
        // The manager marshals the execution with the snapshot's fields.
        return { status: 200, json: Object.fromEntries(FIELDS.map((f) => [f, (execution as unknown as Record<string, unknown>)[f] ?? null])) };
      },
    },
    {
      method: "DELETE",
      pattern: "/snapshots/:id",
      handler: async (ctx) => {
        const snapshot = find(ctx.params.id);
        d.state.snapshots.delete(snapshot.id);
        if (snapshot.archiveFile !== null) await rm(snapshot.archiveFile, { force: true });
        return { status: 200, json: view(snapshot) };
      },
    },
  ];
}

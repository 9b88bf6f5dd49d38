import { createWriteStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { extractArchive } from "./archive-reader";
import { compareVersion } from "./options";
import type { BlueprintRecord, DeploymentRecord, DoubleState, ExecutionRecord, NodeInstanceRecord, PluginRecord, SecretRecord, TenantRecord } from "./state";

/** What a double's snapshot holds: the tables a restore brings back, and the files they point to. */
interface SnapshotContent {
  readonly format: "cloudify-double-snapshot/1";
  /** The version of the manager that wrote it (the real archive's metadata.json). */
  readonly version: string;
  readonly tenants: TenantRecord[];
  readonly secrets: SecretRecord[];
  readonly plugins: PluginRecord[];
  readonly blueprints: BlueprintRecord[];
  readonly deployments: DeploymentRecord[];
  readonly nodeInstances: NodeInstanceRecord[];
}

/**
 * Which snapshots a manager restores (SnapshotRestoreValidator.validate, snapshot_restore.py @5.1.0, 6.4.0, 7.0.0, and
 * alike before): none newer than itself, none older than 4.0.0; anything from 4.0.0 up to its own version directly.
 */
function validateSnapshotVersion(snapshot: string, manager: string): void {
  if (compareVersion(snapshot, manager) > 0) {
    throw new Error(`NonRecoverableError: Cannot restore a newer manager's snapshot on this manager [${snapshot} > ${manager}]`);
  }
  if (compareVersion(snapshot, "4.0.0") < 0) throw new Error(`NonRecoverableError: Restoring snapshot from version ${snapshot} is not supported`);
}

/** Writes the state as a zip: `state.json` plus `files/<name>` for every stored wagon and blueprint archive. */
export async function writeSnapshot(state: DoubleState, file: string, version: string): Promise<void> {
  const zip = new ZipFile();
  const content: SnapshotContent = {
    format: "cloudify-double-snapshot/1",
    version,
    tenants: [...state.tenants.values()],
    secrets: state.secrets.all(),
    plugins: state.plugins.all().map((p) => ({ ...p, wagonFile: `files/${basename(p.wagonFile)}` })),
    blueprints: state.blueprints.all().map((b) => ({ ...b, archiveFile: `files/${basename(b.archiveFile)}` })),
    deployments: state.deployments.all(),
    nodeInstances: state.nodeInstances.all(),
  };
  zip.addBuffer(Buffer.from(JSON.stringify(content)), "state.json");
  for (const p of state.plugins.all()) zip.addFile(p.wagonFile, `files/${basename(p.wagonFile)}`);
  for (const b of state.blueprints.all()) zip.addFile(b.archiveFile, `files/${basename(b.archiveFile)}`);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file, { mode: 0o600 }));
}

/**
 * Replaces the tables with a snapshot's content; throws (failing the restore) when the archive is not one. Like the real
 * restore, every table is emptied first (executions and snapshots too), and the running restore's execution is put back
 * with its id and status but without its parameters (workflows/cloudify_system_workflows/snapshots/postgres.py
 * _get_execution_restore_query @4.3 … 5.2).
 */
export async function restoreSnapshot(state: DoubleState, archive: string, dir: string, current: ExecutionRecord, managerVersion: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  let content: SnapshotContent;
  try {
    await extractArchive(archive, dir);
    content = JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as SnapshotContent;
  } catch (error) {
    throw new Error(`Invalid snapshot archive: ${(error as Error).message}`);
  }
  if (content.format !== "cloudify-double-snapshot/1") throw new Error("Invalid snapshot archive: unknown format");
  validateSnapshotVersion(content.version, managerVersion);
  state.tenants.clear();
  for (const t of content.tenants) state.tenants.set(t.name, t);
  for (const table of [state.secrets, state.plugins, state.blueprints, state.deployments, state.executions, state.nodeInstances]) table.clear();
  state.snapshots.clear();
  current.parameters = {};
  state.executions.set(current.tenant_name, current.id, current);
  for (const s of content.secrets) state.secrets.set(s.tenant_name, s.key, s);
  for (const p of content.plugins) state.plugins.set(p.tenant_name, p.id, { ...p, wagonFile: join(dir, p.wagonFile) });
  for (const b of content.blueprints) state.blueprints.set(b.tenant_name, b.id, { ...b, archiveFile: join(dir, b.archiveFile) });
  for (const d of content.deployments) state.deployments.set(d.tenant_name, d.id, d);
  for (const ni of content.nodeInstances) state.nodeInstances.set(ni.tenant_name, ni.id, ni);
}

import { createWriteStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { extractArchive } from "./archive-reader";
import { compareVersion } from "./options";
import type { BlueprintRecord, DeploymentRecord, DoubleState, ExecutionRecord, NodeInstanceRecord, PluginRecord, SecretRecord, TenantRecord, TenantScoped, Visibility } from "./state";

/** What a double's snapshot holds: the tables a restore brings back, and the files they point to. */
interface SnapshotContent {
  readonly format: "cloudify-double-snapshot/1";
  readonly tenants: TenantRecord[];
  readonly secrets: SecretRecord[];
  readonly plugins: PluginRecord[];
  readonly blueprints: BlueprintRecord[];
  readonly deployments: DeploymentRecord[];
  readonly nodeInstances: NodeInstanceRecord[];
}

/**
 * The two archive layouts of a 7.0 manager (cloudify_system_workflows/snapshot.py create @7.0.4): "legacy", a database dump
 * whose metadata.json carries the schema revisions (snapshot_create_legacy.py; the only one before 7.0), and "entities",
 * a dump of every object through the REST API whose metadata.json has only the version and the execution id
 * (snapshot_create.py _dump_metadata). The double's payload is its own state.json in both.
 */
export type SnapshotFormat = "legacy" | "entities";

/** metadata.json (snapshots/constants.py @4.3 … 7.0.4: snapshot_version, schema_revision, …, execution_id). */
type SnapshotMetadata = Record<string, string>;

/** The schema keys whose presence makes an archive legacy (snapshot_restore.py _is_legacy_snapshot @7.0.4). */
const LEGACY_KEYS = ["schema_revision", "stage_schema_revision", "composer_schema_revision"];

/**
 * Which snapshots a legacy restore accepts (SnapshotRestoreValidator.validate, snapshot_restore.py @4.3, 5.1.0, 6.4.0,
 * 7.0.4): none newer than the manager, none older than 4.0.0; then, on a manager holding blueprints, only with force
 * (_assert_clean_db).
 */
function validateLegacyRestore(state: DoubleState, snapshot: string, manager: string, force: boolean): void {
  if (compareVersion(snapshot, manager) > 0) {
    throw new Error(`NonRecoverableError: Cannot restore a newer manager's snapshot on this manager [${snapshot} > ${manager}]`);
  }
  if (compareVersion(snapshot, "4.0.0") < 0) throw new Error(`NonRecoverableError: Restoring snapshot from version ${snapshot} is not supported`);
  if (!force && state.blueprints.all().length > 0) {
    throw new Error("NonRecoverableError: Snapshot restoration on a non-empty manager is not permitted. Pass the --force flag to force the restore and delete existing data from the manager");
  }
}

/**
 * Writes the state as a zip: `metadata.json` as the manager of `version` writes it in `format`, `state.json`, and
 * `files/<name>` for every stored wagon and blueprint archive.
 */
export async function writeSnapshot(state: DoubleState, file: string, version: string, format: SnapshotFormat, executionId: string): Promise<void> {
  const zip = new ZipFile();
  const metadata: SnapshotMetadata =
    format === "legacy"
      ? { snapshot_version: version, schema_revision: "double", stage_schema_revision: "double", composer_schema_revision: "double" }
      : { snapshot_version: version, execution_id: executionId };
  zip.addBuffer(Buffer.from(JSON.stringify(metadata)), "metadata.json");
  const content: SnapshotContent = {
    format: "cloudify-double-snapshot/1",
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
 * Restores an archive; throws (failing the restore) when the archive is not one or is refused. A legacy archive (every
 * archive on a manager before 7.0, which knows no other) replaces the tables: like the real restore, every table is
 * emptied first (executions and snapshots too), and the running restore's execution is put back with its id and status
 * but without its parameters (workflows/cloudify_system_workflows/snapshots/postgres.py _get_execution_restore_query
 * @4.3 … 5.2). A 7.0 "entities" archive is restored object by object through the REST API (snapshot_restore.py
 * _new_restore @7.0.4): no version or clean-manager check, nothing emptied, and an object whose id exists already is
 * skipped with an error in the log only (cloudify-common rest_client restore methods @7.0.4).
 */
export async function restoreSnapshot(
  state: DoubleState,
  archive: string,
  dir: string,
  current: ExecutionRecord,
  manager: { readonly version: string; readonly knowsEntitiesFormat: boolean; readonly force: boolean },
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  let content: SnapshotContent;
  let metadata: SnapshotMetadata;
  try {
    await extractArchive(archive, dir);
    metadata = JSON.parse(await readFile(join(dir, "metadata.json"), "utf8")) as SnapshotMetadata;
    content = JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as SnapshotContent;
  } catch (error) {
    throw new Error(`Invalid snapshot archive: ${(error as Error).message}`);
  }
  if (content.format !== "cloudify-double-snapshot/1") throw new Error("Invalid snapshot archive: unknown format");
  const plugin = (p: PluginRecord): PluginRecord => ({ ...p, wagonFile: join(dir, p.wagonFile) });
  const blueprint = (b: BlueprintRecord): BlueprintRecord => ({ ...b, archiveFile: join(dir, b.archiveFile) });
  if (manager.knowsEntitiesFormat && !LEGACY_KEYS.every((key) => key in metadata)) {
    for (const t of content.tenants) if (!state.tenants.has(t.name)) state.tenants.set(t.name, t);
    const add = <T extends { tenant_name: string; visibility: Visibility }>(table: TenantScoped<T>, records: T[], id: (r: T) => string): void => {
      for (const r of records) if (table.get(r.tenant_name, id(r)) === undefined) table.set(r.tenant_name, id(r), r);
    };
    add(state.secrets, content.secrets, (s) => s.key);
    add(state.plugins, content.plugins.map(plugin), (p) => p.id);
    add(state.blueprints, content.blueprints.map(blueprint), (b) => b.id);
    add(state.deployments, content.deployments, (d) => d.id);
    add(state.nodeInstances, content.nodeInstances, (ni) => ni.id);
    return;
  }
  validateLegacyRestore(state, metadata.snapshot_version ?? "", manager.version, manager.force);
  state.tenants.clear();
  for (const t of content.tenants) state.tenants.set(t.name, t);
  for (const table of [state.secrets, state.plugins, state.blueprints, state.deployments, state.executions, state.nodeInstances]) table.clear();
  state.snapshots.clear();
  current.parameters = {};
  state.executions.set(current.tenant_name, current.id, current);
  for (const s of content.secrets) state.secrets.set(s.tenant_name, s.key, s);
  for (const p of content.plugins) state.plugins.set(p.tenant_name, p.id, plugin(p));
  for (const b of content.blueprints) state.blueprints.set(b.tenant_name, b.id, blueprint(b));
  for (const d of content.deployments) state.deployments.set(d.tenant_name, d.id, d);
  for (const ni of content.nodeInstances) state.nodeInstances.set(ni.tenant_name, ni.id, ni);
}

import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBackupProvider } from "../../components/cloudify/day2/backup-provider";
import { defaultSnapshotId } from "../../components/cloudify/day2/snapshot-ids";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild } from "../cloudify/engine";
import { FAST_TUNING } from "../cloudify/fixtures";

/** cloudify:Backup, serialized and rebuilt as the engine does, against the HTTPS double (a 4.x manager, which reads include_metrics). */
let d: CloudifyDouble;
let engine: EngineDriver;
const scratch = mkdtempSync(join(tmpdir(), "cmom-backup-"));
let dirs = 0;
const freshDir = () => join(scratch, `backups-${++dirs}`);
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const archiveOf = (id: string) => d.state.snapshots.get(id)!.archiveFile!;
const inputs = (dir: string, extra: Record<string, unknown> = {}) => ({ connection: d.connection(), dir, trigger: "t1", ...extra });

beforeAll(async () => {
  d = await startCloudifyDouble({ version: "4.6", nodes: 2, workflowDurationMs: 10 });
  engine = new EngineDriver((await rebuild(createBackupProvider(FAST_TUNING))).provider);
  // Some tables to back up.
  d.state.secrets.set("default_tenant", "k", { key: "k", value: "v", visibility: "tenant", is_hidden_value: false, tenant_name: "default_tenant", created_by: "admin", created_at: "", updated_at: "" });
});
afterEach(() => d.faults.clear());
afterAll(async () => {
  await d.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("cloudify:Backup", () => {
  it("creates the snapshot on the leader with the include flags and saves it byte for byte, 0600 in a 0700 dir, with its sha256", async () => {
    d.setLeader(1);
    try {
      const dir = freshDir();
      const state = await engine.create(inputs(dir, { snapshotId: "nightly", includeMetrics: true, includeLogs: false }));
      const archive = state.outs.archive as Record<string, unknown>;
      expect(state.id).toBe("nightly");
      expect(archive).toMatchObject({ snapshotId: "nightly", file: join(dir, "nightly.zip"), sizeBytes: statSync(archiveOf("nightly")).size });
      expect(readFileSync(join(dir, "nightly.zip")).equals(readFileSync(archiveOf("nightly")))).toBe(true);
      expect(archive.sha256).toBe(sha256(archiveOf("nightly")));
      expect(statSync(join(dir, "nightly.zip")).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir)).toEqual(["nightly.zip"]);
      const creation = d.state.executions.all().find((e) => e.workflow_id === "create_snapshot" && e.parameters.snapshot_id === "nightly")!;
      expect(creation.parameters).toMatchObject({ include_metrics: true, include_credentials: true, include_logs: false, include_events: true });
      expect(d.requests.filter((r) => r.method === "PUT" && r.path === "/snapshots/nightly").map((r) => r.node)).toContain(1);
    } finally {
      d.setLeader(0);
    }
  });

  it("names the backup snap_YYYY_MM_DD_HH_MM_SS (UTC) of the moment it is taken, by default", async () => {
    expect(defaultSnapshotId(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("snap_2026_01_02_03_04_05");
    const before = defaultSnapshotId(new Date());
    const state = await engine.create(inputs(freshDir()));
    const after = defaultSnapshotId(new Date());
    expect(state.id).toMatch(/^snap_\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}$/);
    expect(state.id >= before && state.id <= after).toBe(true);
    expect((state.outs.archive as { file: string }).file.endsWith(`${state.id}.zip`)).toBe(true);
  });

  it("fails with the snapshot's error when the manager fails to create it, and leaves no file", async () => {
    d.scriptWorkflow("create_snapshot", { error: "No space left on device" });
    const dir = freshDir();
    await expect(engine.create(inputs(dir, { snapshotId: "doomed" }))).rejects.toThrow(/snapshot doomed failed: No space left on device/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it("never overwrites an existing file, and then asks nothing of the manager", async () => {
    const dir = freshDir();
    await engine.create(inputs(dir, { snapshotId: "keep" }));
    writeFileSync(join(dir, "other.zip"), "precious");
    const sent = d.requests.length;
    await expect(engine.create(inputs(dir, { snapshotId: "other" }))).rejects.toThrow(/other\.zip already exists and is never overwritten/);
    expect(readFileSync(join(dir, "other.zip"), "utf8")).toBe("precious");
    expect(d.requests.slice(sent)).toEqual([]);
  });

  it("retries a download cut mid-stream from the start, and the file is still exact", async () => {
    d.faults.inject({ method: "GET", path: "/snapshots/cut-once/archive", action: { kind: "drop-mid-download" } });
    const dir = freshDir();
    const state = await engine.create(inputs(dir, { snapshotId: "cut-once" }));
    expect((state.outs.archive as { sha256: string }).sha256).toBe(sha256(archiveOf("cut-once")));
    expect(readdirSync(dir)).toEqual(["cut-once.zip"]);
  });

  it("leaves no file (final or temporary) when every download is cut, and a rerun completes with the same snapshot", async () => {
    d.faults.inject({ method: "GET", path: "/snapshots/flaky/archive", times: Infinity, action: { kind: "drop-mid-download" } });
    const dir = freshDir();
    await expect(engine.create(inputs(dir, { snapshotId: "flaky" }))).rejects.toThrow(/flaky\/archive/);
    expect(readdirSync(dir)).toEqual([]);
    d.faults.clear();
    const state = await engine.create(inputs(dir, { snapshotId: "flaky" }));
    expect(readdirSync(dir)).toEqual(["flaky.zip"]);
    expect((state.outs.archive as { sha256: string }).sha256).toBe(sha256(archiveOf("flaky")));
    expect(d.state.executions.all().filter((e) => e.workflow_id === "create_snapshot" && e.parameters.snapshot_id === "flaky")).toHaveLength(1);
  });

  it("takes a new backup only for a new trigger, id or content; a new dir or timeout keeps the one taken", async () => {
    const dir = freshDir();
    const state = await engine.create(inputs(dir, { snapshotId: "diffed" }));
    expect((await engine.plan(state, inputs(dir, { snapshotId: "diffed" }))).diff).toMatchObject({ changes: false, replaces: [] });
    const unnamed = await engine.create(inputs(dir));
    expect((await engine.plan(unnamed, inputs(dir, { trigger: "t2" }))).diff.replaces).toEqual(["trigger"]);
    expect((await engine.plan(state, inputs(dir, { snapshotId: "again" }))).diff.replaces).toEqual(["snapshotId"]);
    expect((await engine.plan(state, inputs(dir, { snapshotId: "diffed", includeEvents: false }))).diff.replaces).toEqual(["includeEvents"]);
    const moved = await engine.plan(state, inputs(freshDir(), { snapshotId: "diffed", timeout: 60 }));
    expect(moved.diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await engine.update(state, moved.inputs);
    expect(updated.outs.archive).toEqual(state.outs.archive);
    expect(updated.outs.timeout).toBe(60);
  });

  it("refuses a new trigger that keeps a fixed snapshotId, before anything is asked of the manager (it would save the old backup again)", async () => {
    const dir = freshDir();
    const state = await engine.create(inputs(dir, { snapshotId: "fixed" }));
    const sent = d.requests.length;
    const failures = await engine.provider.check(state.inputs, { ...inputs(dir, { snapshotId: "fixed", trigger: "t2" }) });
    expect(failures.failures).toEqual([{ property: "snapshotId", reason: expect.stringMatching(/fixed names the backup trigger "t1" took; a new trigger takes a new backup/) }]);
    expect(d.requests.slice(sent)).toEqual([]);
  });

  it("keeps the file when the resource is deleted", async () => {
    const dir = freshDir();
    const state = await engine.create(inputs(dir, { snapshotId: "kept" }));
    await engine.delete(state);
    expect(sha256(join(dir, "kept.zip"))).toBe((state.outs.archive as { sha256: string }).sha256);
  });

  it("check names every bad input", async () => {
    const failures = await engine.checkFailures({ connection: { ...d.connection(), caCert: "nope" }, dir: "relative/dir", snapshotId: "1st", trigger: "", timeout: 0 });
    expect(failures.map((f) => f.property).sort()).toEqual(["connection.caCert", "dir", "snapshotId", "timeout", "trigger"]);
  });
});

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackupProvider } from "../../components/cloudify/day2/backup-provider";
import { createClusterStatusProvider } from "../../components/cloudify/day2/cluster-status-provider";
import { createSnapshotRestoreProvider } from "../../components/cloudify/day2/snapshot-restore-provider";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { DOUBLE_PROFILES, featuresOf } from "../doubles/cloudify/options";
import { seedDeployment } from "../doubles/cloudify/seeds";
import { EngineDriver, rebuild } from "../cloudify/engine";
import { FAST_TUNING } from "../cloudify/fixtures";

/**
 * The day-2 resources (status, backup, restore with agents) on every supported release line: each rebuilt as the engine
 * does, against a double of that version. A backup of one manager is restored into a fresh one of the same version.
 */
const scratch = mkdtempSync(join(tmpdir(), "cmom-day2-profiles-"));
let status: EngineDriver;
let backup: EngineDriver;
let restore: EngineDriver;

beforeAll(async () => {
  status = new EngineDriver((await rebuild(createClusterStatusProvider({ ...FAST_TUNING, maxAttempts: 2 }))).provider);
  backup = new EngineDriver((await rebuild(createBackupProvider(FAST_TUNING))).provider);
  restore = new EngineDriver((await rebuild(createSnapshotRestoreProvider(FAST_TUNING))).provider);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(DOUBLE_PROFILES)("day 2 on Cloudify %s", (version) => {
  const doubles: CloudifyDouble[] = [];
  const double = async (nodes = 1): Promise<CloudifyDouble> => {
    const d = await startCloudifyDouble({ version, nodes, workflowDurationMs: 5 });
    doubles.push(d);
    return d;
  };
  afterAll(async () => {
    await Promise.all(doubles.map((d) => d.close()));
  });

  it("reads the cluster's status and members with what the version has, and changes nothing", async () => {
    const d = await double(2);
    const state = await status.create({ connection: d.connection() });
    const value = state.outs.clusterStatus as { leaderStatus: unknown[]; clusterStatus: { name: string }[]; error: string | null };
    expect(value.error).toBeNull();
    expect(value.leaderStatus.length).toBeGreaterThan(0);
    expect(value.clusterStatus.map((m) => m.name)).toEqual(["manager-0", "manager-1"]);
    expect(d.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("backs up, and restores into a new manager that then passes its health check and gets new agents", async () => {
    const source = await double();
    seedDeployment(source, "default_tenant", "web");
    const dir = join(scratch, version);
    const taken = await backup.create({ connection: source.connection(), dir, snapshotId: "nightly", trigger: "t1" });
    expect(readdirSync(dir)).toEqual(["nightly.zip"]);

    const target = await double();
    const state = await restore.create({ connection: target.connection(), snapshotPath: (taken.outs.archive as { file: string }).file });
    expect((state.outs.restored as { agents: { deploymentId: string }[] }).agents.map((a) => a.deploymentId)).toEqual(["web"]);
    const healthPath = featuresOf({ version }).okEndpoint ? "/ok" : "/status";
    expect(target.requests.some((r) => r.path === healthPath)).toBe(true);
  });
});

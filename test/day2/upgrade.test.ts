// The upgrade from a 4.x cluster into a 7.0 cluster: back up the 4.x stack, create the 7.0 stack with cmom:restore.fromStack.
// Every 5.1 … 7.0 manager restores a snapshot of 4.0.0 or later directly (SnapshotRestoreValidator.validate,
// snapshot_restore.py @5.1.0, 6.4.0, 7.0.0): no intermediate version is needed; a newer snapshot is refused.
import * as path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackupProvider } from "../../components/cloudify/day2/backup-provider";
import { observeCluster } from "../../components/cloudify/day2/cluster-status-read";
import { createSnapshotRestoreProvider } from "../../components/cloudify/day2/snapshot-restore-provider";
import { restoreArchivePath } from "../../components/day2/cluster-day2";
import { revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { EngineDriver, rebuild } from "../cloudify/engine";
import { FAST_TUNING } from "../cloudify/fixtures";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { seedDeployment, seedHost } from "../doubles/cloudify/seeds";
import { exampleNamespaces } from "../support/exampleStacks";
import { parse } from "../support/parseConfig";
import { named, transitiveDependencies } from "../support/resources";
import { runProgram } from "../support/runProgram";

const scratch = mkdtempSync(path.join(tmpdir(), "cmom-upgrade-"));
const doubles: CloudifyDouble[] = [];
let backup: EngineDriver;
let restore: EngineDriver;
let old: CloudifyDouble;
let archiveFile: string;

async function double(version: string, tenants: string[] = []): Promise<CloudifyDouble> {
  const d = await startCloudifyDouble({ version, tenants, workflowDurationMs: 5 });
  doubles.push(d);
  return d;
}
const agentRuns = (d: CloudifyDouble) => d.state.executions.all().filter((e) => e.workflow_id === "install_new_agents").map((e) => `${e.tenant_name}/${e.deployment_id}`).sort();

beforeAll(async () => {
  backup = new EngineDriver((await rebuild(createBackupProvider(FAST_TUNING))).provider);
  restore = new EngineDriver((await rebuild(createSnapshotRestoreProvider(FAST_TUNING))).provider);
  // The 4.x cluster's content: deployments in two tenants, their hosts started (agents are reinstalled for those).
  old = await double("4.6", ["ops"]);
  for (const [tenant, id] of [["default_tenant", "web"], ["ops", "db"]] as const) {
    seedDeployment(old, tenant, id);
    seedHost(old, tenant, id, `vm_${id}`, "started");
  }
  // `npm run backup` on the 4.x stack: cloudify:Backup into its backup directory (snapshots/<stack> by default).
  const state = await backup.create({ connection: old.connection(), dir: path.join(scratch, "snapshots", "eu-old"), trigger: "upgrade", snapshotId: "before_upgrade" });
  archiveFile = (state.outs.archive as { file: string }).file;
});
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  rmSync(scratch, { recursive: true, force: true });
});

describe("4.6 → 7.0 through a snapshot", () => {
  it("the backup lands where cmom:restore.fromStack looks for it: snapshots/<stack>/<snapshotId>.zip", () => {
    expect(path.basename(archiveFile)).toBe("before_upgrade.zip");
    const ns = structuredClone(exampleNamespaces("hosts")) as Record<string, any>;
    expect(parse(ns).backup.dir).toBe(path.join("snapshots", "teststack"));
    expect(restoreArchivePath({ fromStack: "eu-old", snapshotId: "before_upgrade" } as never)).toBe(path.resolve("snapshots/eu-old/before_upgrade.zip"));
  });

  it("a 7.0 manager restores the 4.6 snapshot directly, then gets new agents for every installed deployment, and reports its status", async () => {
    const fresh = await double("7.0");
    await restore.create({ connection: fresh.connection(), snapshotPath: archiveFile });
    expect(fresh.state.deployments.all().map((d) => `${d.tenant_name}/${d.id}`).sort()).toEqual(["default_tenant/web", "ops/db"]);
    expect(agentRuns(fresh)).toEqual(["default_tenant/web", "ops/db"]);
    const { status } = await observeCluster(fresh.connection(), FAST_TUNING);
    expect(status.error).toBeNull();
    expect(status.leaderStatus.length).toBeGreaterThan(0);
    expect(status.leaderStatus.filter((s) => s.status !== "Active"), JSON.stringify(status.leaderStatus)).toEqual([]);
  });

  it("the other way is refused before anything is uploaded, naming both versions, as every manager refuses a newer snapshot", async () => {
    const newer = await double("7.0");
    seedDeployment(newer, "default_tenant", "app");
    const state = await backup.create({ connection: newer.connection(), dir: path.join(scratch, "snapshots", "new"), trigger: "t", snapshotId: "from_7" });
    const older = await double("4.6");
    await expect(restore.create({ connection: older.connection(), snapshotPath: (state.outs.archive as { file: string }).file }))
      .rejects.toThrow(/the snapshot comes from Cloudify Manager 7\.0, newer than this manager \(4\.6\).*onto a 7\.0 or later manager\. Nothing was uploaded/);
    expect(older.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });
});

describe("a 7.0 stack restoring a 4.x stack's backup, in the plan", async () => {
  const ns = structuredClone(exampleNamespaces("modern-split")) as Record<string, any>;
  ns.restore = { fromStack: "eu-old", snapshotId: "before_upgrade" };
  ns.backup = { trigger: "after-upgrade" };
  const { resources } = await runProgram(ns);
  const urn = (name: string) => named(resources, name).urn;
  const endpointsOf = (r: RecordedResource) => (revealSecrets(r.inputs.connection) as { endpoints: string[] }).endpoints;
  const managerAddresses = ns.hosts.slice(6).map((h: { address: string }) => `https://${h.address}`);

  it("restores through the first manager once every manager is installed, and before any REST object", () => {
    const restoreStep = named(resources, "test-restore");
    expect(endpointsOf(restoreStep)).toEqual([managerAddresses[0]]);
    for (const m of [1, 2, 3]) expect(transitiveDependencies(resources, restoreStep.urn).has(urn(`test-install-node-${5 + m}-manager-${m}-install`))).toBe(true);
    expect(transitiveDependencies(resources, urn("test-resources-tenant-ops")).has(restoreStep.urn)).toBe(true);
  });

  it("backs up and reads status through the managers only", () => {
    expect(endpointsOf(named(resources, "test-backup"))).toEqual(managerAddresses);
  });
});

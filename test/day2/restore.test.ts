import { createHash } from "node:crypto";
import { copyFileSync, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZipFile } from "yazl";
import { CloudifyClient } from "../../components/cloudify/client";
import { CloudifyApiError } from "../../components/cloudify/client/errors";
import type { ManagerStatus } from "../../components/cloudify/client/types";
import { isHealthy } from "../../components/cloudify/day2/manager-health";
import { restoreRequest, waitUntilHealthy } from "../../components/cloudify/day2/restore-steps";
import { takeSnapshot } from "../../components/cloudify/day2/snapshot-create";
import { downloadSnapshot } from "../../components/cloudify/day2/snapshot-download";
import { readSnapshotMetadata } from "../../components/cloudify/day2/snapshot-metadata";
import { createSnapshotRestoreProvider } from "../../components/cloudify/day2/snapshot-restore-provider";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild } from "../cloudify/engine";
import { FAST_TUNING } from "../cloudify/fixtures";
import { seedDeployment } from "../doubles/cloudify/seeds";

/** cloudify:SnapshotRestore, serialized and rebuilt as the engine does: a backup of one double restored into new ones. */
const scratch = mkdtempSync(join(tmpdir(), "cmom-restore-"));
const doubles: CloudifyDouble[] = [];
let engine: EngineDriver;
let archive: string;
let sha: string;

async function double(options: Parameters<typeof startCloudifyDouble>[0] = {}): Promise<CloudifyDouble> {
  const d = await startCloudifyDouble({ workflowDurationMs: 5, ...options });
  doubles.push(d);
  return d;
}
const inputs = (d: CloudifyDouble, extra: Record<string, unknown> = {}) => ({ connection: d.connection(), snapshotPath: archive, ...extra });
const restoreExecutions = (d: CloudifyDouble) => d.state.executions.all().filter((e) => e.workflow_id === "restore_snapshot");
const agentRuns = (d: CloudifyDouble) =>
  d.state.executions.all().filter((e) => e.workflow_id === "install_new_agents").map((e) => `${e.tenant_name}/${e.deployment_id}`).sort();

beforeAll(async () => {
  engine = new EngineDriver((await rebuild(createSnapshotRestoreProvider(FAST_TUNING))).provider);
  // The old cluster: deployments in three tenants, one of them global.
  const source = await double({ version: "4.6", tenants: ["ops", "dev"] });
  seedDeployment(source, "default_tenant", "web");
  seedDeployment(source, "ops", "db");
  seedDeployment(source, "ops", "cache");
  seedDeployment(source, "dev", "shared", "global");
  const client = new CloudifyClient(source.connection(), FAST_TUNING);
  await takeSnapshot(client, "old", { includeMetrics: false, includeCredentials: true, includeLogs: true, includeEvents: true }, 5_000);
  archive = (await downloadSnapshot(client, "old", scratch)).file;
  sha = createHash("sha256").update(readFileSync(archive)).digest("hex");
});
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  rmSync(scratch, { recursive: true, force: true });
});

describe("cloudify:SnapshotRestore", () => {
  it("uploads under restore_<sha256 prefix>, restores, waits for health, then installs new agents once per deployment per tenant", async () => {
    const d = await double({ version: "4.6" });
    const state = await engine.create(inputs(d));
    const id = `restore_${sha.slice(0, 16)}`;
    expect(state.id).toBe(id);
    expect(state.inputs.sha256).toBe(sha);
    expect(d.requests.filter((r) => r.method === "PUT" && r.path === `/snapshots/${id}/archive`)).toHaveLength(1);
    expect(restoreExecutions(d)).toHaveLength(1);
    expect(restoreExecutions(d)[0]).toMatchObject({ status: "terminated" });
    // The restore emptied the snapshots table; the finished restore is recorded where only another restore erases it.
    expect(d.state.snapshots.size).toBe(0);
    expect(d.state.secrets.get("default_tenant", `cmom_restored_${id}`)).toMatchObject({ value: restoreExecutions(d)[0]!.id, visibility: "private" });
    // The restored manager holds the old cluster's deployments…
    expect(d.state.deployments.all().map((x) => `${x.tenant_name}/${x.id}`).sort()).toEqual(["default_tenant/web", "dev/shared", "ops/cache", "ops/db"]);
    // …and each got new agents exactly once, in its own tenant (the global one too, only in its tenant).
    expect(agentRuns(d)).toEqual(["default_tenant/web", "dev/shared", "ops/cache", "ops/db"]);
    expect(d.state.executions.all().filter((e) => e.workflow_id === "install_new_agents").every((e) => e.status === "terminated")).toBe(true);
    expect((state.outs.restored as { agents: unknown[] }).agents).toHaveLength(4);
    // The agents started only after three healthy answers in a row following the restore's end.
    const firstAgents = d.requests.findIndex((r) => r.method === "POST" && r.path === "/executions");
    const restorePolls = d.requests.map((r, i) => (i < firstAgents && r.path === `/executions/${restoreExecutions(d)[0]!.id}` ? i : -1));
    const lastRestorePoll = Math.max(...restorePolls);
    expect(d.requests.slice(lastRestorePoll, firstAgents).filter((r) => r.path === "/status").length).toBeGreaterThanOrEqual(3);
  });

  it("a rerun after the restore finished but its follow-up failed does not restore a second time (the restore erased its own traces)", async () => {
    const d = await double({ version: "4.6" });
    d.scriptWorkflow("install_new_agents", { error: "agent installation failed" });
    await expect(engine.create(inputs(d))).rejects.toThrow(/agent installation failed/);
    // What the restore left: no execution or snapshot naming the snapshot it restored.
    expect(d.state.executions.all().filter((e) => e.parameters.snapshot_id !== undefined)).toEqual([]);
    const state = await engine.create(inputs(d));
    expect(d.requests.filter((r) => r.method === "POST" && /^\/snapshots\/[^/]+\/restore$/.test(r.path))).toHaveLength(1);
    expect(d.requests.filter((r) => r.method === "PUT" && /^\/snapshots\/[^/]+\/archive$/.test(r.path))).toHaveLength(1);
    expect((state.outs.restored as { agents: unknown[] }).agents).toHaveLength(4);
  });

  it("refuses, before uploading anything, to restore onto a manager holding blueprints without params.force; with it, restores", async () => {
    const d = await double({ version: "5.1" });
    d.state.blueprints.set("default_tenant", "in-the-way", {
      id: "in-the-way", main_file_name: "blueprint.yaml", description: null, plan: null, visibility: "tenant", tenant_name: "default_tenant",
      created_by: "admin", created_at: "", updated_at: "", archiveFile: "",
    });
    await expect(engine.create(inputs(d, { transferAgents: false }))).rejects.toThrow(/already holds blueprints \(in-the-way…\).*params\.force: true.*Nothing was uploaded/);
    expect(d.requests.filter((r) => r.method !== "GET")).toEqual([]);
    await engine.create(inputs(d, { transferAgents: false, params: { force: true } }));
    expect(restoreExecutions(d)).toMatchObject([{ status: "terminated" }]);
  });

  it("rides out the 503s and dropped connections of a manager that restores and restarts", async () => {
    const d = await double({ version: "5.1", workflowDurationMs: 60 });
    // More failures in a row than one request's retries absorb: the follower keeps polling until its deadline.
    d.faults.inject({ method: "GET", path: /^\/executions\/[^/]+$/, times: 12, action: { kind: "status", status: 503, errorCode: "in_snapshot_restore_error" } });
    d.faults.inject({ method: "GET", path: "/status", times: 7, action: { kind: "drop-on-request" } });
    const state = await engine.create(inputs(d, { transferAgents: false }));
    expect(d.faults.take(0, "GET", "/status")).toBeUndefined();
    expect(restoreExecutions(d)[0]).toMatchObject({ status: "terminated" });
    expect(d.requests.some((r) => r.path === "/snapshot-status")).toBe(true);
    expect(agentRuns(d)).toEqual([]);
    expect((state.outs.restored as { agents: unknown[] }).agents).toEqual([]);
  });

  it("maps params to the restore body fields", async () => {
    expect(restoreRequest({ withoutDeploymentEnvs: false, force: false, restoreCertificates: false, noReboot: false }, 300)).toEqual({
      recreateDeploymentsEnvs: true, force: false, restoreCertificates: false, noReboot: false, timeout: 300,
    });
    const d = await double({ version: "4.6" });
    // Failed, so that the restore does not empty the executions table (and the parameters stay readable).
    d.scriptWorkflow("restore_snapshot", { error: "stop here" });
    const params = { withoutDeploymentEnvs: true, force: true, restoreCertificates: true, noReboot: true };
    await expect(engine.create(inputs(d, { transferAgents: false, params, timeout: 900 }))).rejects.toThrow(/stop here/);
    expect(restoreExecutions(d)[0]!.parameters).toMatchObject({ recreate_deployments_envs: false, force: true, restore_certificates: true, no_reboot: true, timeout: 900 });
  });

  it("fails with the execution's error when the restore fails, and runs no agents", async () => {
    const d = await double({ version: "4.6" });
    d.scriptWorkflow("restore_snapshot", { error: "Failed restoring snapshot: the manager is not clean" });
    await expect(engine.create(inputs(d))).rejects.toThrow(/restore_snapshot\) ended failed: Failed restoring snapshot: the manager is not clean/);
    expect(agentRuns(d)).toEqual([]);
  });

  it("happens once: a rerun with the same snapshot reuses the upload, the restore and the agents; later changes only record", async () => {
    const d = await double({ version: "4.6" });
    const state = await engine.create(inputs(d));
    // A rerun of create (as after a failure late in the first one) repeats nothing on the manager.
    await engine.create(inputs(d));
    expect(d.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/archive"))).toHaveLength(1);
    expect(restoreExecutions(d)).toHaveLength(1);
    expect(agentRuns(d)).toHaveLength(4);
    // Same snapshot, same settings: nothing to do. Other settings: an update that sends nothing.
    expect((await engine.plan(state, inputs(d))).diff).toMatchObject({ changes: false, replaces: [] });
    const planned = await engine.plan(state, inputs(d, { params: { force: true } }));
    expect(planned.diff).toMatchObject({ changes: true, replaces: [] });
    const sent = d.requests.length;
    const updated = await engine.update(state, planned.inputs);
    expect(d.requests.length).toBe(sent);
    expect(updated.outs.restored).toEqual(state.outs.restored);
  });

  it("reuses a snapshot an earlier attempt uploaded, and refuses another snapshot once one was restored", async () => {
    const d = await double({ version: "4.6" });
    const id = `restore_${sha.slice(0, 16)}`;
    await new CloudifyClient(d.connection(), FAST_TUNING).snapshots.upload(id, archive);
    const state = await engine.create(inputs(d, { transferAgents: false }));
    expect(d.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/archive"))).toHaveLength(1);

    const other = join(scratch, "other.zip");
    copyFileSync(archive, other);
    writeFileSync(other, "different bytes", { flag: "a" });
    const failures = await engine.provider.check(state.inputs, inputs(d, { snapshotPath: other }));
    expect(failures.failures).toEqual([{ property: "snapshotPath", reason: expect.stringMatching(/holds another snapshot .* a restore runs once/) }]);
    // Once restored, the archive may go away without failing later updates.
    const moved = join(scratch, "moved.zip");
    copyFileSync(archive, moved);
    const restoredFrom = await engine.create(inputs(d, { snapshotPath: moved, transferAgents: false }));
    rmSync(moved);
    expect((await engine.plan(restoredFrom, inputs(d, { snapshotPath: moved, transferAgents: false }))).diff.changes).toBe(false);
  });

  it("check names every bad input", async () => {
    const failures = await engine.checkFailures({ connection: { ...d0().connection(), endpoints: [] }, snapshotPath: "relative.zip", params: { noReboot: true }, timeout: -1 });
    expect(failures.map((f) => f.property).sort()).toEqual(["connection.endpoints", "params.noReboot", "snapshotPath", "timeout"]);
    const missing = await engine.checkFailures({ connection: d0().connection(), snapshotPath: join(scratch, "nope.zip") });
    expect(missing).toEqual([{ property: "snapshotPath", reason: expect.stringContaining("no such file") }]);
  });
});

const d0 = () => doubles[0]!;

/**
 * A 7.0 manager writes two archive formats (cloudify_system_workflows/snapshot.py create @7.0.4): the legacy database dump
 * when asked with `legacy` (as cmom asks), and otherwise the entities format, which a 7.0 manager on Kubernetes writes
 * whatever is asked. Their restores differ: the entities one adds to what the manager holds and checks nothing.
 */
describe("7.0 snapshots in both formats", () => {
  let legacyArchive: string;
  let entitiesArchive: string;
  const blueprintInTheWay = (d: CloudifyDouble) =>
    d.state.blueprints.set("default_tenant", "in-the-way", {
      id: "in-the-way", main_file_name: "blueprint.yaml", description: null, plan: null, visibility: "tenant", tenant_name: "default_tenant",
      created_by: "admin", created_at: "", updated_at: "", archiveFile: "",
    });
  beforeAll(async () => {
    const source = await double({ version: "7.0" });
    seedDeployment(source, "default_tenant", "web");
    const client = new CloudifyClient(source.connection(), FAST_TUNING);
    await takeSnapshot(client, "asked", { includeMetrics: false, includeCredentials: true, includeLogs: true, includeEvents: true }, 5_000);
    legacyArchive = (await downloadSnapshot(client, "asked", join(scratch, "legacy"))).file;
    await client.rest.call({ method: "PUT", path: "/snapshots/default", json: {}, expect: [201] });
    await takeSnapshot(client, "default", { includeMetrics: false, includeCredentials: true, includeLogs: true, includeEvents: true }, 5_000);
    entitiesArchive = (await downloadSnapshot(client, "default", join(scratch, "entities"))).file;
  });

  it("cmom's snapshot is the legacy format; the manager's default is the entities one", async () => {
    expect(await readSnapshotMetadata(legacyArchive)).toEqual({ version: "7.0", format: "legacy" });
    expect(await readSnapshotMetadata(entitiesArchive)).toEqual({ version: "7.0", format: "entities" });
  });

  it("an entities snapshot restores into a fresh 7.0 manager, which then gets new agents", async () => {
    const d = await double({ version: "7.0" });
    const state = await engine.create(inputs(d, { snapshotPath: entitiesArchive }));
    expect(d.state.deployments.all().map((x) => x.id)).toEqual(["web"]);
    expect(restoreExecutions(d)).toMatchObject([{ status: "terminated" }]);
    expect((state.outs.restored as { agents: unknown[] }).agents).toHaveLength(1);
  });

  it("an entities snapshot is refused before anything is uploaded onto a manager holding blueprints, even with params.force", async () => {
    const d = await double({ version: "7.0" });
    blueprintInTheWay(d);
    await expect(engine.create(inputs(d, { snapshotPath: entitiesArchive, transferAgents: false, params: { force: true } })))
      .rejects.toThrow(/already holds blueprints \(in-the-way…\): this snapshot is in the 7\.0 entities format.*force does not empty it.*Nothing was uploaded/);
    expect(d.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("a legacy snapshot onto a manager holding blueprints still restores with params.force, replacing what it held", async () => {
    const d = await double({ version: "7.0" });
    blueprintInTheWay(d);
    await engine.create(inputs(d, { snapshotPath: legacyArchive, transferAgents: false, params: { force: true } }));
    expect(d.state.blueprints.get("default_tenant", "in-the-way")).toBeUndefined();
    expect(d.state.deployments.all().map((x) => x.id)).toEqual(["web"]);
  });

  it("a snapshot older than any manager restores (before 4.0.0) is refused before anything is uploaded, naming its version", async () => {
    const d = await double({ version: "7.0" });
    const old = join(scratch, "from-3.zip");
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from(JSON.stringify({ snapshot_version: "3.4.2", schema_revision: "x", stage_schema_revision: "x", composer_schema_revision: "x" })), "metadata.json");
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(old));
    await expect(engine.create(inputs(d, { snapshotPath: old }))).rejects.toThrow(/comes from Cloudify Manager 3\.4\.2: no manager restores a snapshot older than 4\.0\.0\. Nothing was uploaded/);
    expect(d.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("an archive that is not a snapshot is refused before anything is uploaded, naming the file and what is missing", async () => {
    const d = await double({ version: "7.0" });
    const notZip = join(scratch, "not-a-snapshot.zip");
    writeFileSync(notZip, "plain text");
    await expect(engine.create(inputs(d, { snapshotPath: notZip }))).rejects.toThrow(new RegExp(`${notZip} is not a Cloudify snapshot archive: .*nothing was uploaded`));
    const noMetadata = join(scratch, "no-metadata.zip");
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from("{}"), "state.json");
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(noMetadata));
    await expect(engine.create(inputs(d, { snapshotPath: noMetadata }))).rejects.toThrow(/no-metadata\.zip is not a Cloudify snapshot archive: it has no metadata\.json/);
    expect(d.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });
});

describe("waitUntilHealthy", () => {
  const healthy: ManagerStatus = { status: "OK", services: {} };
  const sick: ManagerStatus = { status: "Fail", services: { Webserver: { status: "Inactive" } } };
  const outage = new CloudifyApiError({ method: "GET", path: "/status", endpoint: "https://n" }, 502, undefined, "bad gateway");
  const scripted = (answers: (ManagerStatus | Error)[]) => {
    let reads = 0;
    const read = async () => {
      const answer = answers[Math.min(reads++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return { healthy: isHealthy(answer), said: `status ${answer.status}` };
    };
    return { read, reads: () => reads };
  };

  it("needs three healthy answers in a row: an unhealthy answer or an outage starts the count again", async () => {
    const status = scripted([healthy, sick, healthy, healthy, outage, healthy, healthy, healthy, sick]);
    await waitUntilHealthy(status.read, { inARow: 3, intervalMs: 1, timeoutMs: 5_000 });
    expect(status.reads()).toBe(8);
  });

  it("gives up after its timeout, saying what it saw last", async () => {
    const status = scripted([sick]);
    await expect(waitUntilHealthy(status.read, { inARow: 3, intervalMs: 1, timeoutMs: 30 })).rejects.toThrow(/3 healthy answers in a row \(last: status Fail\)/);
  });

  it("does not wait through errors that are not outages (e.g. refused credentials)", async () => {
    const refused = new CloudifyApiError({ method: "GET", path: "/status", endpoint: "https://n" }, 401, "unauthorized_error", "User unauthorized");
    await expect(waitUntilHealthy(scripted([refused]).read, { inARow: 3, intervalMs: 1, timeoutMs: 5_000 })).rejects.toThrow(/401/);
  });
});

import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CloudifyClient, UnsupportedVersionError } from "../../components/cloudify/client";
import { profileOf } from "../../components/cloudify/client/versions";
import { createDeploymentProvider, createExecutionProvider, createSecretProvider } from "../../components/cloudify/providers";
import { observeCluster } from "../../components/cloudify/day2/cluster-status-read";
import { isHealthy, probeHealth } from "../../components/cloudify/day2/manager-health";
import type { ManagerStatus } from "../../components/cloudify/client/types";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import type { DoubleOptions } from "../doubles/cloudify/options";
import { EngineDriver, rebuild } from "./engine";
import { FAST_TUNING, Fixtures } from "./fixtures";

/** What differs per manager version, each against a double profile of that version (see test/doubles/cloudify/options.ts). */
const fixtures = new Fixtures();
const doubles: CloudifyDouble[] = [];
async function double(options: DoubleOptions): Promise<CloudifyDouble> {
  const d = await startCloudifyDouble({ workflowDurationMs: 10, ...options });
  doubles.push(d);
  return d;
}
const driver = async (provider: Parameters<typeof rebuild>[0]) => new EngineDriver((await rebuild(provider)).provider);
const changes = (d: CloudifyDouble) => d.requests.filter((r) => r.method !== "GET");
const BLUEPRINT = "inputs:\n  name: {default: n}\n";

async function blueprintOn(d: CloudifyDouble, id = "bp"): Promise<void> {
  const client = new CloudifyClient(d.connection(), FAST_TUNING);
  await client.blueprints.upload(id, { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
}

afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
});
afterAll(() => fixtures.cleanup());

describe("the versions table", () => {
  it("reads each release line's differences from one table", () => {
    expect(profileOf("4.3")).toMatchObject({ secretPatch: "value-only", executionQueue: false, globalDeployments: false, clusterMembers: "cluster-nodes", healthPath: "/status" });
    expect(profileOf("4.5")).toMatchObject({ secretPatch: "fields", executionQueue: true, globalDeployments: false });
    expect(profileOf("4.5.5")).toMatchObject({ globalDeployments: true });
    expect(profileOf("5.0")).toMatchObject({ clusterMembers: "managers", statusShape: "services-list" });
    expect(profileOf("5.0.5")).toMatchObject({ clusterMembers: "cluster-status", statusShape: "services-map", snapshotStatus: true });
    expect(profileOf("6.4.2")).toMatchObject({ asyncDeploymentCreate: true, healthPath: "/ok", asyncBlueprintUpload: true });
    expect(profileOf("7.0.4").version).toBe("7.0.4");
  });

  it.each(["4.2", "3.4.2", "7.1", "8.0"])("refuses manager %s by name before any change is sent", async (version) => {
    const d = await double({ version });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    const refused = client.secrets.create("k", { value: "v", visibility: "tenant", isHiddenValue: false });
    await expect(refused).rejects.toBeInstanceOf(UnsupportedVersionError);
    await expect(refused).rejects.toThrow(new RegExp(`Cloudify Manager ${version.replace(/\./g, "\\.")} is not supported: cmom speaks to 4\\.3 … 7\\.0\\.x`));
    expect(changes(d)).toEqual([]);
    expect(d.state.secrets.all()).toEqual([]);
  });
});

describe("deployments on 6.x/7.x ask for an asynchronous create", () => {
  it.each(["6.4", "7.0"])("%s: the PUT answers at once and is sent once, though the create workflow outlasts the manager's own wait", async (version) => {
    const d = await double({ version, workflowDurationMs: 400, deploymentCreateWaitMs: 100 });
    await blueprintOn(d);
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    const state = await engine.create({ connection: d.connection(), deploymentId: "dep", blueprintId: "bp" });
    expect(state.id).toBe("dep");
    const puts = d.requests.filter((r) => r.method === "PUT" && r.path === "/deployments/dep");
    expect(puts.map((r) => r.query)).toEqual(["?async_create=true"]);
  });

  it("5.1 reads no async_create: it is not sent there", async () => {
    const d = await double({ version: "5.1" });
    await blueprintOn(d);
    await new CloudifyClient(d.connection(), FAST_TUNING).deployments.create("dep", { blueprintId: "bp", inputs: {}, visibility: "tenant" });
    expect(d.requests.filter((r) => r.method === "PUT" && r.path === "/deployments/dep").map((r) => r.query)).toEqual([""]);
  });
});

describe("4.3 secrets", () => {
  it("a visibility and value change goes through set-visibility and a value-only PATCH, and both take effect", async () => {
    const d = await double({ version: "4.3" });
    const engine = await driver(createSecretProvider(FAST_TUNING));
    const state = await engine.create({ connection: d.connection(), key: "k", value: "v1" });
    const plan = await engine.plan(state, { connection: d.connection(), key: "k", value: "v2", visibility: "global" });
    await engine.update(state, plan.inputs);
    expect(d.state.secrets.get("default_tenant", "k")).toMatchObject({ value: "v2", visibility: "global" });
    expect(changes(d).map((r) => `${r.method} ${r.path}`)).toEqual(["PUT /secrets/k", "PATCH /secrets/k/set-visibility", "PATCH /secrets/k"]);
  });

  it("a hidden value is refused before anything is sent (4.3 has none)", async () => {
    const d = await double({ version: "4.3" });
    const engine = await driver(createSecretProvider(FAST_TUNING));
    await expect(engine.create({ connection: d.connection(), key: "k", value: "v", isHiddenValue: true })).rejects.toThrow(
      /Cloudify Manager 4\.3 does not support hidden secret values \(isHiddenValue\) \(it needs 4\.4 or later\); nothing was sent/,
    );
    expect(changes(d)).toEqual([]);
  });
});

describe("global deployments before 4.5.5", () => {
  it.each(["4.3", "4.5"])("%s: refused before the deployment is sent", async (version) => {
    const d = await double({ version });
    await blueprintOn(d);
    const sent = changes(d).length;
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    const refused = engine.create({ connection: d.connection(), deploymentId: "dep", blueprintId: "bp", visibility: "global" });
    await expect(refused).rejects.toBeInstanceOf(Error);
    await expect(refused).rejects.toThrow(/Cloudify Manager 4\.[35] does not support global deployments \(it needs 4\.5\.5 or later\)/);
    expect(changes(d).slice(sent)).toEqual([]);
  });
});

describe("queued executions before 4.5", () => {
  it("4.3: queue: true is refused before the execution is sent", async () => {
    const d = await double({ version: "4.3" });
    await blueprintOn(d);
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await client.deployments.create("dep", { blueprintId: "bp", inputs: {}, visibility: "tenant" });
    const engine = await driver(createExecutionProvider(FAST_TUNING));
    const refused = engine.create({ connection: d.connection(), deploymentId: "dep", workflowId: "install", queue: true });
    await expect(refused).rejects.toThrow(/4\.3 does not support queued executions \(queue: true\) \(it needs 4\.5 or later\)/);
    expect(d.requests.filter((r) => r.method === "POST" && r.path === "/executions")).toEqual([]);
  });
});

describe("plugin titles before 5.1", () => {
  it("5.0: a title is refused before the plugin is sent (upload_manager.py reads it from 5.1.0)", async () => {
    const d = await double({ version: "5.0" });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    const wagon = await fixtures.wagon("cloudify-titled-plugin", "1.0");
    await expect(client.plugins.upload({ wagonPath: wagon, yamlPath: fixtures.pluginYaml("cloudify-titled-plugin"), visibility: "tenant", title: "Nice" })).rejects.toThrow(
      /5\.0 does not support plugin titles \(title\) \(it needs 5\.1 or later\)/,
    );
    expect(changes(d)).toEqual([]);
  });
});

describe.each(["4.3", "5.0"])("plugins built for another platform on %s (installed on the manager while the upload waits)", (version) => {
  it("a wagon for another distribution is refused with the manager's reason and not kept; one for the manager's own is stored", async () => {
    const d = await double({ version });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    const upload = async (name: string, distribution: string) =>
      client.plugins.upload({
        wagonPath: await fixtures.wagon(name, "1.0", 100, { platform: "linux_x86_64", distribution, release: distribution === "centos" ? "Core" : "focal" }),
        yamlPath: fixtures.pluginYaml(name),
        visibility: "tenant",
      });
    await expect(upload("cloudify-ubuntu-plugin", "ubuntu")).rejects.toThrow(
      /400 plugin_installation_error: .*Plugin `cloudify-ubuntu-plugin` is not supported for the manager platform or distribution/,
    );
    expect(d.state.plugins.all()).toEqual([]);
    await expect(upload("cloudify-centos-plugin", "centos")).resolves.toMatchObject({ package_name: "cloudify-centos-plugin", distribution: "centos" });
  });
});

describe("restore fields per version", () => {
  it("7.0 no longer reads recreate_deployments_envs: a restore without deployment environments is refused before it is sent", async () => {
    const d = await double({ version: "7.0" });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await expect(client.snapshots.restore("any", { recreateDeploymentsEnvs: false, force: true })).rejects.toThrow(
      /Cloudify Manager 7\.0 does not support a restore without deployment environments \(only before 6\.0\); nothing was sent/,
    );
    expect(changes(d)).toEqual([]);
  });

  it("4.5 requires ignore_plugin_failure on a restore (resources_v2/snapshots.py @4.5; optional from 4.5.5): it is sent and the restore runs", async () => {
    const d = await double({ version: "4.5" });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await client.snapshots.create("s");
    await expect.poll(async () => (await client.snapshots.get("s"))?.status).toBe("created");
    const restore = await client.snapshots.restore("s", { recreateDeploymentsEnvs: true, force: true });
    await client.executions.waitForSuccess(restore.id, 5_000);
    expect(d.requests.find((r) => r.path === "/snapshots/s/restore")?.json).toMatchObject({ ignore_plugin_failure: false, recreate_deployments_envs: true, force: true });
  });
});

describe.each([
  ["6.4", undefined],
  ["7.0", true],
] as const)("snapshot format on %s", (version, legacy) => {
  it(legacy ? "asks for the legacy format, the one every supported release restores (7.0 also makes a new one)" : "sends no format choice (there is none)", async () => {
    const d = await double({ version });
    await new CloudifyClient(d.connection(), FAST_TUNING).snapshots.create("s");
    expect(d.requests.find((r) => r.method === "PUT" && r.path === "/snapshots/s")?.json?.legacy).toBe(legacy);
  });
});

describe("cluster members and health per version", () => {
  it("4.3: /cluster/nodes answers without pagination metadata and is read in one request", async () => {
    const d = await double({ version: "4.3", nodes: 2 });
    const { status } = await observeCluster(d.connection(), { ...FAST_TUNING, maxAttempts: 1 });
    expect(status.error).toBeNull();
    expect(status.clusterStatus.map((m) => [m.name, m.state])).toEqual([["manager-0", "leader"], ["manager-1", "replica"]]);
    expect(d.requests.filter((r) => r.path === "/cluster/nodes").map((r) => r.query)).toEqual([""]);
  });

  it("5.0: members come from /managers (there is no /cluster-status yet)", async () => {
    const d = await double({ version: "5.0", nodes: 2 });
    const { status } = await observeCluster(d.connection(), { ...FAST_TUNING, maxAttempts: 1 });
    expect(status.error).toBeNull();
    expect(status.clusterStatus.map((m) => [m.name, m.state])).toEqual([["manager-0", "listed"], ["manager-1", "listed"]]);
    expect(d.requests.some((r) => r.path === "/cluster-status")).toBe(false);
  });

  it("5.1: members and their health come from /cluster-status", async () => {
    const d = await double({ version: "5.1", nodes: 2 });
    d.state.clusterNodes[1]!.online = false;
    const { status } = await observeCluster(d.connection(), { ...FAST_TUNING, maxAttempts: 1 });
    expect(status.clusterStatus.map((m) => [m.name, m.state])).toEqual([["manager-0", "active"], ["manager-1", "offline"]]);
  });

  it.each([
    ["4.3", "/status"],
    ["5.1", "/status"],
    ["6.4", "/ok"],
    ["7.0", "/ok"],
  ])("%s: health is probed with %s, and a service down makes it unhealthy", async (version, path) => {
    const d = await double({ version });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    expect((await probeHealth(client)).healthy).toBe(true);
    d.state.inactiveServices.add("RabbitMQ");
    expect((await probeHealth(client)).healthy).toBe(false);
    expect(new Set(d.requests.filter((r) => r.path !== "/version").map((r) => r.path))).toEqual(new Set([path]));
  });
});

describe("4.x health as cfy status judges it", () => {
  it("4.3: a remote database (PostgreSQL `remote`) is healthy; a failed service is not", async () => {
    const d = await double({ version: "4.3" });
    d.state.remoteDatabase = true;
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    expect(await probeHealth(client)).toEqual({ healthy: true, said: "/status running" });
    d.state.inactiveServices.add("Webserver");
    expect((await probeHealth(client)).healthy).toBe(false);
  });

  it("a manager that cannot read its services (`services: [\"undefined\"]`) is not called down", () => {
    expect(isHealthy({ status: "running", services: ["undefined"] } as unknown as ManagerStatus)).toBe(true);
    expect(isHealthy({ status: "running", services: [{ display_name: "Webserver", instances: [] }] })).toBe(true);
  });
});

describe("a 502 after the manager acted (a proxy that gave up waiting)", () => {
  it("POST /executions is not sent again: the execution the manager started is adopted", async () => {
    const d = await double({ version: "5.1", nodes: 2 });
    await blueprintOn(d);
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await client.deployments.create("dep", { blueprintId: "bp", inputs: {}, visibility: "tenant" });
    const [environment] = await client.executions.list({ deploymentId: "dep", includeSystem: true });
    await client.executions.waitForSuccess(environment!.id, 5_000);
    d.faults.inject({ method: "POST", path: "/executions", action: { kind: "bad-gateway-after-processing" } });
    const started = await client.executions.start({ deploymentId: "dep", workflowId: "install" });
    const installs = d.state.executions.all().filter((e) => e.workflow_id === "install");
    expect(installs.map((e) => e.id)).toEqual([started.id]);
    expect(d.requests.filter((r) => r.method === "POST" && r.path === "/executions")).toHaveLength(1);
  });

  it("a restore is not started twice", async () => {
    const d = await double({ version: "5.1", nodes: 2 });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await client.snapshots.create("snap");
    await new Promise((r) => setTimeout(r, 100));
    d.faults.inject({ method: "POST", path: "/snapshots/snap/restore", action: { kind: "bad-gateway-after-processing" } });
    const execution = await client.snapshots.restore("snap", { recreateDeploymentsEnvs: true, force: true });
    expect(d.state.executions.all().filter((e) => e.workflow_id === "restore_snapshot").map((e) => e.id)).toEqual([execution.id]);
    expect(d.requests.filter((r) => r.method === "POST" && r.path === "/snapshots/snap/restore")).toHaveLength(1);
  });

  it("an idempotent request still moves on to the next node", async () => {
    const d = await double({ version: "5.1", nodes: 2 });
    d.setLeader(1);
    d.faults.inject({ node: 0, method: "GET", path: "/secrets/k", action: { kind: "status", status: 502 } });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    expect(await client.secrets.get("k")).toBeUndefined();
    expect(d.requests.filter((r) => r.path === "/secrets/k").map((r) => r.node)).toEqual([0, 1]);
  });
});

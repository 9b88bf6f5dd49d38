import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlueprintUploadError, CloudifyClient } from "../../components/cloudify/client";
import { createBlueprintProvider, createDeploymentProvider } from "../../components/cloudify/providers";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { DOUBLE_PROFILES, featuresOf } from "../doubles/cloudify/options";
import { EngineDriver, rebuild } from "./engine";
import { FAST_TUNING, Fixtures } from "./fixtures";

/**
 * What a failed or interrupted step leaves on a manager, and what the next run and a delete do with it, on every profile:
 * failed blueprint uploads, failed deployment creations, live nodes and executions that stand in a delete's way.
 */
const fixtures = new Fixtures();
const driver = async (provider: Parameters<typeof rebuild>[0]) => new EngineDriver((await rebuild(provider)).provider);
const BLUEPRINT = "inputs:\n  name: {}\n";
const INVALID = "description: no tosca_definitions_version\n";
afterAll(() => fixtures.cleanup());

function folderWith(body: string): string {
  const folder = fixtures.blueprint();
  writeFileSync(join(folder, "blueprint.yaml"), body);
  return folder;
}

describe.each(DOUBLE_PROFILES)("Leftovers and deletes on %s", (version) => {
  let d: CloudifyDouble;
  let client: CloudifyClient;
  const { asyncBlueprintUpload: asyncUpload } = featuresOf({ version });
  beforeAll(async () => {
    d = await startCloudifyDouble({ version, workflowDurationMs: 20 });
    client = new CloudifyClient(d.connection(), FAST_TUNING);
  });
  afterAll(() => d.close());

  const startedWorkflows = (deploymentId: string) =>
    d.requests.filter((r) => r.method === "POST" && r.path === "/executions" && r.json?.deployment_id === deploymentId).map((r) => r.json?.workflow_id);
  const uploadGood = (id: string) =>
    client.blueprints.upload(id, { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });

  it("a blueprint that fails to parse fails the resource with the manager's error", async () => {
    const engine = await driver(createBlueprintProvider(FAST_TUNING));
    await expect(engine.create({ connection: d.connection(), blueprintId: "bad", folder: folderWith(INVALID) })).rejects.toThrow(
      asyncUpload ? /blueprint bad upload ended failed_parsing: 'tosca_definitions_version' key is missing/ : /400 .*'tosca_definitions_version' key is missing/,
    );
    expect(d.state.blueprints.get("default_tenant", "bad")).toBeUndefined();
  });

  it("a deployment whose creation failed and was left behind is created again by the next run", async () => {
    await uploadGood("bp-left");
    d.scriptWorkflow("create_deployment_environment", { error: "plugin missing", deploymentId: "dep-left" });
    await client.deployments.create("dep-left", { blueprintId: "bp-left", inputs: { name: "x" }, visibility: "tenant" });
    await expect.poll(async () => (await client.executions.list({ deploymentId: "dep-left", includeSystem: true }))[0]?.status).toBe("failed");
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    await engine.create({ connection: d.connection(), deploymentId: "dep-left", blueprintId: "bp-left", inputs: { name: "x" } });
    const creations = await client.executions.list({ deploymentId: "dep-left", workflowId: "create_deployment_environment", includeSystem: true });
    expect(creations.map((e) => e.status)).toEqual(["terminated"]);
  });

  it("a deployment with live nodes is uninstalled, then deleted", async () => {
    await uploadGood("bp-live");
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    const state = await engine.create({ connection: d.connection(), deploymentId: "dep-live", blueprintId: "bp-live", inputs: { name: "x" } });
    const install = await client.executions.start({ deploymentId: "dep-live", workflowId: "install" });
    await client.executions.waitForSuccess(install.id, 5_000);
    await engine.delete(state);
    expect(d.state.deployments.get("default_tenant", "dep-live")).toBeUndefined();
    expect(startedWorkflows("dep-live")).toEqual(["install", "uninstall"]);
  });

  it("a delete refused because an execution started meanwhile waits for it and deletes, without uninstalling", async () => {
    await uploadGood("bp-race");
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    const state = await engine.create({ connection: d.connection(), deploymentId: "dep-race", blueprintId: "bp-race", inputs: { name: "x" } });
    // The manager's answer when an execution slipped in between the wait and the delete (resource manager, 4.5 … 7.0).
    d.faults.inject({
      method: "DELETE",
      path: "/deployments/dep-race",
      action: { kind: "status", status: 400, errorCode: "dependent_exists_error", message: "Can't delete deployment dep-race - There are running or queued executions for this deployment. Running executions ids: x" },
    });
    await engine.delete(state);
    expect(d.state.deployments.get("default_tenant", "dep-race")).toBeUndefined();
    expect(startedWorkflows("dep-race")).toEqual([]);
  });
});

/** A double of `version` for the tests of one describe block, started before them and closed after, and a client to it. */
function doubleOf(version: string): { readonly d: CloudifyDouble; readonly client: CloudifyClient } {
  const on = {} as { d: CloudifyDouble; client: CloudifyClient };
  beforeAll(async () => {
    on.d = await startCloudifyDouble({ version, workflowDurationMs: 20 });
    on.client = new CloudifyClient(on.d.connection(), FAST_TUNING);
  });
  afterAll(() => on.d.close());
  return on;
}

describe.each(DOUBLE_PROFILES.filter((version) => featuresOf({ version }).asyncBlueprintUpload))("A failed asynchronous blueprint upload on %s", (version) => {
  const on = doubleOf(version);

  it("a failed upload left behind is replaced by the next run's upload", async () => {
    await expect(
      on.client.blueprints.upload("left", { folder: folderWith(INVALID), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 }),
    ).rejects.toBeInstanceOf(BlueprintUploadError);
    expect(on.d.state.blueprints.get("default_tenant", "left")?.state).toBe("failed_parsing");
    const engine = await driver(createBlueprintProvider(FAST_TUNING));
    await engine.create({ connection: on.d.connection(), blueprintId: "left", folder: fixtures.blueprint(BLUEPRINT) });
    expect(on.d.state.blueprints.get("default_tenant", "left")?.state).toBe("uploaded");
  });
});

// A workflow that crashed or was cancelled never writes the blueprint's state: from 6.2 the blueprint names its execution.
describe.each(DOUBLE_PROFILES.filter((version) => featuresOf({ version }).blueprintUploadExecution))("A blueprint upload whose execution died on %s", (version) => {
  const on = doubleOf(version);

  it("an upload whose execution died fails with that execution's error, not a timeout", async () => {
    on.d.scriptWorkflow("upload_blueprint", { error: "WorkerLostError: the management worker was restarted" });
    const upload = on.client.blueprints.upload("crashed", { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 3_000 });
    await expect(upload).rejects.toThrow(/blueprint crashed upload failed: its upload_blueprint execution \S+ ended failed: WorkerLostError: the management worker was restarted; the blueprint was left uploading/);
    expect(on.d.state.blueprints.get("default_tenant", "crashed")?.state).toBe("uploading");
  });

  it("the row a died upload left behind is removed, so the next run uploads", async () => {
    on.d.scriptWorkflow("upload_blueprint", { error: "WorkerLostError: the management worker was restarted" });
    const engine = await driver(createBlueprintProvider(FAST_TUNING));
    const inputs = { connection: on.d.connection(), blueprintId: "died", folder: fixtures.blueprint(BLUEPRINT) };
    await expect(engine.create(inputs)).rejects.toThrow(/WorkerLostError/);
    expect(on.d.state.blueprints.get("default_tenant", "died")).toBeUndefined();
    await engine.create(inputs);
    expect(on.d.state.blueprints.get("default_tenant", "died")?.state).toBe("uploaded");
  });
});

import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CloudifyClient } from "../../components/cloudify/client";
import {
  createBlueprintProvider,
  createDeploymentProvider,
  createExecutionProvider,
  createPluginProvider,
  createSecretProvider,
} from "../../components/cloudify/providers";
import { UNKNOWN } from "../../components/cloudify/providers/unknown";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild } from "./engine";
import { FAST_TUNING, Fixtures } from "./fixtures";

/** Type-specific behaviour of the providers, each serialized and rebuilt as the engine does. */
const fixtures = new Fixtures();
let d: CloudifyDouble;
let client: CloudifyClient;
const driver = async (provider: Parameters<typeof rebuild>[0]) => new EngineDriver((await rebuild(provider)).provider);

const BLUEPRINT = [
  "inputs:",
  "  name: {}",
  "  size: {default: 1}",
  "workflows:",
  "  resize:",
  "    mapping: scripts.tasks.resize",
  "    parameters:",
  "      size: {}",
  "",
].join("\n");

async function deploymentReady(id: string, blueprintId: string): Promise<void> {
  if (!(await client.blueprints.get(blueprintId))) {
    await client.blueprints.upload(blueprintId, { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
  }
  await client.deployments.create(id, { blueprintId, inputs: { name: id }, visibility: "tenant" });
  const [environment] = await client.executions.list({ deploymentId: id });
  await client.executions.waitForSuccess(environment.id, 5_000);
}

beforeAll(async () => {
  d = await startCloudifyDouble({ version: "5.1", tenants: ["other"], workflowDurationMs: 10 });
  client = new CloudifyClient(d.connection(), FAST_TUNING);
});
afterAll(async () => {
  await d.close();
  fixtures.cleanup();
});

describe("Secret", () => {
  it("check fills defaults and names every bad input", async () => {
    const engine = await driver(createSecretProvider(FAST_TUNING));
    expect(await engine.check({ connection: d.connection(), key: "k", value: "v" })).toMatchObject({ visibility: "tenant", isHiddenValue: false });
    const failures = await engine.checkFailures({
      connection: { ...d.connection(), endpoints: ["http://insecure"] },
      key: "1-starts-with-a-digit",
      value: "v",
      visibility: "public",
    });
    expect(failures.map((f) => f.property).sort()).toEqual(["connection.endpoints[0]", "key", "visibility"]);
  });

  it("updates value and visibility in place; replaces on a new key or tenant; endpoints changes only update", async () => {
    const engine = await driver(createSecretProvider(FAST_TUNING));
    const base = { connection: d.connection(), key: "inplace", value: "one" };
    let state = await engine.create(base);

    const valueChange = await engine.plan(state, { ...base, value: "two" });
    expect(valueChange.diff).toEqual({ changes: true, replaces: [] });
    state = await engine.update(state, valueChange.inputs);
    expect(d.state.secrets.get("default_tenant", "inplace")?.value).toBe("two");

    const visibilityChange = await engine.plan(state, { ...base, value: "two", visibility: "global" });
    expect(visibilityChange.diff).toEqual({ changes: true, replaces: [] });
    state = await engine.update(state, visibilityChange.inputs);
    expect(d.state.secrets.get("default_tenant", "inplace")?.visibility).toBe("global");
    expect(d.requests.filter((r) => r.path === "/secrets/inplace").map((r) => r.method)).toEqual(["PUT", "PATCH", "PATCH"]);

    const current = { ...base, value: "two", visibility: "global" };
    expect((await engine.plan(state, { ...current, key: "renamed" })).diff).toEqual({ changes: true, replaces: ["key"], deleteBeforeReplace: true });
    expect((await engine.plan(state, { ...current, connection: d.connection("other") })).diff).toMatchObject({ replaces: ["connection"] });
    const reordered = { ...d.connection(), endpoints: [...d.urls, "https://127.0.0.1:1"] };
    expect((await engine.plan(state, { ...current, connection: reordered })).diff).toEqual({ changes: true, replaces: [] });
    expect((await engine.plan(state, { ...current, value: UNKNOWN })).diff).toEqual({ changes: true, replaces: [] });
  });

  it("a narrower visibility is a replace in the plan (the manager refuses to narrow one in place), and the new secret has it", async () => {
    const engine = await driver(createSecretProvider(FAST_TUNING));
    const wide = { connection: d.connection(), key: "narrowed", value: "v", visibility: "global" };
    const state = await engine.create(wide);
    const narrow = await engine.plan(state, { ...wide, visibility: "private" });
    expect(narrow.diff).toEqual({ changes: true, replaces: ["visibility"], deleteBeforeReplace: true });
    // What the engine then does for a delete-before-replace.
    await engine.delete(state);
    await engine.create(narrow.inputs);
    expect(d.state.secrets.get("default_tenant", "narrowed")).toMatchObject({ visibility: "private", value: "v" });
    expect(d.requests.filter((r) => r.path.startsWith("/secrets/narrowed")).map((r) => r.method)).toEqual(["PUT", "DELETE", "PUT"]);
  });

  it("read shows drift made on the manager, and a deleted secret as gone", async () => {
    const engine = await driver(createSecretProvider(FAST_TUNING));
    const state = await engine.create({ connection: d.connection(), key: "drifting", value: "declared" });
    d.state.secrets.get("default_tenant", "drifting")!.value = "changed by hand";
    expect((await engine.read(state)).props).toMatchObject({ value: "changed by hand" });
    d.state.secrets.delete("default_tenant", "drifting");
    expect(await engine.read(state)).toEqual({});
  });
});

describe("Plugin", () => {
  it("replaces when the wagon's content changes, updates only when the same content moves", async () => {
    const engine = await driver(createPluginProvider(FAST_TUNING));
    const wagon = await fixtures.wagon("cloudify-content-plugin", "2.0");
    const yaml = fixtures.pluginYaml("cloudify-content-plugin");
    const state = await engine.create({ connection: d.connection(), wagonPath: wagon, yamlPath: yaml });
    expect(state.outs).toMatchObject({ packageName: "cloudify-content-plugin", packageVersion: "2.0", contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const moved = join(fixtures.dir, "moved.wgn");
    copyFileSync(wagon, moved);
    expect((await engine.plan(state, { connection: d.connection(), wagonPath: moved, yamlPath: yaml })).diff).toEqual({ changes: true, replaces: [] });

    copyFileSync(await fixtures.wagon("cloudify-content-plugin", "2.0", 5_000), wagon);
    expect((await engine.plan(state, { connection: d.connection(), wagonPath: wagon, yamlPath: yaml })).diff).toEqual({
      changes: true,
      replaces: ["contentHash"],
      deleteBeforeReplace: true,
    });
  });

  it("check rejects a missing file, a wrong suffix and a file that is not a wagon", async () => {
    const engine = await driver(createPluginProvider(FAST_TUNING));
    const yaml = fixtures.pluginYaml("x");
    const notAWagon = fixtures.file("fake.wgn", "plain text");
    const cases = [
      { wagonPath: join(fixtures.dir, "absent.wgn"), reason: /does not exist/ },
      { wagonPath: yaml, reason: /must name a \.wgn file/ },
      { wagonPath: notAWagon, reason: /is not a wagon/ },
    ];
    for (const { wagonPath, reason } of cases) {
      const failures = await engine.checkFailures({ connection: d.connection(), wagonPath, yamlPath: yaml });
      expect(failures).toEqual([{ property: "wagonPath", reason: expect.stringMatching(reason) }]);
    }
  });
});

describe("Blueprint", () => {
  it("replaces when a file of the folder changes", async () => {
    const engine = await driver(createBlueprintProvider(FAST_TUNING));
    const folder = fixtures.blueprint();
    const inputs = { connection: d.connection(), blueprintId: "content-change", folder };
    const state = await engine.create(inputs);
    expect((await engine.plan(state, inputs)).diff).toEqual({ changes: false, replaces: [] });
    writeFileSync(join(folder, "includes", "types.yaml"), "node_types: {changed: {}}\n");
    expect((await engine.plan(state, inputs)).diff).toEqual({ changes: true, replaces: ["contentHash"], deleteBeforeReplace: true });
  });

  it("check rejects a folder without the main file", async () => {
    const engine = await driver(createBlueprintProvider(FAST_TUNING));
    const failures = await engine.checkFailures({ connection: d.connection(), blueprintId: "b", folder: fixtures.blueprint(), mainFileName: "absent.yaml" });
    expect(failures).toEqual([{ property: "mainFileName", reason: expect.stringMatching(/absent\.yaml does not exist/) }]);
  });
});

describe("Blueprint on a 5.2 manager (asynchronous upload)", () => {
  let d52: CloudifyDouble;
  beforeAll(async () => {
    d52 = await startCloudifyDouble({ version: "5.2", workflowDurationMs: 50 });
  });
  afterAll(() => d52.close());

  it("waits until the upload is parsed", async () => {
    const engine = await driver(createBlueprintProvider(FAST_TUNING));
    await engine.create({ connection: d52.connection(), blueprintId: "async-ok", folder: fixtures.blueprint() });
    expect(d52.state.blueprints.get("default_tenant", "async-ok")?.state).toBe("uploaded");
    expect(d52.requests.find((r) => r.method === "PUT")?.query).toContain("async_upload=true");
    const polls = d52.requests.filter((r) => r.method === "GET" && r.path === "/blueprints/async-ok");
    expect(polls.length).toBeGreaterThan(0);
  });

  it("a failed parse fails the resource and removes the failed row", async () => {
    const engine = await driver(createBlueprintProvider(FAST_TUNING));
    const folder = fixtures.blueprint();
    writeFileSync(join(folder, "blueprint.yaml"), "description: no tosca_definitions_version\n");
    await expect(engine.create({ connection: d52.connection(), blueprintId: "async-bad", folder })).rejects.toThrow(
      /blueprint async-bad upload ended failed_parsing: 'tosca_definitions_version' key is missing/,
    );
    expect(d52.state.blueprints.get("default_tenant", "async-bad")).toBeUndefined();
  });
});

describe("Deployment", () => {
  it("a failed environment creation fails the resource with the execution's error and leaves nothing behind", async () => {
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    await client.blueprints.upload("env-fails", { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
    d.scriptWorkflow("create_deployment_environment", { error: "no agent could be installed", deploymentId: "env-fails-dep" });
    await expect(engine.create({ connection: d.connection(), deploymentId: "env-fails-dep", blueprintId: "env-fails", inputs: { name: "x" } })).rejects.toThrow(
      /create_deployment_environment on deployment env-fails-dep\) ended failed: no agent could be installed/,
    );
    expect(d.state.deployments.get("default_tenant", "env-fails-dep")).toBeUndefined();
  });

  it("creation returns only after the environment exists; input changes replace, timeout changes update", async () => {
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    await client.blueprints.upload("for-changes", { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
    d.scriptWorkflow("create_deployment_environment", { durationMs: 200, deploymentId: "changes" });
    const inputs = { connection: d.connection(), deploymentId: "changes", blueprintId: "for-changes", inputs: { name: "a" } };
    const state = await engine.create(inputs);
    const [environment] = (await client.executions.list({ deploymentId: "changes" })).filter((e) => e.workflow_id === "create_deployment_environment");
    expect(environment.status).toBe("terminated");
    expect((await engine.plan(state, { ...inputs, inputs: { name: "b" } })).diff).toEqual({ changes: true, replaces: ["inputs"], deleteBeforeReplace: true });
    expect((await engine.plan(state, { ...inputs, timeout: 60 })).diff).toEqual({ changes: true, replaces: [] });
  });

  it("the manager's refusal of unknown inputs reaches the user", async () => {
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    await client.blueprints.upload("strict-inputs", { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
    await expect(
      engine.create({ connection: d.connection(), deploymentId: "bad-inputs", blueprintId: "strict-inputs", inputs: { name: "x", colour: "red" } }),
    ).rejects.toThrow(/400 unknown_deployment_input_error: Unknown input\(s\) specified: colour/);
  });
});

describe("Deployment delete while an execution runs", () => {
  it("waits for the execution to end (the manager refuses to delete a busy deployment), then deletes", async () => {
    const engine = await driver(createDeploymentProvider(FAST_TUNING));
    await client.blueprints.upload("busy-bp", { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
    const state = await engine.create({ connection: d.connection(), deploymentId: "busy", blueprintId: "busy-bp", inputs: { name: "x" } });
    d.scriptWorkflow("resize", { durationMs: 300, deploymentId: "busy" });
    await client.executions.start({ deploymentId: "busy", workflowId: "resize", parameters: { size: 2 } });
    await engine.delete(state);
    expect(d.state.deployments.get("default_tenant", "busy")).toBeUndefined();
    expect(d.requests.filter((r) => r.method === "DELETE" && r.path === "/deployments/busy")).toHaveLength(1);
  });
});

describe.each(["5.0.5", "5.1"])("Deployment delete on %s", (version) => {
  it("returns only once the row is gone", async () => {
    const dv = await startCloudifyDouble({ version, workflowDurationMs: 10 });
    try {
      const engine = await driver(createDeploymentProvider(FAST_TUNING));
      const versionClient = new CloudifyClient(dv.connection(), FAST_TUNING);
      await versionClient.blueprints.upload("bp", { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
      const state = await engine.create({ connection: dv.connection(), deploymentId: "dep", blueprintId: "bp", inputs: { name: "x" } });
      dv.scriptWorkflow("delete_deployment_environment", { durationMs: 300 });
      await engine.delete(state);
      expect(dv.state.deployments.get("default_tenant", "dep")).toBeUndefined();
      const polls = dv.requests.filter((r) => r.method === "GET" && r.path === "/deployments/dep");
      expect(polls.length).toBeGreaterThan(1);
    } finally {
      await dv.close();
    }
  });
});

describe("Execution", () => {
  it("passes parameters, waits for the end, and reports the execution", async () => {
    const engine = await driver(createExecutionProvider(FAST_TUNING));
    await deploymentReady("ex-params", "for-executions");
    const state = await engine.create({ connection: d.connection(), deploymentId: "ex-params", workflowId: "resize", parameters: { size: 3 } });
    expect(state.outs).toMatchObject({ status: "terminated", executionId: state.id });
    expect(d.state.executions.get("default_tenant", state.id)?.parameters).toEqual({ size: 3 });
  });

  it("failed and cancelled executions fail the resource with the execution's error", async () => {
    const engine = await driver(createExecutionProvider(FAST_TUNING));
    await deploymentReady("ex-fails", "for-executions");
    d.scriptWorkflow("install", { error: "node vm_1 did not start", deploymentId: "ex-fails" });
    await expect(engine.create({ connection: d.connection(), deploymentId: "ex-fails", workflowId: "install" })).rejects.toThrow(
      /workflow install on deployment ex-fails\) ended failed: node vm_1 did not start/,
    );

    // Long enough that only the cancel can end it, however loaded the machine.
    d.scriptWorkflow("uninstall", { durationMs: 120_000, deploymentId: "ex-fails" });
    const running = engine.create({ connection: d.connection(), deploymentId: "ex-fails", workflowId: "uninstall" });
    const cancelled = expect(running).rejects.toThrow(/workflow uninstall on deployment ex-fails\) ended cancelled/);
    const uninstall = await vi.waitFor(async () => {
      const [started] = await client.executions.list({ deploymentId: "ex-fails", workflowId: "uninstall" });
      if (!started) throw new Error("the uninstall execution has not started yet");
      return started;
    }, { timeout: 60_000, interval: 20 });
    await client.executions.cancel(uninstall.id);
    await cancelled;
  });

  it("gives up after its timeout", async () => {
    const engine = await driver(createExecutionProvider(FAST_TUNING));
    await deploymentReady("ex-slow", "for-executions");
    d.scriptWorkflow("install", { durationMs: 3_000, deploymentId: "ex-slow" });
    await expect(engine.create({ connection: d.connection(), deploymentId: "ex-slow", workflowId: "install", timeout: 0.3 })).rejects.toThrow(
      /timed out after 0\.\d s waiting for execution .* to end \(still started\)/,
    );
  });

  it("waits while another execution runs on the deployment, then runs", async () => {
    const engine = await driver(createExecutionProvider(FAST_TUNING));
    await deploymentReady("ex-busy", "for-executions");
    d.scriptWorkflow("install", { durationMs: 300, deploymentId: "ex-busy" });
    await client.executions.start({ deploymentId: "ex-busy", workflowId: "install" });
    const state = await engine.create({ connection: d.connection(), deploymentId: "ex-busy", workflowId: "uninstall" });
    expect(state.outs.status).toBe("terminated");
    const refusals = d.requests.filter((r) => r.method === "POST" && r.path === "/executions");
    expect(refusals.length).toBeGreaterThan(2);
  });

  it("a trigger or parameters change runs it again (replace); a timeout change does not", async () => {
    const engine = await driver(createExecutionProvider(FAST_TUNING));
    await deploymentReady("ex-rerun", "for-executions");
    const inputs = { connection: d.connection(), deploymentId: "ex-rerun", workflowId: "resize", parameters: { size: 1 }, trigger: 1 };
    const state = await engine.create(inputs);
    expect((await engine.plan(state, inputs)).diff).toEqual({ changes: false, replaces: [] });
    expect((await engine.plan(state, { ...inputs, trigger: 2 })).diff).toEqual({ changes: true, replaces: ["trigger"] });
    expect((await engine.plan(state, { ...inputs, parameters: { size: 2 } })).diff).toEqual({ changes: true, replaces: ["parameters"] });
    expect((await engine.plan(state, { ...inputs, timeout: 10 })).diff).toEqual({ changes: true, replaces: [] });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudifyClient } from "../../components/cloudify/client";
import { createExecutionProvider } from "../../components/cloudify/providers";
import { generateTestCa, startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild } from "./engine";
import { FAST_TUNING, Fixtures } from "./fixtures";
import { startRecordingProxy, type RecordingProxy, type WireExchange } from "./recording-proxy";

/**
 * The Execution provider's flags on the wire (POST /executions body, as the manager reads it), and what
 * force and queue do on a deployment busy with another execution. Requests go through a recording proxy to read bodies.
 */
const fixtures = new Fixtures();
let d: CloudifyDouble;
let proxy: RecordingProxy;
let client: CloudifyClient;
let engine: EngineDriver;

/** Keys the contract lists for the POST /executions body; flags are strings, as the Python client sends them. */
const CONTRACT_KEYS = ["deployment_id", "workflow_id", "parameters", "allow_custom_parameters", "force", "dry_run", "queue", "scheduled_time", "wait_after_fail"];
const BLUEPRINT = "inputs:\n  name: {}\nworkflows:\n  resize:\n    mapping: scripts.tasks.resize\n    parameters:\n      size: {}\n";

const connection = () => ({ ...d.connection(), endpoints: [proxy.url] });
const starts = (deploymentId: string): WireExchange[] =>
  proxy.exchanges.filter((e) => e.method === "POST" && e.path === "/executions" && (JSON.parse(e.body) as { deployment_id: string }).deployment_id === deploymentId);
const bodyOf = (exchange: WireExchange) => JSON.parse(exchange.body) as Record<string, unknown>;

async function deploymentReady(id: string): Promise<void> {
  if (!(await client.blueprints.get("flags"))) {
    await client.blueprints.upload("flags", { folder: fixtures.blueprint(BLUEPRINT), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
  }
  await client.deployments.create(id, { blueprintId: "flags", inputs: { name: id }, visibility: "tenant" });
  const [environment] = await client.executions.list({ deploymentId: id, includeSystem: true });
  await client.executions.waitForSuccess(environment.id, 5_000);
}

/** Starts `install` on the deployment directly (not through the proxy), running for `durationMs`. */
async function busyWithInstall(deploymentId: string, durationMs: number): Promise<string> {
  d.scriptWorkflow("install", { durationMs, deploymentId });
  return (await client.executions.start({ deploymentId, workflowId: "install" })).id;
}

beforeAll(async () => {
  const ca = generateTestCa();
  d = await startCloudifyDouble({ ca, workflowDurationMs: 10 });
  proxy = await startRecordingProxy(d.urls[0], ca);
  client = new CloudifyClient(d.connection(), FAST_TUNING);
  engine = new EngineDriver((await rebuild(createExecutionProvider(FAST_TUNING))).provider);
});
afterAll(async () => {
  await proxy.close();
  await d.close();
  fixtures.cleanup();
});

describe("Execution flags on the wire", () => {
  it("defaults: every flag sent as the string \"false\", parameters as an empty mapping, only contract keys", async () => {
    await deploymentReady("defaults");
    await engine.create({ connection: connection(), deploymentId: "defaults", workflowId: "install" });
    const [start] = starts("defaults");
    expect(bodyOf(start)).toEqual({
      deployment_id: "defaults",
      workflow_id: "install",
      parameters: {},
      allow_custom_parameters: "false",
      force: "false",
      dry_run: "false",
      queue: "false",
    });
    expect(Object.keys(bodyOf(start)).filter((k) => !CONTRACT_KEYS.includes(k))).toEqual([]);
  });

  it("allowCustomParameters and parameters reach the manager, which then accepts an undeclared parameter", async () => {
    await deploymentReady("custom");
    const inputs = { connection: connection(), deploymentId: "custom", workflowId: "resize", parameters: { size: 2, colour: "red" } };
    await expect(engine.create(inputs)).rejects.toThrow(/400 illegal_execution_parameters_error: .*following parameters declared: colour/);

    const state = await engine.create({ ...inputs, allowCustomParameters: true });
    const sent = starts("custom").map(bodyOf);
    expect(sent.map((b) => b.allow_custom_parameters)).toEqual(["false", "true"]);
    expect(sent[1]).toMatchObject({ workflow_id: "resize", parameters: { size: 2, colour: "red" }, force: "false", queue: "false" });
    expect(d.state.executions.get("default_tenant", state.id)).toMatchObject({ status: "terminated", parameters: { size: 2, colour: "red" } });
  });

  it("force: true runs at once beside a running execution, in one request", async () => {
    await deploymentReady("forced");
    const blocker = await busyWithInstall("forced", 600);
    const state = await engine.create({ connection: connection(), deploymentId: "forced", workflowId: "resize", parameters: { size: 3 }, force: true });

    const sent = starts("forced");
    expect(sent.map((e) => [e.status, bodyOf(e).force, bodyOf(e).queue])).toEqual([[201, "true", "false"]]);
    expect(state.outs.status).toBe("terminated");
    const running = d.state.executions.get("default_tenant", blocker)!;
    // It ended while the other still ran (no waiting for the deployment to be free).
    expect(running.status).toBe("started");
  });

  it("queue: true on a busy deployment is accepted as queued in one request, and the resource waits until it ends", async () => {
    await deploymentReady("queued");
    const blocker = await busyWithInstall("queued", 300);
    const state = await engine.create({ connection: connection(), deploymentId: "queued", workflowId: "resize", parameters: { size: 4 }, queue: true });

    const sent = starts("queued");
    expect(sent).toHaveLength(1);
    expect(bodyOf(sent[0])).toMatchObject({ queue: "true", force: "false", parameters: { size: 4 } });
    expect(sent[0].status).toBe(201);
    expect(JSON.parse(sent[0].reply)).toMatchObject({ id: state.id, status: "queued" });

    expect(state.outs).toMatchObject({ status: "terminated", executionId: state.id, endedAt: expect.any(String) });
    const first = d.state.executions.get("default_tenant", blocker)!;
    const queued = d.state.executions.get("default_tenant", state.id)!;
    expect(first.status).toBe("terminated");
    // Queued behind the first: started only once it had ended.
    expect(Date.parse(queued.started_at!)).toBeGreaterThanOrEqual(Date.parse(first.ended_at!));
    const polls = proxy.exchanges.filter((e) => e.method === "GET" && e.path === `/executions/${state.id}`);
    expect(polls.map((p) => (JSON.parse(p.reply) as { status: string }).status)).toContain("queued");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECTION_SECRET_OUTPUTS } from "../../components/cloudify/providers/connection-args";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild, type ResourceState } from "./engine";
import { Fixtures } from "./fixtures";
import { SPECS, type ProviderSpec } from "./provider-specs";

/**
 * In-place updates of every provider, rebuilt as the engine does. The everyday case: growing the manager cluster adds
 * an endpoint to `connection.endpoints` of every Cloudify resource, which must update state only, never touch the manager.
 */
const fixtures = new Fixtures();
let d: CloudifyDouble;

beforeAll(async () => {
  d = await startCloudifyDouble({ nodes: 2, workflowDurationMs: 10 });
});
afterAll(async () => {
  await d.close();
  fixtures.cleanup();
});

const WRITES = ["PUT", "POST", "PATCH", "DELETE"];
/** Methods of requests since `since` that change something on the manager. */
const writesSince = (since: number) => d.requests.slice(since).filter((r) => WRITES.includes(r.method)).map((r) => `${r.method} ${r.path}`);

/** Top-level output names under which `needle` appears. */
function outputsHolding(outs: Record<string, unknown>, needle: string): string[] {
  const holds = (value: unknown): boolean =>
    typeof value === "string" ? value.includes(needle) : typeof value === "object" && value !== null && Object.values(value).some(holds);
  return Object.keys(outs).filter((key) => holds(outs[key]));
}

describe.each(SPECS)("$type update", (spec: ProviderSpec) => {
  let engine: EngineDriver;
  beforeAll(async () => {
    engine = new EngineDriver((await rebuild(spec.provider)).provider);
  });

  /** Creates the object through the first node only, as before the cluster grew. */
  async function createOnOneNode(n: string): Promise<{ state: ResourceState; inputs: Record<string, unknown> }> {
    await spec.prepare(d, fixtures, n);
    const inputs = spec.inputs(d, fixtures, n);
    const state = await engine.create({ ...inputs, connection: { ...d.connection(), endpoints: [d.urls[0]] } });
    expect(spec.count(d, n)).toBe(1);
    return { state, inputs };
  }

  it("an endpoint added to the connection updates in place without touching the manager", async () => {
    const n = `${spec.type.toLowerCase()}-grow`;
    const { state, inputs } = await createOnOneNode(n);
    const grown = { ...inputs, connection: d.connection() };
    expect(d.connection().endpoints).toHaveLength(2);

    const plan = await engine.plan(state, grown);
    expect(plan.diff).toEqual({ changes: true, replaces: [] });
    const since = d.requests.length;
    const updated = await engine.update(state, plan.inputs);

    expect(writesSince(since)).toEqual([]);
    expect(spec.count(d, n)).toBe(1);
    expect(updated.id).toBe(state.id);
    expect(updated.outs.connection).toMatchObject({ endpoints: d.urls });
    expect(outputsHolding(updated.outs, d.credentials.password)).toEqual(CONNECTION_SECRET_OUTPUTS);
    // The new state is settled: planning the same inputs again shows nothing to do, and read works through it.
    expect((await engine.plan(updated, grown)).diff).toEqual({ changes: false, replaces: [] });
    expect((await engine.read(updated)).id).toBe(state.id);
  });

  const inPlace = spec.inPlace;
  if (inPlace) it(`its in-place fields update without a replace, together with a grown connection (writes: ${inPlace.writes.join(", ") || "none"})`, async () => {
    const n = `${spec.type.toLowerCase()}-inplace`;
    const { state, inputs } = await createOnOneNode(n);
    const change = inPlace.change(fixtures, n);
    const plan = await engine.plan(state, { ...inputs, ...change, connection: d.connection() });
    expect(plan.diff).toEqual({ changes: true, replaces: [] });
    const since = d.requests.length;
    const updated = await engine.update(state, plan.inputs);

    expect(d.requests.slice(since).filter((r) => WRITES.includes(r.method)).map((r) => r.method)).toEqual(inPlace.writes);
    inPlace.expectOnManager?.(d, n);
    expect(spec.count(d, n)).toBe(1);
    expect(updated.outs).toMatchObject({ ...change, connection: { endpoints: d.urls } });
    expect((await engine.plan(updated, { ...inputs, ...change, connection: d.connection() })).diff).toEqual({ changes: false, replaces: [] });
  });
});

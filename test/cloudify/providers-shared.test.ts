import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateTestCa, startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { DOUBLE_PROFILES } from "../doubles/cloudify/options";
import { EngineDriver, rebuild } from "./engine";
import { Fixtures } from "./fixtures";
import { SPECS } from "./provider-specs";

/**
 * The acceptance list, for every provider, each serialized and rebuilt as the engine does, against a two-node double of
 * every supported release line.
 */
const fixtures = new Fixtures();
afterAll(() => fixtures.cleanup());

describe.each(DOUBLE_PROFILES)("on Cloudify %s", (version) => {
  let d: CloudifyDouble;

  beforeAll(async () => {
    d = await startCloudifyDouble({ version, nodes: 2, workflowDurationMs: 10 });
  });
  afterAll(async () => {
    await d.close();
  });
  afterEach(() => {
    d.faults.clear();
    d.setLeader(0);
  });

  describe.each(SPECS)("$type provider", (spec) => {
    let engine: EngineDriver;
    beforeAll(async () => {
      engine = new EngineDriver((await rebuild(spec.provider)).provider);
    });
    const name = (test: string) => `${spec.type.toLowerCase()}-${test}`;

    it("creates, reads, shows no diff for unchanged inputs, deletes, and deleting again succeeds", async () => {
      const n = name("life");
      await spec.prepare(d, fixtures, n);
      const state = await engine.create(spec.inputs(d, fixtures, n));
      expect(spec.count(d, n)).toBe(1);
      const read = await engine.read(state);
      expect(read.id).toBe(state.id);
      const { diff } = await engine.plan(state, spec.inputs(d, fixtures, n));
      expect(diff).toEqual({ changes: false, replaces: [] });
      await engine.delete(state);
      if (spec.type !== "Execution") {
        expect(spec.count(d, n)).toBe(0);
        expect(await engine.read(state)).toEqual({});
      }
      await engine.delete(state);
    });

    // Executions are never adopted (each create runs the workflow); tenants have nothing that could differ.
    if (spec.seedIdentical) it("adopts an identical existing object", async () => {
      const n = name("adopt");
      await spec.prepare(d, fixtures, n);
      await spec.seedIdentical!(d, fixtures, n);
      const state = await engine.create(spec.inputs(d, fixtures, n));
      expect(state.id).toBeTruthy();
      expect(spec.count(d, n)).toBe(1);
    });

    if (spec.seedDifferent) it("refuses a different existing object and leaves it alone", async () => {
      const n = name("refuse");
      await spec.prepare(d, fixtures, n);
      await spec.seedDifferent!(d, fixtures, n);
      const requestsBefore = d.requests.length;
      await expect(engine.create(spec.inputs(d, fixtures, n))).rejects.toThrow(/already exists in tenant `default_tenant` and differs .*refusing to overwrite/);
      expect(spec.count(d, n)).toBe(1);
      expect(d.requests.slice(requestsBefore).filter((r) => ["PATCH", "DELETE"].includes(r.method))).toEqual([]);
    });

    it("gets through a 5xx burst on its create request without a duplicate", async () => {
      const n = name("burst");
      await spec.prepare(d, fixtures, n);
      d.faults.inject({ ...spec.createRequest(n), times: 2, action: { kind: "status", status: 500 } });
      await engine.create(spec.inputs(d, fixtures, n));
      expect(spec.count(d, n)).toBe(1);
    });

    it("gets through a connection dropped after the manager acted, without a duplicate", async () => {
      const n = name("drop");
      await spec.prepare(d, fixtures, n);
      const fault = d.faults.inject({ ...spec.createRequest(n), action: { kind: "drop-after-processing" } });
      await engine.create(spec.inputs(d, fixtures, n));
      expect(fault.hits).toBe(1);
      expect(spec.count(d, n)).toBe(1);
    });

    it("fails over to the next node when the first is a replica", async () => {
      const n = name("failover");
      await spec.prepare(d, fixtures, n);
      d.setLeader(1);
      const since = d.requests.length;
      await engine.create(spec.inputs(d, fixtures, n));
      expect(spec.count(d, n)).toBe(1);
      expect(d.requests.slice(since).some((r) => r.node === 1)).toBe(true);
    });

    it("with a wrong CA fails with a clear TLS error and sends nothing", async () => {
      const n = name("wrong-ca");
      await spec.prepare(d, fixtures, n);
      const inputs = spec.inputs(d, fixtures, n);
      const since = d.requests.length;
      const wrongCa = { ...(inputs.connection as object), caCert: generateTestCa("unrelated CA").certPem };
      const error = await engine.create({ ...inputs, connection: wrongCa }).catch((e: unknown) => e);
      // A real Error even from the rebuilt provider (the engine reports error.message).
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/TLS verification of https:\/\/127\.0\.0\.1:\d+ failed .*Nothing was sent/);
      expect(d.requests.slice(since)).toEqual([]);
      expect(spec.count(d, n)).toBe(0);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClusterStatusProvider } from "../../components/cloudify/day2/cluster-status-provider";
import { endpointAddress } from "../../components/cloudify/client/endpoints";
import { clusterIpsFrom } from "../../components/cloudify/day2/cluster-status-read";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild } from "../cloudify/engine";
import { FAST_TUNING } from "../cloudify/fixtures";

/** cloudify:ClusterStatus, serialized and rebuilt as the engine does, against 4.x and 5.x doubles. */
const TUNING = { ...FAST_TUNING, maxAttempts: 2 };
let engine: EngineDriver;
const doubles: CloudifyDouble[] = [];
async function double(options: Parameters<typeof startCloudifyDouble>[0]): Promise<CloudifyDouble> {
  const d = await startCloudifyDouble(options);
  doubles.push(d);
  return d;
}
const addresses = (d: CloudifyDouble) => d.urls.map(endpointAddress);
const writes = (d: CloudifyDouble) => d.requests.filter((r) => r.method !== "GET");

beforeAll(async () => {
  engine = new EngineDriver((await rebuild(createClusterStatusProvider(TUNING))).provider);
});
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
});

describe("cloudify:ClusterStatus on a 4.x cluster", () => {
  it("reports the old /status shape as leaderStatus and every /cluster/nodes member with its checks, leader first in clusterIps", async () => {
    const d = await double({ version: "4.6", nodes: 3 });
    d.state.inactiveServices.add("RabbitMQ");
    d.state.clusterNodes[2]!.online = false;
    d.state.clusterNodes[2]!.checks = { consul: false, database: false, services: false, heartbeat: false };
    const state = await engine.create({ connection: d.connection() });
    const status = state.outs.clusterStatus as { leaderStatus: { service: string; status: string }[]; clusterStatus: unknown[]; error: unknown };
    expect(status.error).toBeNull();
    expect(status.leaderStatus).toContainEqual({ service: "PostgreSQL", status: "running" });
    expect(status.leaderStatus).toContainEqual({ service: "RabbitMQ", status: "failed" });
    expect(status.clusterStatus).toEqual([
      { name: "manager-0", hostIp: "127.0.0.1", state: "leader", consul: "OK", database: "OK", services: "OK", heartbeat: "OK" },
      { name: "manager-1", hostIp: "127.0.0.1", state: "replica", consul: "OK", database: "OK", services: "OK", heartbeat: "OK" },
      { name: "manager-2", hostIp: "127.0.0.1", state: "offline", consul: "FAIL", database: "FAIL", services: "FAIL", heartbeat: "FAIL" },
    ]);
    const [a, b, c] = addresses(d);
    expect(state.outs.clusterIps).toEqual({ master: a, slaves: [b, c] });
    expect(writes(d)).toEqual([]);
  });

  it("follows a leader change into clusterIps on the next update and on a refresh (read)", async () => {
    const d = await double({ version: "4.6", nodes: 3 });
    const state = await engine.create({ connection: d.connection() });
    const [a, b, c] = addresses(d);
    expect(state.outs.clusterIps).toEqual({ master: a, slaves: [b, c] });
    // A cluster that reports what was recorded is no change: a second `pulumi up --expect-no-changes` passes.
    expect((await engine.plan(state, { connection: d.connection() })).diff.changes).toBe(false);
    d.setLeader(2);
    // Nothing in the inputs changed, but the cluster did: the update is planned, and it records the new leader.
    const { inputs, diff } = await engine.plan(state, { connection: d.connection() });
    expect(diff.changes).toBe(true);
    const updated = await engine.update(state, inputs);
    expect(updated.outs.clusterIps).toEqual({ master: c, slaves: [a, b] });
    expect((updated.outs.clusterStatus as { clusterStatus: { name: string; state: string }[] }).clusterStatus.map((m) => [m.name, m.state])).toEqual([
      ["manager-0", "replica"], ["manager-1", "replica"], ["manager-2", "leader"],
    ]);
    d.setLeader(1);
    const refreshed = await engine.read(updated);
    expect(refreshed.id).toBe(state.id);
    expect(refreshed.props!.clusterIps).toEqual({ master: b, slaves: [a, c] });
    expect(writes(d)).toEqual([]);
  });

  it("still finds the leader when the first node is down", async () => {
    const d = await double({ version: "4.6", nodes: 3 });
    await d.stopNode(0);
    d.setLeader(1);
    const state = await engine.create({ connection: d.connection() });
    const [a, b, c] = addresses(d);
    expect(state.outs.clusterIps).toEqual({ master: b, slaves: [a, c] });
    expect((state.outs.clusterStatus as { error: unknown }).error).toBeNull();
  });

  it("says in error that no member answered instead of failing, and keeps the configured order", async () => {
    const d = await double({ version: "4.6", nodes: 2 });
    await d.stopNode(0);
    await d.stopNode(1);
    const state = await engine.create({ connection: d.connection() });
    expect(state.outs.clusterStatus).toEqual({ leaderStatus: [], clusterStatus: [], error: expect.stringMatching(/^no cluster member answered: .*ECONNREFUSED/) });
    const [a, b] = addresses(d);
    expect(state.outs.clusterIps).toEqual({ master: a, slaves: [b] });
  });
});

describe("cloudify:ClusterStatus on 5.x and community managers", () => {
  it("reports the 5.0.5+ /status shape and the /cluster-status managers", async () => {
    const d = await double({ version: "5.1", nodes: 2 });
    d.state.inactiveServices.add("Webserver");
    d.state.clusterNodes[1]!.online = false;
    const state = await engine.create({ connection: d.connection() });
    const status = state.outs.clusterStatus as { leaderStatus: unknown[]; clusterStatus: unknown[]; error: unknown };
    expect(status.leaderStatus).toContainEqual({ service: "Webserver", status: "Inactive" });
    expect(status.leaderStatus).toContainEqual({ service: "PostgreSQL", status: "Active" });
    expect(status.clusterStatus).toEqual([
      { name: "manager-0", hostIp: "127.0.0.1", state: "active", consul: null, database: "OK", services: "OK", heartbeat: null },
      { name: "manager-1", hostIp: "127.0.0.1", state: "offline", consul: null, database: "FAIL", services: "FAIL", heartbeat: null },
    ]);
    expect(status.error).toBeNull();
  });

  it("lists no members on a community manager (no cluster API), without an error", async () => {
    const d = await double({ version: "4.6", edition: "community" });
    const state = await engine.create({ connection: d.connection() });
    expect(state.outs.clusterStatus).toMatchObject({ clusterStatus: [], error: null });
    expect((state.outs.clusterStatus as { leaderStatus: unknown[] }).leaderStatus.length).toBeGreaterThan(0);
  });
});

describe("clusterIps", () => {
  it("lists the leader's address first, then the others in configured order; node 0 first without a leader", () => {
    const endpoints = ["https://10.0.0.1", "https://10.0.0.2", "https://[2001:db8::3]"];
    expect(clusterIpsFrom(endpoints, 2)).toEqual({ master: "2001:db8::3", slaves: ["10.0.0.1", "10.0.0.2"] });
    expect(clusterIpsFrom(endpoints, undefined)).toEqual({ master: "10.0.0.1", slaves: ["10.0.0.2", "2001:db8::3"] });
  });
});

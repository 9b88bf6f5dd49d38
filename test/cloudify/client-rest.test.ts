import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  CloudifyApiError,
  CloudifyClient,
  CloudifyConnectionError,
  CloudifyTlsError,
  CloudifyUnavailableError,
} from "../../components/cloudify/client";
import { generateTestCa, startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { seedDeployment } from "../doubles/cloudify/seeds";
import { FAST_TUNING } from "./fixtures";

let double: CloudifyDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function start(options: Parameters<typeof startCloudifyDouble>[0] = {}): Promise<CloudifyDouble> {
  double = await startCloudifyDouble(options);
  return double;
}

describe("CloudifyClient requests", () => {
  it("sends basic auth and the Tenant header, and checks the exact success status", async () => {
    const d = await start({ tenants: ["t1"] });
    const client = new CloudifyClient(d.connection("t1"), FAST_TUNING);
    await client.secrets.create("k1", { value: "v1", visibility: "tenant", isHiddenValue: false });
    expect(d.state.secrets.get("t1", "k1")?.value).toBe("v1");
    expect(d.requests.at(-1)).toMatchObject({ method: "PUT", path: "/secrets/k1", tenant: "t1", contentType: "application/json" });

    // GET answers 200: a call that expects exactly 201 fails.
    const wrongExpectation = client.rest.call({ method: "GET", path: "/secrets/k1", expect: [201] });
    await expect(wrongExpectation).rejects.toBeInstanceOf(CloudifyApiError);
  });

  it("errors carry status, error_code and the manager's message", async () => {
    const d = await start();
    const client = new CloudifyClient({ ...d.connection(), password: "wrong-Pa55-d41e" }, FAST_TUNING);
    const error = await client.secrets.get("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudifyApiError);
    expect(error).toMatchObject({ status: 401, errorCode: "unauthorized_error" });
    expect((error as CloudifyApiError).serverMessage).toMatch(/User unauthorized/);
    expect((error as Error).message).not.toContain("wrong-Pa55-d41e");

    const unknownTenant = await new CloudifyClient(d.connection("nope"), FAST_TUNING).secrets.get("k").catch((e: unknown) => e);
    expect(unknownTenant).toMatchObject({ status: 403, errorCode: "forbidden_error" });
  });

  it("retries a 5xx burst and 503 maintenance with backoff, then succeeds once", async () => {
    const d = await start();
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    d.faults.inject({ method: "PUT", path: "/secrets/burst", times: 2, action: { kind: "status", status: 500 } });
    d.faults.inject({ method: "PUT", path: "/secrets/burst", times: 1, action: { kind: "status", status: 503 } });
    await client.secrets.create("burst", { value: "v", visibility: "tenant", isHiddenValue: false });
    expect(d.requests.filter((r) => r.path === "/secrets/burst")).toHaveLength(4);
    expect(d.state.secrets.get("default_tenant", "burst")?.value).toBe("v");
  });

  it("gives up after the bounded number of rounds with the last error", async () => {
    const d = await start();
    const client = new CloudifyClient(d.connection(), { ...FAST_TUNING, maxAttempts: 3 });
    d.faults.inject({ path: "/secrets/k", times: Infinity, action: { kind: "status", status: 500 } });
    const error = await client.secrets.get("k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudifyUnavailableError);
    expect((error as CloudifyUnavailableError).lastError).toMatchObject({ status: 500, errorCode: "internal_server_error" });
    expect(d.requests.filter((r) => r.path === "/secrets/k")).toHaveLength(3);
  });

  it("retries an idempotent request after a dropped connection", async () => {
    const d = await start();
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await client.secrets.create("k", { value: "v", visibility: "tenant", isHiddenValue: false });
    d.faults.inject({ method: "GET", path: "/secrets/k", action: { kind: "drop-on-request" } });
    expect((await client.secrets.get("k"))?.value).toBe("v");
    expect(d.requests.filter((r) => r.method === "GET" && r.path === "/secrets/k")).toHaveLength(2);
  });

  it("does not resend a non-idempotent POST that has no way to find what it created", async () => {
    const d = await start();
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    d.faults.inject({ method: "POST", path: "/executions", action: { kind: "drop-after-processing" } });
    const raw = client.rest.call({ method: "POST", path: "/executions", json: { deployment_id: "x", workflow_id: "install" }, expect: [201] });
    await expect(raw).rejects.toBeInstanceOf(CloudifyConnectionError);
    expect(d.requests.filter((r) => r.path === "/executions")).toHaveLength(1);
  });

  it("retries after a read timeout", async () => {
    const d = await start();
    const client = new CloudifyClient(d.connection(), { ...FAST_TUNING, readTimeoutMs: 200 });
    d.faults.inject({ path: "/version", action: { kind: "delay", ms: 1_000 } });
    expect((await client.manager.version()).version).toBe("5.1");
    expect(d.requests.filter((r) => r.path === "/version")).toHaveLength(2);
  });
});

describe("CloudifyClient failover", () => {
  it("moves to the next node when the leader refuses connections, and stays there", async () => {
    const d = await start({ nodes: 3 });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await d.stopNode(0);
    d.setLeader(1);
    expect((await client.manager.version()).version).toBe("5.1");
    await client.manager.status();
    expect(d.requests.map((r) => r.node)).toEqual([1, 1]);
  });

  it("moves on after a replica's 400 not_cluster_master", async () => {
    const d = await start({ nodes: 3 });
    d.setLeader(2);
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    await client.secrets.create("k", { value: "v", visibility: "tenant", isHiddenValue: false });
    // The version is read before the first change; the change then goes straight to the node that answered.
    expect(d.requests.map((r) => [r.node, r.path])).toEqual([[0, "/version"], [1, "/version"], [2, "/version"], [2, "/secrets/k"]]);
    expect(d.state.secrets.all()).toHaveLength(1);
  });

  it("moves on after a connect timeout (a node that accepts TCP but never completes TLS)", async () => {
    const d = await start();
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const connection = { ...d.connection(), endpoints: [`https://127.0.0.1:${port}`, ...d.urls] };
      const client = new CloudifyClient(connection, { ...FAST_TUNING, connectTimeoutMs: 200 });
      expect((await client.manager.version()).version).toBe("5.1");
    } finally {
      silent.close();
    }
  });

  it("a wrong CA is a clear TLS error: nothing is sent, no other node is tried", async () => {
    const d = await start({ nodes: 2 });
    const otherCa = generateTestCa("unrelated CA");
    const client = new CloudifyClient({ ...d.connection(), caCert: otherCa.certPem }, FAST_TUNING);
    const error = await client.secrets.create("k", { value: "v", visibility: "tenant", isHiddenValue: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudifyTlsError);
    expect((error as Error).message).toMatch(/TLS verification of https:\/\/127\.0\.0\.1:\d+ failed .*connection\.caCert.*Nothing was sent/);
    expect(d.requests).toHaveLength(0);
    expect(d.state.secrets.all()).toHaveLength(0);
  });

  it("rejects a connection that is not https or lacks a CA, naming the key", () => {
    expect(() => new CloudifyClient({ endpoints: ["http://x"], username: "u", password: "p", caCert: "", tenant: "t" })).toThrow(
      /connection\.endpoints\[0\]: must be an https URL[\s\S]*connection\.caCert: must be a PEM/,
    );
  });
});

describe("CloudifyClient helpers for other components", () => {
  it("status in both shapes, version, 4.x cluster nodes and their removal", async () => {
    const d = await start({ version: "4.6", nodes: 2 });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    expect(await client.manager.status()).toMatchObject({ status: "running" });
    expect((await client.manager.profile()).statusShape).toBe("services-list");
    expect((await client.manager.clusterNodes()).map((n) => [n.name, n.master])).toEqual([
      ["manager-0", true],
      ["manager-1", false],
    ]);
    await client.manager.removeClusterMember("manager-1");
    expect((await client.manager.clusterNodes()).map((n) => n.name)).toEqual(["manager-0"]);
  });

  it("lists tenants and each tenant's deployments, across pages", async () => {
    const d = await start({ version: "5.1", tenants: ["t1"], workflowDurationMs: 5 });
    const client = new CloudifyClient(d.connection(), FAST_TUNING);
    expect(await client.manager.status()).toMatchObject({ status: "OK" });
    expect((await client.tenants.list()).map((t) => t.name).sort()).toEqual(["default_tenant", "t1"]);
    for (let i = 0; i < 1_005; i++) {
      seedDeployment(d, "t1", `dep${i}`);
    }
    expect(await client.deployments.list("t1")).toHaveLength(1_005);
    expect(d.requests.filter((r) => r.path === "/deployments").map((r) => new URLSearchParams(r.query).get("_offset"))).toEqual(["0", "1000"]);
    expect(await client.deployments.list()).toEqual([]);
  });
});

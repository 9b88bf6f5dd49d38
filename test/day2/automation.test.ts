import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupMain } from "../../scripts/backup";
import { healMain } from "../../scripts/heal";
import { CloudifyClient } from "../../components/cloudify/client";
import type { AutomationStack } from "../../components/day2/automation-stack";
import { requestBackup } from "../../components/day2/backup-command";
import { endpointAddress } from "../../components/cloudify/client/endpoints";
import { automationHealOperations } from "../../components/day2/heal/automation-operations";
import { heal } from "../../components/day2/heal/heal";
import { stackUrns, TYPES } from "../../components/naming/resourceNames";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { FAST_TUNING } from "../cloudify/fixtures";

/** The scripts' use of the Automation API, with a recording fake stack (no Pulumi CLI here) and the HTTPS double as the cluster. */
const URNS = stackUrns({ stack: "eu", project: "cmom" });
const ARCHIVE = { snapshotId: "snap_2026_11_22_10_00_00", file: "/p/snapshots/eu/snap_2026_11_22_10_00_00.zip", sha256: "ab".repeat(32), sizeBytes: 42, createdAt: "x" };
const NOW = () => new Date(Date.UTC(2026, 10, 22, 10, 0, 0));
const step = (kind: "resourcePreEvent" | "resOutputsEvent", urn: string, op: string) => ({ sequence: 0, timestamp: 0, [kind]: { metadata: { urn, op, type: "", provider: "" } } }) as unknown as EngineEvent;

interface FakeOptions {
  deployment?: unknown;
  config?: Record<string, string>;
  previewEvents?: EngineEvent[];
  upEvents?: EngineEvent[];
}
function fakeStack(options: FakeOptions = {}) {
  const calls: string[] = [];
  const config = options.config ?? {};
  const stack: AutomationStack = {
    name: "eu",
    refresh: async () => void calls.push("refresh"),
    preview: async (o) => {
      calls.push(`preview replace=${JSON.stringify(o?.replace)}`);
      for (const e of options.previewEvents ?? []) o?.onEvent?.(e);
    },
    up: async (o) => {
      calls.push(`up replace=${JSON.stringify(o?.replace)} target=${JSON.stringify(o?.target)}`);
      for (const e of options.upEvents ?? []) o?.onEvent?.(e);
      return { outputs: { backup: { value: ARCHIVE, secret: false } } };
    },
    exportStack: async () => ({ deployment: options.deployment }),
    getConfig: async (key) => {
      calls.push(`getConfig ${key}`);
      if (!(key in config)) throw new Error(`config key ${key} not found`);
      return { value: config[key]! };
    },
    setConfig: async (key, value, path) => void calls.push(`setConfig ${key}=${value.value} path=${path}`),
  };
  return { stack, calls };
}

describe("npm run backup", () => {
  it("sets cmom:backup.trigger (by path) to the UTC time, then runs pulumi up and reports the archive", async () => {
    const { stack, calls } = fakeStack();
    const archive = await requestBackup(stack, NOW(), () => undefined);
    expect(calls).toEqual(["setConfig backup.trigger=2026-11-22T10:00:00.000Z path=true", "up replace=undefined target=undefined"]);
    expect(archive).toEqual(ARCHIVE);
  });

  it("script: prints the archive, exits 2 on bad usage and 1 on failure", async () => {
    const out: string[] = [];
    const deps = { selectStack: async () => fakeStack().stack, now: NOW, stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    expect(await backupMain(["eu"], deps)).toBe(0);
    expect(out.at(-1)).toBe(`backup ${ARCHIVE.snapshotId}: ${ARCHIVE.file} (42 bytes, sha256 ${ARCHIVE.sha256})\n`);
    expect(await backupMain([], deps)).toBe(2);
    expect(await backupMain(["eu", "extra"], deps)).toBe(2);
    expect(await backupMain(["eu"], { ...deps, selectStack: async () => Promise.reject(new Error("no such stack eu")) })).toBe(1);
    expect(out.at(-1)).toBe("backup failed: no such stack eu\n");
  });
});

describe("npm run heal on the Automation API", () => {
  let d: CloudifyDouble;
  beforeAll(async () => {
    d = await startCloudifyDouble({ version: "4.6", nodes: 3 });
  });
  afterAll(async () => d.close());

  /** The state after a refresh found manager-2's server deleted and the status read it offline. */
  function refreshedState(): { resources: { urn: string; type: string; outputs?: Record<string, unknown> }[] } {
    const nodes = d.urls.map((url, i) => ({ name: `manager-${i}`, privateIp: `10.0.0.${i + 1}`, publicIp: endpointAddress(url), fqdn: null }));
    const members = [0, 1, 2].map((i) => ({ name: `manager-${i}`, hostIp: `10.0.0.${i + 1}`, state: i === 2 ? "offline" : i === 1 ? "leader" : "replica", consul: "OK", database: "OK", services: "OK", heartbeat: "OK" }));
    return {
      resources: [
        { urn: URNS.root, type: TYPES.stack, outputs: { nodes } },
        ...[0, 1].map((i) => ({ urn: URNS.server(i), type: TYPES.server })),
        { urn: URNS.clusterStatus, type: TYPES.clusterStatus, outputs: { clusterStatus: { leaderStatus: [], clusterStatus: members, error: null }, connection: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:..." } } },
      ],
    };
  }
  const cluster = () => JSON.stringify({ adminPassword: d.credentials.password, caCert: d.caCertPem });
  const client = (connection: ConstructorParameters<typeof CloudifyClient>[0]) => new CloudifyClient(connection, FAST_TUNING);

  it("reads the state, backs up through a targeted update, removes the node through the live leader and replaces only its server", async () => {
    d.setLeader(1);
    const requestsBefore = d.requests.length; // other tests of the file send theirs to the same double
    const server2 = URNS.server(2);
    const join2 = URNS.clusterJoin(2);
    const test2 = URNS.installStep(2, "test");
    const { stack, calls } = fakeStack({
      deployment: refreshedState(),
      config: { "cmom:cluster": cluster() },
      previewEvents: [step("resourcePreEvent", server2, "create"), step("resourcePreEvent", test2, "replace"), step("resourcePreEvent", join2, "replace")],
      upEvents: [step("resOutputsEvent", server2, "create"), step("resOutputsEvent", test2, "replace"), step("resOutputsEvent", join2, "replace")],
    });
    await heal(automationHealOperations(stack, () => undefined, client), { now: NOW });
    expect(calls).toEqual([
      "refresh",
      "getConfig cmom:platform",
      "getConfig cmom:cluster.version",
      "preview replace=[]",
      "setConfig backup.trigger=2026-11-22T10:00:00.000Z path=true",
      `up replace=undefined target=["${URNS.backup}"]`,
      "getConfig cmom:cluster",
      "up replace=[] target=undefined",
    ]);
    expect(d.state.clusterNodes.map((n) => n.name)).toEqual(["manager-0", "manager-1"]);
    expect(d.requests.slice(requestsBefore).filter((r) => r.method === "DELETE").map((r) => [r.path, r.node])).toEqual([["/cluster/nodes/manager-2", 1]]);
  });

  it("treats a node the cluster no longer lists as removed", async () => {
    const { stack } = fakeStack({ config: { "cmom:cluster": cluster() } });
    const ops = automationHealOperations(stack, () => undefined, client);
    await ops.removeClusterNode("manager-9", d.urls.map(endpointAddress));
  });

  it("script: a refusal exits 1 with the reason, and changes nothing", async () => {
    const unreachable = refreshedState();
    unreachable.resources[3]!.outputs!.clusterStatus = { leaderStatus: [], clusterStatus: [], error: "no cluster member answered: ECONNREFUSED" };
    const { stack, calls } = fakeStack({ deployment: unreachable });
    const err: string[] = [];
    const code = await healMain(["eu"], {
      selectStack: async () => stack,
      operations: (s, output) => automationHealOperations(s, output, client),
      now: NOW,
      stdout: () => undefined,
      stderr: (t) => void err.push(t),
    });
    expect(code).toBe(1);
    expect(err.join("")).toMatch(/^not healing eu: no cluster member answers \(no cluster member answered: ECONNREFUSED\); cmom never heals a wholly unreachable cluster/);
    expect(calls).toEqual(["refresh", "getConfig cmom:platform", "getConfig cmom:cluster.version"]);
    expect(await healMain([], { selectStack: async () => stack, operations: () => { throw new Error("unused"); }, now: NOW, stdout: () => undefined, stderr: () => undefined })).toBe(2);
  });
});

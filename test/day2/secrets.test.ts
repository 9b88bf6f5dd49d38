import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackupProvider } from "../../components/cloudify/day2/backup-provider";
import { createClusterStatusProvider } from "../../components/cloudify/day2/cluster-status-provider";
import { createSnapshotRestoreProvider } from "../../components/cloudify/day2/snapshot-restore-provider";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { EngineDriver, rebuild } from "../cloudify/engine";
import { FAST_TUNING } from "../cloudify/fixtures";

/** The admin password of the day-2 resources stays secret: wrapped when registered, only under `connection` in outputs. */
const PASSWORD = "PASSWORD-SENTINEL-d2a7";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const registrations: { type: string; object: Record<string, unknown>; additionalSecretOutputs: string[] }[] = [];

function plainOccurrences(value: unknown, path = ""): string[] {
  if (typeof value === "string") return value.includes(PASSWORD) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    if (SECRET_SIG in value) return [];
    return Object.entries(value).flatMap(([k, v]) => plainOccurrences(v, path ? `${path}.${k}` : k));
  }
  return [];
}
const exposedKeys = (outs: Record<string, unknown>) => Object.keys(outs).filter((key) => plainOccurrences(outs[key]).length > 0);

beforeAll(async () => {
  await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) }, "cmom", "test", false);
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: never, cb: never) => void };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: never, cb: never) => {
    const request = req as { getType(): string; getObject(): { toJavaScript(): Record<string, unknown> }; getAdditionalsecretoutputsList(): string[] };
    registrations.push({ type: request.getType(), object: request.getObject().toJavaScript(), additionalSecretOutputs: request.getAdditionalsecretoutputsList() });
    original(req, cb);
  };
});

describe("day-2 resources", () => {
  it("register their own types with the password wrapped and `connection` a secret output", async () => {
    const { CloudifyBackup } = await import("../../components/cloudify/day2/backup");
    const { CloudifyClusterStatus } = await import("../../components/cloudify/day2/cluster-status");
    const { CloudifySnapshotRestore } = await import("../../components/cloudify/day2/snapshot-restore");
    const connection = { endpoints: ["https://10.0.0.1"], username: "admin", password: PASSWORD, caCert: "-----BEGIN CERTIFICATE-----", tenant: "default_tenant" };
    const resources = [
      new CloudifyBackup("backup", { connection, dir: "/backups", trigger: "t" }),
      new CloudifySnapshotRestore("restore", { connection, snapshotPath: "/s.zip" }),
      new CloudifyClusterStatus("status", { connection }),
    ];
    await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
    expect(registrations.map((r) => r.type).sort()).toEqual(["Backup", "ClusterStatus", "SnapshotRestore"].map((t) => `pulumi-nodejs:dynamic/cloudify:${t}`));
    for (const registration of registrations) {
      expect({ type: registration.type, plain: plainOccurrences(registration.object) }).toEqual({ type: registration.type, plain: [] });
      expect(registration.additionalSecretOutputs).toContain("connection");
    }
  });
});

describe("day-2 provider outputs", () => {
  let d: CloudifyDouble;
  const dir = mkdtempSync(join(tmpdir(), "cmom-day2-secrets-"));
  beforeAll(async () => {
    d = await startCloudifyDouble({ version: "4.6", users: { admin: PASSWORD }, workflowDurationMs: 5 });
  });
  afterAll(async () => {
    await d.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("hold the password only under `connection`, and no error or status message repeats it", async () => {
    const backup = new EngineDriver((await rebuild(createBackupProvider(FAST_TUNING))).provider);
    const taken = await backup.create({ connection: d.connection(), dir, snapshotId: "s1", trigger: "t" });
    const restore = new EngineDriver((await rebuild(createSnapshotRestoreProvider(FAST_TUNING))).provider);
    const restored = await restore.create({ connection: d.connection(), snapshotPath: join(dir, "s1.zip") });
    const status = new EngineDriver((await rebuild(createClusterStatusProvider(FAST_TUNING))).provider);
    const read = await status.create({ connection: d.connection() });
    for (const outs of [taken.outs, restored.outs, read.outs]) expect(exposedKeys(outs)).toEqual(["connection"]);
    // A wrong password is refused: the status says so without echoing it.
    const refused = await status.create({ connection: { ...d.connection(), password: `${PASSWORD}-wrong` } });
    expect((refused.outs.clusterStatus as { error: string }).error).toMatch(/401/);
    expect(plainOccurrences(refused.outs.clusterStatus)).toEqual([]);
  });
});

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CloudifyClient, folderTreeDigest, sha256OfFile } from "../../components/cloudify/client";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { zipEntryNames } from "../doubles/cloudify/archive-reader";
import { FAST_TUNING, Fixtures } from "./fixtures";

const fixtures = new Fixtures();
let d: CloudifyDouble;
let client: CloudifyClient;

beforeAll(async () => {
  d = await startCloudifyDouble({ version: "5.1" });
  client = new CloudifyClient(d.connection(), FAST_TUNING);
});
afterAll(async () => {
  await d.close();
  fixtures.cleanup();
});
afterEach(() => d.faults.clear());

/** Requests to `path` made after the `since`-th request. */
const sent = (since: number, method: string, path: string) => d.requests.slice(since).filter((r) => r.method === method && r.path === path);

describe("uploads", () => {
  it("plugins go up as a flat zip of the wagon and plugin.yaml", async () => {
    const wagon = await fixtures.wagon("cloudify-flat-plugin", "1.2.3");
    const plugin = await client.plugins.upload({ wagonPath: wagon, yamlPath: fixtures.pluginYaml("cloudify-flat-plugin"), visibility: "tenant" });
    expect(plugin).toMatchObject({ package_name: "cloudify-flat-plugin", package_version: "1.2.3" });
    const upload = d.requests.find((r) => r.method === "POST" && r.path === "/plugins");
    expect(upload?.contentType).toBe("application/octet-stream");
    // The manager keeps the wagon itself: byte-identical to ours.
    expect(await client.plugins.wagonSha256(plugin.id)).toBe(await sha256OfFile(wagon));
  });

  it("a plugin upload dropped after the manager stored it is adopted, not uploaded twice", async () => {
    const since = d.requests.length;
    d.faults.inject({ method: "POST", path: "/plugins", action: { kind: "drop-after-processing" } });
    const plugin = await client.plugins.upload({
      wagonPath: await fixtures.wagon("cloudify-once-plugin", "1.0"),
      yamlPath: fixtures.pluginYaml("cloudify-once-plugin"),
      visibility: "tenant",
    });
    const stored = d.state.plugins.all().filter((p) => p.package_name === "cloudify-once-plugin");
    expect(stored.map((p) => p.id)).toEqual([plugin.id]);
    expect(sent(since, "POST", "/plugins")).toHaveLength(1);
  });

  it("a plugin upload dropped mid-body is sent again and stored once", async () => {
    const since = d.requests.length;
    d.faults.inject({ method: "POST", path: "/plugins", action: { kind: "drop-mid-upload" } });
    await client.plugins.upload({
      wagonPath: await fixtures.wagon("cloudify-midway-plugin", "1.0", 200_000),
      yamlPath: fixtures.pluginYaml("cloudify-midway-plugin"),
      visibility: "tenant",
    });
    expect(sent(since, "POST", "/plugins")).toHaveLength(2);
    expect(d.state.plugins.all().filter((p) => p.package_name === "cloudify-midway-plugin")).toHaveLength(1);
  });

  it("blueprints go up as a tar.gz with the folder as single top-level directory", async () => {
    const folder = fixtures.blueprint("inputs:\n  size: {default: 1}\n");
    const blueprint = await client.blueprints.upload("bp-upload", { folder, mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
    expect(blueprint).toMatchObject({ id: "bp-upload", main_file_name: "blueprint.yaml", description: expect.stringMatching(/test blueprint/) });
    expect(await client.blueprints.archiveDigest("bp-upload")).toBe(await folderTreeDigest(folder));
    const query = d.requests.find((r) => r.method === "PUT" && r.path === "/blueprints/bp-upload")?.query;
    expect(query).toContain("application_file_name=blueprint.yaml");
    expect(query).not.toContain("async_upload");
  });

  it("a main file whose name holds spaces, \"%\" or a subfolder reaches the manager as named", async () => {
    const folder = fixtures.blueprint();
    const mainFileName = "main files/100% %41 (v1).yaml";
    mkdirSync(join(folder, "main files"));
    writeFileSync(join(folder, mainFileName), readFileSync(join(folder, "blueprint.yaml"), "utf8").replace("includes/types.yaml", "../includes/types.yaml"));
    const blueprint = await client.blueprints.upload("bp-odd-main", { folder, mainFileName, visibility: "tenant", timeoutMs: 5_000 });
    expect(blueprint.main_file_name).toBe(mainFileName);
  });

  it("reports the manager's rejection of an invalid blueprint", async () => {
    const folder = fixtures.blueprint();
    writeFileSync(join(folder, "broken.yaml"), "description: no tosca version\n");
    const error = await client.blueprints
      .upload("bp-broken", { folder, mainFileName: "broken.yaml", visibility: "tenant", timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, errorCode: "invalid_blueprint_error" });
  });
});

// One story in order: the archive downloaded first is uploaded and restored after.
describe("downloads", { shuffle: false }, () => {
  it("a snapshot streams to disk; a download dropped midway is retried and leaves no partial file", async () => {
    const execution = await client.snapshots.create("snap-dl");
    await client.executions.waitForSuccess(execution.id, 5_000);
    d.faults.inject({ method: "GET", path: "/snapshots/snap-dl/archive", action: { kind: "drop-mid-download" } });
    const target = join(fixtures.dir, "snap-dl.zip");
    const bytes = await client.snapshots.download("snap-dl", target);
    expect(bytes).toBe(statSync(target).size);
    expect(await zipEntryNames(target)).toContain("state.json");
    expect(d.requests.filter((r) => r.path === "/snapshots/snap-dl/archive")).toHaveLength(2);
    expect(readdirSync(fixtures.dir).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("an upload of that snapshot arrives byte for byte", async () => {
    const source = join(fixtures.dir, "snap-dl.zip");
    const snapshot = await client.snapshots.upload("snap-up", source);
    expect(snapshot).toMatchObject({ id: "snap-up", status: "uploaded" });
    const stored = d.state.snapshots.get("snap-up")!.archiveFile!;
    expect(readFileSync(stored).equals(readFileSync(source))).toBe(true);
  });

  it("snapshot creation and upload dropped after the manager acted are not repeated", async () => {
    d.faults.inject({ method: "PUT", path: "/snapshots/snap-once", action: { kind: "drop-after-processing" } });
    const execution = await client.snapshots.create("snap-once");
    const creations = d.state.executions.all().filter((e) => e.workflow_id === "create_snapshot" && e.parameters.snapshot_id === "snap-once");
    expect(creations.map((e) => e.id)).toEqual([execution.id]);
    await client.executions.waitForSuccess(execution.id, 5_000);

    const since = d.requests.length;
    d.faults.inject({ method: "PUT", path: "/snapshots/snap-once-copy/archive", action: { kind: "drop-after-processing" } });
    expect(await client.snapshots.upload("snap-once-copy", join(fixtures.dir, "snap-dl.zip"))).toMatchObject({ id: "snap-once-copy", status: "uploaded" });
    expect(sent(since, "PUT", "/snapshots/snap-once-copy/archive")).toHaveLength(1);
  });

  it("a failed download leaves no file at all", async () => {
    const target = join(fixtures.dir, "missing.zip");
    await expect(client.snapshots.download("no-such-snapshot", target)).rejects.toMatchObject({ status: 404 });
    expect(existsSync(target) || existsSync(`${target}.partial`)).toBe(false);
  });
});

describe.each(["6.4", "7.0"])("a snapshot upload under an existing id on %s", (version) => {
  it("is refused before anything is sent, and the existing snapshot's archive stays as it was", async () => {
    const dv = await startCloudifyDouble({ version, workflowDurationMs: 10 });
    try {
      const versionClient = new CloudifyClient(dv.connection(), FAST_TUNING);
      const first = fixtures.file(`first-${version}.zip`, Buffer.alloc(4096, 1));
      await versionClient.snapshots.upload("kept", first);
      const since = dv.requests.length;
      await expect(versionClient.snapshots.upload("kept", fixtures.file(`second-${version}.zip`, Buffer.alloc(4096, 2)))).rejects.toThrow(
        /snapshot kept already exists; an upload does not replace it .*Nothing was sent/,
      );
      expect(dv.requests.slice(since).filter((r) => r.method === "PUT")).toEqual([]);
      const copy = join(fixtures.dir, `kept-${version}.zip`);
      await versionClient.snapshots.download("kept", copy);
      expect(readFileSync(copy)).toEqual(readFileSync(first));
    } finally {
      await dv.close();
    }
  });
});

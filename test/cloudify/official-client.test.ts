import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudifyClient } from "../../components/cloudify/client";
import { writePluginZip } from "../../components/cloudify/client/archives";
import { startCloudifyDouble, type CloudifyDouble, type RecordedRequest } from "../doubles/cloudify";
import { FAST_TUNING, Fixtures } from "./fixtures";
import { OFFICIAL_CLIENTS, officialCall, officialClientPython, stopOfficialClient, type OfficialConnection } from "./referee/official-client";

/**
 * The official client as referee, one release per line it installs for (see OFFICIAL_CLIENTS). Two doubles of the official
 * client's release line start alike; every operation cmom
 * performs is done by the official client (cloudify-common from PyPI, in a venv made here) on one and by cmom's client on
 * the other, and the requests each sent are compared: method, path, query, JSON body fields (and their values where both
 * set them), Tenant, Content-Type and the authentication scheme. The official client thereby also checks the double: it
 * must accept every call as the official client makes it.
 */
const fixtures = new Fixtures();
const scratch = mkdtempSync(join(tmpdir(), "cmom-referee-"));
let python: string;
let theirs: CloudifyDouble;
let ours: CloudifyDouble;
let client: CloudifyClient;
let theirConnection: OfficialConnection;

/** One request as compared: what a manager can tell of it. */
interface Shape {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: Record<string, unknown> | "none";
  readonly tenant: string | undefined;
  readonly contentType: string | undefined;
  readonly auth: string | undefined;
}

/** "True"/"true"/true are one value to the manager (rest_utils.verify_and_convert_bool); so are a number and its string. */
const normal = (value: unknown): unknown => (typeof value === "string" && /^(true|false)$/i.test(value) ? value.toLowerCase() === "true" : typeof value === "number" ? String(value) : value);

function shape(r: RecordedRequest): Shape {
  const params = new URLSearchParams(r.query);
  const query = Object.fromEntries([...new Set(params.keys())].map((k) => [k, params.getAll(k).map((v) => String(normal(v))).join("&")]));
  const body = r.json === undefined ? "none" : Object.fromEntries(Object.entries(r.json).map(([k, v]) => [k, normal(v)]));
  return { method: r.method, path: r.path, query, body, tenant: r.tenant, contentType: r.contentType?.split(";")[0], auth: r.auth };
}

/** Our requests that change nothing and the official client does not send: the version read and reads before a change. */
const isOwnRead = (r: RecordedRequest): boolean => r.method === "GET";

/**
 * Runs one operation both ways and returns the requests to compare: every official request, and ours of the same method
 * and path. Ours may add reads (the version, what exists before a change); any other extra request is a mismatch.
 */
async function both(op: string, args: Record<string, unknown>, mine: () => Promise<unknown>, ids?: GeneratedIds): Promise<{ official: Shape[]; cmom: Shape[]; extra: Shape[] }> {
  const [theirStart, ourStart] = [theirs.requests.length, ours.requests.length];
  await officialCall(python, theirConnection, op, args);
  await mine();
  const generic = (id: string | undefined) => (r: RecordedRequest): RecordedRequest => (id === undefined ? r : { ...r, path: r.path.split(id).join("{id}") });
  const official = theirs.requests.slice(theirStart).map(generic(ids?.theirs)).map(shape);
  const sent = ours.requests.slice(ourStart).map(generic(ids?.ours));
  const key = (s: { method: string; path: string }) => `${s.method} ${s.path}`;
  const officialKeys = new Set(official.map(key));
  return {
    official,
    cmom: sent.filter((r) => officialKeys.has(key(r))).map(shape),
    extra: sent.filter((r) => !officialKeys.has(key(r)) && !isOwnRead(r)).map(shape),
  };
}

/** Query parameters only cmom sends, and why the manager takes them the same: cmom pages through every list. */
const PAGING = ["_size", "_offset"];

/** The requests that make the operation: its changes, or its (first) read when it only reads. */
function primary(shapes: readonly Shape[]): Shape[] {
  const changes = shapes.filter((s) => s.method !== "GET");
  const chosen = changes.length > 0 ? changes : shapes.slice(0, 1);
  return chosen.map((s) => ({ ...s, query: Object.fromEntries(Object.entries(s.query).filter(([k]) => !PAGING.includes(k))) }));
}

/**
 * What the official client sends and cmom does not, each with why the manager takes both alike. Nothing else may differ.
 * `contentType`: the official client labels every body `application/json` (a default header of its session), an archive
 * too; upload endpoints read the raw body whatever its label, and cmom labels an archive `application/octet-stream`.
 */
interface Allowance {
  readonly query?: readonly string[];
  readonly body?: readonly string[];
  readonly contentType?: true;
  /** Body fields only cmom sends. */
  readonly ownBody?: readonly string[];
  /** Body fields for which `{}` and leaving them out are the same to the manager (either side may do either). */
  readonly emptyMeansAbsent?: readonly string[];
}
const ALLOWED: Readonly<Record<string, Allowance>> = {
  "plugins.upload": { contentType: true },
  "snapshots.upload": { contentType: true },
  // `skip_execution=false` in the query: resources_v3_1/blueprints.py @7.0.0 reads query values as strings, so the official
  // client's raw-body mode asks to skip the parsing execution; cmom leaves it out (the default, false).
  "blueprints.upload": { contentType: true, query: ["skip_execution"] },
  // The defaults of resources_v3_1/deployments.py @7.0.0 (runtime_only_evaluation false; all_sub_deployments true,
  // include_workdir false).
  // inputs: resources_v3_1/deployments.py @6.4.0 and @7.0.0 read a missing one as {} (the 6.4 client leaves an empty one out).
  "deployments.create": { body: ["runtime_only_evaluation"], emptyMeansAbsent: ["inputs"] },
  "deployments.get": { query: ["all_sub_deployments", "include_workdir"] },
  // resources_v1/deployments.py delete @5.1.0 … 7.0.0 reads force and delete_logs, both false when absent, and does not
  // read delete_db_mode (5.x clients) or recursive (7.0 client).
  "deployments.delete": { query: ["force", "delete_logs", "delete_db_mode", "recursive"] },
  // What resources_v1/executions.py @7.0.0 assumes when they are absent: null, and wait_after_fail 600.
  "executions.start": {
    body: ["scheduled_time", "wait_after_fail", "force_status", "created_by", "created_at", "started_at", "ended_at", "id", "is_system_workflow", "error"],
  },
  // false is the default of the 7.0 cluster-status resource.
  "cluster_status.get_status": { query: ["summary"] },
  // null is what resources_v2/snapshots.py @7.0.0 reads when they are absent.
  "snapshots.create": { body: ["tempdir_path", "listener_timeout"] },
  // `timeout`: resources_v2/snapshots.py @4.3 … 7.0.0 read it (default 300 s); the official client has no parameter for it
  // and cmom passes the restore's own timeout.
  "snapshots.restore": { ownBody: ["timeout"] },
};

function withoutAllowed(s: Shape, allowed: Allowance): Shape {
  const drop = (record: Record<string, unknown>, keys: readonly string[] = []) => Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));
  const empty = (record: Record<string, unknown>) =>
    drop(record, (allowed.emptyMeansAbsent ?? []).filter((k) => JSON.stringify(record[k]) === "{}"));
  return {
    ...s,
    query: drop(s.query, allowed.query) as Record<string, string>,
    body: s.body === "none" ? "none" : empty(drop(s.body, allowed.body)),
    contentType: allowed.contentType ? undefined : s.contentType,
  };
}

/** Ids each manager generated for the same object (plugins): paths are compared with `{id}` in their place. */
interface GeneratedIds {
  readonly theirs: string;
  readonly ours: string;
}

/** Asserts that cmom sent what the official client sent. */
async function sameRequests(op: string, args: Record<string, unknown>, mine: () => Promise<unknown>, ids?: GeneratedIds): Promise<void> {
  const { official, cmom, extra } = await both(op, args, mine, ids);
  expect(extra, `${op}: requests the official client does not send`).toEqual([]);
  const allowed = ALLOWED[op] ?? {};
  expect(primary(cmom).map((s) => withoutAllowed(s, { ...allowed, query: [], body: allowed.ownBody })), `${op}: requests`).toEqual(
    primary(official).map((s) => withoutAllowed(s, allowed)),
  );
}

/** Waits until `check` holds on both doubles (workflows run on timers). */
async function settled(check: (d: CloudifyDouble) => boolean): Promise<void> {
  for (let i = 0; i < 500 && !(check(theirs) && check(ours)); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check(theirs) && check(ours)).toBe(true);
}
const ended = (workflowId: string) => (d: CloudifyDouble) =>
  d.state.executions.all().filter((e) => e.workflow_id === workflowId).every((e) => ["terminated", "failed", "cancelled"].includes(e.status));

let wagon: string;
let yaml: string;
let blueprintFolder: string;
const MAIN_FILE = "main 100% (v1).yaml";

beforeAll(async () => {
  // Every release's venv at once (each made only when missing): making one is mostly waiting on PyPI and unpacking.
  await Promise.all(OFFICIAL_CLIENTS.map(officialClientPython));
  wagon = await fixtures.wagon("cloudify-referee-plugin", "1.0");
  yaml = fixtures.pluginYaml("cloudify-referee-plugin");
  blueprintFolder = fixtures.blueprint("inputs:\n  size: {default: 1}\n", "referee");
  // A main file name the manager must unquote: both clients quote it for that.
  copyFileSync(join(blueprintFolder, "blueprint.yaml"), join(blueprintFolder, MAIN_FILE));
}, 600_000);
afterAll(() => {
  fixtures.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

// The blocks run one after the other: each sets the doubles and clients the helpers above use. Within a block the tests are
// one story in order (the deployments use the blueprint uploaded before them), so they are never shuffled.
describe("the official client as referee", { shuffle: false }, () => {
  describe.each(OFFICIAL_CLIENTS)("cmom's client against the official cloudify-common $version on a $managerProfile double", (official) => {
    beforeAll(async () => {
      python = await officialClientPython(official);
      const options = { version: official.managerProfile, workflowDurationMs: 10, nodes: 1 } as const;
      theirs = await startCloudifyDouble(options);
      ours = await startCloudifyDouble(options);
      const caFile = join(scratch, `ca-${official.version}.pem`);
      writeFileSync(caFile, theirs.caCertPem);
      theirConnection = { host: "127.0.0.1", port: Number(new URL(theirs.urls[0]!).port), caFile, ...theirs.credentials, tenant: "default_tenant" };
      client = new CloudifyClient(ours.connection(), FAST_TUNING);
    }, 600_000);
    afterAll(async () => {
      await Promise.all([theirs?.close(), ours?.close(), stopOfficialClient(python)]);
    });

    it("tenants", async () => {
      await sameRequests("tenants.create", { name: "t1" }, () => client.tenants.create("t1"));
      await sameRequests("tenants.get", { name: "t1" }, () => client.tenants.get("t1"));
      await sameRequests("tenants.list", {}, () => client.tenants.list());
      await sameRequests("tenants.delete", { name: "t1" }, () => client.tenants.delete("t1"));
    });

    it("secrets", async () => {
      await sameRequests("secrets.create", { key: "k", value: "v1", hidden: false, visibility: "tenant" }, () =>
        client.secrets.create("k", { value: "v1", visibility: "tenant", isHiddenValue: false }));
      await sameRequests("secrets.get", { key: "k" }, () => client.secrets.get("k"));
      await sameRequests("secrets.update", { key: "k", value: "v2" }, () => client.secrets.update("k", { value: "v2" }));
      await sameRequests("secrets.update_fields", { key: "k", visibility: "global", hidden: true }, () =>
        client.secrets.update("k", { visibility: "global", isHiddenValue: true }));
      await sameRequests("secrets.delete", { key: "k" }, () => client.secrets.delete("k"));
    });

    it("plugins", async () => {
      const zip = join(scratch, "plugin.zip");
      await writePluginZip(wagon, yaml, zip);
      await sameRequests("plugins.upload", { zip, visibility: "tenant" }, () => client.plugins.upload({ wagonPath: wagon, yamlPath: yaml, visibility: "tenant" }));
      const packageOf = { packageName: "cloudify-referee-plugin", packageVersion: "1.0" };
      await sameRequests("plugins.list", packageOf, () => client.plugins.findByPackage({ package_name: packageOf.packageName, package_version: packageOf.packageVersion }));
      const [theirPlugin] = theirs.state.plugins.all();
      const [ourPlugin] = ours.state.plugins.all();
      await sameRequests("plugins.get", { id: theirPlugin!.id }, () => client.plugins.get(ourPlugin!.id), { theirs: theirPlugin!.id, ours: ourPlugin!.id });
      await sameRequests("plugins.download", { id: theirPlugin!.id, file: join(scratch, `wagon-${official.version}.wgn`) }, () => client.plugins.wagonSha256(ourPlugin!.id), { theirs: theirPlugin!.id, ours: ourPlugin!.id });
      await sameRequests("plugins.delete", { id: theirPlugin!.id }, () => client.plugins.delete(ourPlugin!.id), { theirs: theirPlugin!.id, ours: ourPlugin!.id });
    });

    it("blueprints", async () => {
      await sameRequests("blueprints.upload", { mainFile: join(blueprintFolder, MAIN_FILE), id: "bp", visibility: "tenant", async: true }, () =>
        client.blueprints.upload("bp", { folder: blueprintFolder, mainFileName: MAIN_FILE, visibility: "tenant", timeoutMs: 10_000 }));
      expect(ours.state.blueprints.get("default_tenant", "bp")?.main_file_name).toBe(MAIN_FILE);
      // Parsed: at once up to 5.1, by the upload_blueprint execution from 5.2.
      await settled((d) => Boolean(d.state.blueprints.get("default_tenant", "bp")?.plan));
      await sameRequests("blueprints.get", { id: "bp" }, () => client.blueprints.get("bp"));
      await sameRequests("blueprints.list", { size: 5 }, () => client.blueprints.someIds(5));
      await sameRequests("blueprints.download", { id: "bp", file: join(scratch, `bp-${official.version}.tar.gz`) }, () => client.blueprints.archiveDigest("bp"));
    });

    it("deployments, executions, node instances and agents", async () => {
      await sameRequests("deployments.create", { blueprintId: "bp", id: "dep", inputs: {}, visibility: "tenant", async: true }, () =>
        client.deployments.create("dep", { blueprintId: "bp", inputs: {}, visibility: "tenant" }));
      await settled(ended("create_deployment_environment"));
      await sameRequests("deployments.get", { id: "dep" }, () => client.deployments.get("dep"));
      await sameRequests("executions.start", { deploymentId: "dep", workflowId: "install", allowCustom: false, queue: false }, () =>
        client.executions.start({ deploymentId: "dep", workflowId: "install" }));
      await settled(ended("install"));
      await sameRequests("node_instances.list", { deploymentId: "dep" }, () => client.nodeInstances.ofDeployment("dep"));
      // `cfy agents install` starts install_new_agents with custom parameters allowed.
      await sameRequests("executions.start", { deploymentId: "dep", workflowId: "install_new_agents", allowCustom: true, queue: true }, () =>
        client.executions.start({ deploymentId: "dep", workflowId: "install_new_agents", allowCustomParameters: true, queue: true }));
      await settled(ended("install_new_agents"));
      await sameRequests("deployments.list", {}, () => client.deployments.list());
      await sameRequests("executions.list", { deploymentId: "dep", workflowId: "install" }, () => client.executions.list({ deploymentId: "dep", workflowId: "install", includeSystem: true }));
      // A long uninstall on each side, to be cancelled (each manager's execution id is its own).
      theirs.scriptWorkflow("uninstall", { durationMs: 5_000 });
      ours.scriptWorkflow("uninstall", { durationMs: 5_000 });
      await officialCall(python, theirConnection, "executions.start", { deploymentId: "dep", workflowId: "uninstall", allowCustom: false, queue: false });
      const uninstall = await client.executions.start({ deploymentId: "dep", workflowId: "uninstall" });
      const theirUninstall = theirs.state.executions.all().find((e) => e.workflow_id === "uninstall")!.id;
      await sameRequests("executions.get", { id: theirUninstall }, () => client.executions.get(uninstall.id), { theirs: theirUninstall, ours: uninstall.id });
      await sameRequests("executions.cancel", { id: theirUninstall }, () => client.executions.cancel(uninstall.id), { theirs: theirUninstall, ours: uninstall.id });
      await settled(ended("uninstall"));
      // The cancelled uninstall left the nodes live: a whole one before the delete, as cmom's deployment delete does.
      await officialCall(python, theirConnection, "executions.start", { deploymentId: "dep", workflowId: "uninstall", allowCustom: false, queue: false });
      await client.executions.start({ deploymentId: "dep", workflowId: "uninstall" });
      await settled(ended("uninstall"));
      await sameRequests("deployments.delete", { id: "dep" }, () => client.deployments.delete("dep"));
      await settled((d) => d.state.deployments.get("default_tenant", "dep") === undefined);
      await sameRequests("blueprints.delete", { id: "bp" }, () => client.blueprints.delete("bp"));
    });

    it("status and cluster members", async () => {
      await sameRequests("manager.get_status", {}, () => client.manager.status());
      await sameRequests("manager.get_managers", {}, () => client.manager.managers());
      await sameRequests("cluster_status.get_status", {}, () => client.manager.clusterStatus());
      const [member] = ours.state.clusterNodes.map((n) => n.name);
      await sameRequests("manager.remove_manager", { hostname: member }, () => client.manager.removeClusterMember(member!));
    });

    it("snapshots: create, download, upload, restore", async () => {
      await sameRequests("snapshots.create", { id: "snap" }, () => client.snapshots.create("snap"));
      await settled((d) => d.state.snapshots.get("snap")?.status === "created");
      const [theirFile, ourFile] = [join(scratch, `theirs-${official.version}.zip`), join(scratch, `ours-${official.version}.zip`)];
      await sameRequests("snapshots.download", { id: "snap", file: theirFile }, () => client.snapshots.download("snap", ourFile));
      await sameRequests("snapshots.upload", { id: "copy", file: theirFile }, () => client.snapshots.upload("copy", ourFile));
      await sameRequests("snapshots.restore", { id: "copy", force: true }, () => client.snapshots.restore("copy", { recreateDeploymentsEnvs: true, force: true }));
      await settled(ended("restore_snapshot"));
      await sameRequests("snapshots.get_status", {}, () => client.snapshots.restoreRunning());
      await sameRequests("snapshots.create", { id: "gone" }, () => client.snapshots.create("gone"));
      await settled((d) => d.state.snapshots.get("gone")?.status === "created");
      await sameRequests("snapshots.get", { id: "gone" }, () => client.snapshots.get("gone"));
      await sameRequests("snapshots.delete", { id: "gone" }, () => client.snapshots.delete("gone"));
    });
  });
});

import { randomBytes } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ZipFile } from "yazl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBlueprintTarGz, writePluginZip } from "../../components/cloudify/client/archives";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { Fixtures } from "./fixtures";
import { raw, sleep } from "./raw-http";

/** The double answers as the contract doc says the manager does (the REST contract of the versions cmom supports). */
const fixtures = new Fixtures();
afterAll(() => fixtures.cleanup());

async function blueprintArchive(body = ""): Promise<Buffer> {
  const file = join(fixtures.dir, `bp-${Math.random().toString(36).slice(2)}.tar.gz`);
  await writeBlueprintTarGz(fixtures.blueprint(body), file);
  return readFileSync(file);
}

async function pluginZip(packageName: string): Promise<Buffer> {
  const file = join(fixtures.dir, `${packageName}.zip`);
  await writePluginZip(await fixtures.wagon(packageName, "1.0"), fixtures.pluginYaml(packageName), file);
  return readFileSync(file);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await sleep(10);
}

describe("double 5.1", () => {
  let d: CloudifyDouble;
  beforeAll(async () => {
    d = await startCloudifyDouble({ version: "5.1", workflowDurationMs: 30 });
  });
  afterAll(() => d.close());

  it("answers exact success codes: 201 for creations, 200 for secrets and restores", async () => {
    expect((await raw(d, "POST", "/tenants/codes")).status).toBe(201);
    expect((await raw(d, "PUT", "/secrets/codes", { json: { value: "v" } })).status).toBe(200);
    expect((await raw(d, "PUT", "/blueprints/codes?application_file_name=blueprint.yaml", { body: await blueprintArchive() })).status).toBe(201);
    expect((await raw(d, "POST", "/plugins?visibility=tenant", { body: await pluginZip("cloudify-codes-plugin") })).status).toBe(201);
    expect((await raw(d, "PUT", "/deployments/codes", { json: { blueprint_id: "codes", inputs: {} } })).status).toBe(201);
    const snapshot = await raw(d, "PUT", "/snapshots/codes", { json: {} });
    expect(snapshot.status).toBe(201);
    expect(snapshot.json).toMatchObject({ workflow_id: "create_snapshot", is_system_workflow: true, deployment_id: null, status: "pending" });
  });

  it("errors are JSON {message, error_code, server_traceback} (traceback null from 5.0.5)", async () => {
    const answer = await raw(d, "GET", "/secrets/absent");
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ message: "Requested `Secret` with ID `absent` was not found", error_code: "not_found_error", server_traceback: null });
  });

  it("JSON endpoints answer 415 unless Content-Type is application/json (DELETE /plugins included)", async () => {
    expect((await raw(d, "PUT", "/secrets/typed", { body: '{"value":"v"}', contentType: "text/plain" })).json).toMatchObject({
      error_code: "unsupported_content_type_error",
    });
    const plugin = (await raw(d, "POST", "/plugins", { body: await pluginZip("cloudify-typed-plugin") })).json as { id: string };
    const answer = await raw(d, "DELETE", `/plugins/${plugin.id}`, { body: '{"force": false}', contentType: null });
    expect(answer.status).toBe(415);
    expect((await raw(d, "DELETE", `/plugins/${plugin.id}`, { json: { force: "false" } })).status).toBe(204);
  });

  it("missing fields and bad ids are 400 bad_parameters_error", async () => {
    expect((await raw(d, "PUT", "/secrets/novalue", { json: {} })).json).toMatchObject({ error_code: "bad_parameters_error", message: "Missing value in json request body" });
    for (const id of ["1starts-with-digit", "has%20space", "a".repeat(257)]) {
      expect((await raw(d, "PUT", `/secrets/${id}`, { json: { value: "v" } })).json).toMatchObject({ error_code: "bad_parameters_error" });
    }
    expect((await raw(d, "PUT", `/secrets/${"a".repeat(256)}`, { json: { value: "v" } })).status).toBe(200);
  });

  it("lists use the pagination envelope with _size, _offset, _sort, _include", async () => {
    for (const key of ["page-a", "page-b", "page-c", "page-d", "page-e"]) await raw(d, "PUT", `/secrets/${key}`, { json: { value: key } });
    const page = await raw(d, "GET", "/secrets?_search=page-&_size=2&_offset=1&_sort=-key&_include=key,visibility");
    expect(page.json).toEqual({
      items: [
        { key: "page-d", visibility: "tenant" },
        { key: "page-c", visibility: "tenant" },
      ],
      metadata: { pagination: { total: 5, size: 2, offset: 1 } },
    });
    expect((await raw(d, "GET", "/secrets?_include=nope")).json).toMatchObject({ error_code: "no_such_include_field_error" });
    expect((await raw(d, "GET", "/secrets?_offset=-1")).status).toBe(400);
    expect(((await raw(d, "GET", "/secrets")).json as { metadata: { pagination: { size: number } } }).metadata.pagination.size).toBe(1000);
  });

  it("authenticates basic auth in both base64 alphabets; bad credentials 401; unknown or missing tenant 403", async () => {
    const tricky = await startCloudifyDouble({ users: { admin: "ÿþ>?~" } });
    try {
      expect((await raw(tricky, "GET", "/version", { base64: "url-safe" })).status).toBe(200);
      expect((await raw(tricky, "GET", "/version", { base64: "standard" })).status).toBe(200);
    } finally {
      await tricky.close();
    }
    expect((await raw(d, "GET", "/version", { credentials: null })).json).toMatchObject({ error_code: "unauthorized_error" });
    expect((await raw(d, "GET", "/version", { credentials: "admin:wrong" })).status).toBe(401);
    expect((await raw(d, "GET", "/secrets", { tenant: "ghost" })).json).toMatchObject({
      error_code: "forbidden_error",
      message: "Authorization failed: Tried to authenticate with invalid tenant name: ghost",
    });
    expect((await raw(d, "GET", "/secrets", { tenant: null })).status).toBe(403);
  });

  it("tenants: reserved names 400, duplicates 409, unknown GET 403, DELETE 204", async () => {
    expect((await raw(d, "POST", "/tenants/users")).status).toBe(400);
    await raw(d, "POST", "/tenants/dup");
    expect((await raw(d, "POST", "/tenants/dup")).json).toMatchObject({ error_code: "conflict_error" });
    expect((await raw(d, "GET", "/tenants/ghost")).status).toBe(403);
    expect((await raw(d, "DELETE", "/tenants/dup")).status).toBe(204);
  });

  it("secrets: 409 on an existing key without update_if_exists, 400 on an empty PATCH", async () => {
    await raw(d, "PUT", "/secrets/once", { json: { value: "a" } });
    expect((await raw(d, "PUT", "/secrets/once", { json: { value: "b" } })).status).toBe(409);
    expect((await raw(d, "PUT", "/secrets/once", { json: { value: "b", update_if_exists: "true" } })).status).toBe(200);
    expect((await raw(d, "PATCH", "/secrets/once", { json: {} })).json).toMatchObject({ error_code: "illegal_action_error" });
  });

  it("deployments are created asynchronously: workflows wait for the environment", async () => {
    await raw(d, "PUT", "/blueprints/async-env", { body: await blueprintArchive() });
    d.scriptWorkflow("create_deployment_environment", { durationMs: 300, deploymentId: "async-env" });
    expect((await raw(d, "PUT", "/deployments/async-env", { json: { blueprint_id: "async-env" } })).status).toBe(201);
    const early = await raw(d, "POST", "/executions", { json: { deployment_id: "async-env", workflow_id: "install" } });
    expect((early.json as { error_code: string }).error_code).toMatch(/^deployment_environment_creation_(pending|in_progress)_error$/);
    const listed = await raw(d, "GET", "/executions?deployment_id=async-env");
    expect((listed.json as { items: { workflow_id: string }[] }).items.map((e) => e.workflow_id)).toEqual(["create_deployment_environment"]);
    await sleep(400);
    expect((await raw(d, "POST", "/executions", { json: { deployment_id: "async-env", workflow_id: "install" } })).status).toBe(201);
    expect((await raw(d, "POST", "/executions", { json: { deployment_id: "async-env", workflow_id: "nope" } })).json).toMatchObject({ error_code: "nonexistent_workflow_error" });
  });

  it("deployment inputs: missing required and unknown inputs are refused", async () => {
    await raw(d, "PUT", "/blueprints/with-inputs", { body: await blueprintArchive("inputs:\n  needed: {}\n") });
    expect((await raw(d, "PUT", "/deployments/no-input", { json: { blueprint_id: "with-inputs" } })).json).toMatchObject({
      error_code: "missing_required_deployment_input_error",
    });
    expect((await raw(d, "PUT", "/deployments/extra-input", { json: { blueprint_id: "with-inputs", inputs: { needed: 1, extra: 2 } } })).json).toMatchObject({
      error_code: "unknown_deployment_input_error",
    });
  });

  it("uploads: an archive URL together with a body is 400; a plugin zip needs exactly one wagon and one yaml", async () => {
    expect((await raw(d, "PUT", "/blueprints/both?blueprint_archive_url=https://x/y.tar.gz", { body: await blueprintArchive() })).status).toBe(400);
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from("a: 1"), "one.yaml");
    zip.addBuffer(Buffer.from("b: 2"), "two.yaml");
    zip.end();
    const zipFile = join(fixtures.dir, "two-yamls.zip");
    await pipeline(zip.outputStream, createWriteStream(zipFile));
    expect((await raw(d, "POST", "/plugins", { body: readFileSync(zipFile) })).json).toMatchObject({ error_code: "invalid_plugin_error" });
    const body = await pluginZip("cloudify-twice-plugin");
    await raw(d, "POST", "/plugins", { body });
    expect((await raw(d, "POST", "/plugins", { body })).json).toMatchObject({ error_code: "conflict_error" });
  });

  it("snapshots: download headers, upload 201 uploaded, restore guards the API with 503 until it ends", async () => {
    expect((await raw(d, "PUT", "/secrets/in-snapshot", { json: { value: "v" } })).status).toBe(200);
    expect((await raw(d, "PUT", "/snapshots/taken", { json: {} })).status).toBe(201);
    await until(async () => d.state.snapshots.get("taken")?.status === "created");
    const download = await raw(d, "GET", "/snapshots/taken/archive");
    expect(download.status).toBe(200);
    expect(download.headers).toMatchObject({
      "content-type": "application/octet-stream",
      "content-disposition": "attachment; filename=taken.zip",
      "content-length": String(readFileSync(d.state.snapshots.get("taken")!.archiveFile!).length),
    });

    const archive = readFileSync(d.state.snapshots.get("taken")!.archiveFile!);
    const uploaded = await raw(d, "PUT", "/snapshots/copy/archive", { body: archive });
    expect(uploaded.status).toBe(201);
    expect(uploaded.json).toMatchObject({ id: "copy", status: "uploaded" });

    expect((await raw(d, "POST", "/snapshots/copy/restore", { json: { recreate_deployments_envs: false } })).json).toMatchObject({
      message: "Missing force in json request body",
    });
    expect((await raw(d, "POST", "/snapshots/copy/restore", { json: { recreate_deployments_envs: false, force: true, no_reboot: true } })).status).toBe(400);

    d.scriptWorkflow("restore_snapshot", { durationMs: 300 });
    await raw(d, "PUT", "/secrets/after-snapshot", { json: { value: "gone after restore" } });
    const restore = await raw(d, "POST", "/snapshots/copy/restore", { json: { recreate_deployments_envs: false, force: true } });
    expect(restore.status).toBe(200);
    expect(Object.keys(restore.json as object).sort()).toEqual(["created_at", "created_by", "error", "id", "status", "tenant_name", "visibility"]);
    expect((await raw(d, "GET", "/secrets/once")).json).toMatchObject({ error_code: "in_snapshot_restore_error" });
    expect((await raw(d, "GET", "/snapshot-status", { credentials: null, tenant: null })).json).toEqual({ status: "running" });
    await until(async () => ((await raw(d, "GET", "/snapshot-status")).json as { status: string }).status === "not-running");
    expect((await raw(d, "GET", "/secrets/after-snapshot")).status).toBe(404);
    expect((await raw(d, "GET", "/secrets/in-snapshot")).status).toBe(200); // taken with the snapshot, back after the restore
    // A restore empties the snapshots table too (postgres.py @4.3 … 5.2 truncates all but a few tables).
    expect((await raw(d, "DELETE", "/snapshots/copy")).status).toBe(404);
  });

  it("a client that leaves in the middle of an archive download leaves the double serving the next one whole", async () => {
    const archive = randomBytes(32 << 20);
    const credentials = Buffer.from(`${d.credentials.username}:${d.credentials.password}`).toString("base64");
    expect((await raw(d, "PUT", "/snapshots/left/archive", { body: archive })).status).toBe(201);
    await new Promise<void>((resolve, reject) => {
      const req = request(`${d.urls[0]}/api/v3.1/snapshots/left/archive`, { headers: { Authorization: `Basic ${credentials}`, Tenant: "default_tenant" }, ca: d.caCertPem }, (res) => {
        res.once("data", () => {
          res.socket.destroy();
          resolve();
        });
      });
      req.on("error", reject);
      req.end();
    });
    await sleep(200); // the double's pending writes fail meanwhile
    const whole = await raw(d, "GET", "/snapshots/left/archive");
    expect(whole.status).toBe(200);
    expect(whole.body.equals(archive)).toBe(true);
  });

  it("maintenance mode answers 503 maintenance_mode_active except /status and /version", async () => {
    d.state.maintenance = true;
    try {
      expect((await raw(d, "GET", "/secrets")).json).toMatchObject({ error_code: "maintenance_mode_active" });
      expect((await raw(d, "GET", "/status")).status).toBe(200);
      expect((await raw(d, "GET", "/version")).status).toBe(200);
    } finally {
      d.state.maintenance = false;
    }
  });

  it("5.x has no /cluster API but /managers", async () => {
    expect((await raw(d, "GET", "/cluster/nodes")).status).toBe(404);
    expect(((await raw(d, "GET", "/managers")).json as { items: unknown[] }).items).toHaveLength(1);
  });

  it("faults: 502 is nginx's HTML page; a replica answers not_cluster_master", async () => {
    d.faults.inject({ path: "/version", action: { kind: "status", status: 502 } });
    const answer = await raw(d, "GET", "/version");
    expect(answer.status).toBe(502);
    expect(answer.text).toContain("502 Bad Gateway");
    const two = await startCloudifyDouble({ nodes: 2 });
    try {
      expect((await raw(two, "GET", "/version", { node: 1 })).json).toMatchObject({ error_code: "not_cluster_master" });
      two.setLeader(1);
      expect((await raw(two, "GET", "/version", { node: 1 })).status).toBe(200);
    } finally {
      await two.close();
    }
  });
});

describe("version-dependent behaviour", () => {
  it("deletes answer 200 with the object up to 5.0.5, 204 from 5.1; snapshots always 200", async () => {
    for (const [version, status] of [["5.0.5", 200], ["5.1", 204]] as const) {
      const d = await startCloudifyDouble({ version });
      try {
        await raw(d, "PUT", "/secrets/del", { json: { value: "v" } });
        const answer = await raw(d, "DELETE", "/secrets/del");
        expect(answer.status).toBe(status);
        expect(answer.text === "").toBe(status === 204);
      } finally {
        await d.close();
      }
    }
  });

  it("4.x: old /status shape, traceback strings, /cluster/nodes list and removal; community: premium errors", async () => {
    const d = await startCloudifyDouble({ version: "4.6", nodes: 2 });
    try {
      expect((await raw(d, "GET", "/status")).json).toMatchObject({ status: "running", services: expect.arrayContaining([expect.objectContaining({ display_name: "PostgreSQL" })]) });
      expect(typeof ((await raw(d, "GET", "/secrets/x")).json as { server_traceback: unknown }).server_traceback).toBe("string");
      const nodes = (await raw(d, "GET", "/cluster/nodes")).json as { items: { name: string; master: boolean }[]; metadata: unknown };
      expect(nodes.items.map((n) => [n.name, n.master])).toEqual([["manager-0", true], ["manager-1", false]]);
      expect((await raw(d, "DELETE", "/cluster/nodes/manager-1")).json).toMatchObject({ name: "manager-1" });
      expect(d.state.clusterNodes.map((n) => n.name)).toEqual(["manager-0"]);
      expect((await raw(d, "GET", "/snapshot-status", { credentials: null, tenant: null })).status).toBe(404);
    } finally {
      await d.close();
    }
    const community = await startCloudifyDouble({ version: "5.1", edition: "community" });
    try {
      expect((await raw(community, "POST", "/tenants/t")).json).toMatchObject({ error_code: "missing_premium_package_error" });
      expect((await raw(community, "GET", "/status")).json).toMatchObject({ status: "OK", services: { PostgreSQL: { status: "Active" } } });
    } finally {
      await community.close();
    }
  });

  it("7.0 answers a blocking upload that failed with its state and error, and replaces a failed row on the next upload", async () => {
    const d = await startCloudifyDouble({ version: "7.0", workflowDurationMs: 10 });
    try {
      const failed = await raw(d, "PUT", "/blueprints/broken", { body: await blueprintArchive("inputs: [unclosed\n") });
      expect(failed.status).toBe(400);
      expect(failed.json).toMatchObject({ error_code: "invalid_blueprint_error", message: expect.stringMatching(/^Blueprint `broken` has failed parsing\. Error: /) });
      expect((await raw(d, "GET", "/blueprints/broken")).json).toMatchObject({ state: "failed_parsing" });
      expect((await raw(d, "PUT", "/blueprints/broken", { body: await blueprintArchive() })).status).toBe(201);
      expect((await raw(d, "GET", "/blueprints/broken")).json).toMatchObject({ state: "uploaded" });
      expect((await raw(d, "PUT", "/blueprints/broken", { body: await blueprintArchive() })).status).toBe(409);
    } finally {
      await d.close();
    }
  });

  it("7.0 writes a snapshot upload over an existing one's archive, then refuses the row; 6.4 refuses first", async () => {
    for (const [version, replaced] of [["6.4", false], ["7.0", true]] as const) {
      const d = await startCloudifyDouble({ version });
      try {
        expect((await raw(d, "PUT", "/snapshots/s1/archive", { body: Buffer.from("first") })).status).toBe(201);
        expect((await raw(d, "PUT", "/snapshots/s1/archive", { body: Buffer.from("second") })).json).toMatchObject({ error_code: "conflict_error" });
        expect((await raw(d, "GET", "/snapshots/s1/archive")).text).toBe(replaced ? "second" : "first");
      } finally {
        await d.close();
      }
    }
  });

  it("a blueprint names its upload execution from 6.2, and one still uploading is deleted only when forced from 6.1", async () => {
    for (const [version, named, forced] of [["5.2", false, false], ["6.1", false, true], ["6.2", true, true]] as const) {
      const d = await startCloudifyDouble({ version, workflowDurationMs: 100 });
      try {
        d.scriptWorkflow("upload_blueprint", { error: "WorkerLostError" });
        await raw(d, "PUT", "/blueprints/stuck?async_upload=true", { body: await blueprintArchive() });
        const executions = (await raw(d, "GET", "/executions?_include_system_workflows=true&workflow_id=upload_blueprint")).json as { items: { id: string }[] };
        await until(async () => ((await raw(d, "GET", `/executions/${executions.items[0]!.id}`)).json as { status: string }).status === "failed");
        const blueprint = (await raw(d, "GET", "/blueprints/stuck")).json as Record<string, unknown>;
        expect(blueprint.state).toBe("uploading");
        if (named) expect(blueprint.upload_execution).toMatchObject({ id: executions.items[0]!.id, status: "failed", error: "WorkerLostError" });
        else expect(blueprint).not.toHaveProperty("upload_execution");
        expect((await raw(d, "DELETE", "/blueprints/stuck")).json).toMatchObject({ error_code: "invalid_blueprint_error" });
        expect((await raw(d, "DELETE", "/blueprints/stuck?force=true")).status).toBe(forced ? 204 : 400);
      } finally {
        await d.close();
      }
    }
  });

  it("5.2 parses blueprints asynchronously when asked", async () => {
    const d = await startCloudifyDouble({ version: "5.2", workflowDurationMs: 100 });
    try {
      const created = await raw(d, "PUT", "/blueprints/later?async_upload=true", { body: await blueprintArchive() });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ id: "later", state: "uploading", plan: null });
      await until(async () => ((await raw(d, "GET", "/blueprints/later")).json as { state: string }).state === "uploaded");
      expect((await raw(d, "GET", "/blueprints/later")).json).toMatchObject({ state: "uploaded", plan: expect.objectContaining({ workflows: expect.any(Object) }) });
      const executions = (await raw(d, "GET", "/executions?_include_system_workflows=true&workflow_id=upload_blueprint")).json as { items: unknown[] };
      expect(executions.items).toHaveLength(1);
    } finally {
      await d.close();
    }
  });
});

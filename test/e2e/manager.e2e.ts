import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECLARED_CONTENT, managerContent, managerStack, type ManagerStack } from "./support/managerStack";

/**
 * The `manager` platform under the real Pulumi engine: one stack's life, step by step, against one HTTPS double of the
 * manager. Each step builds on the one before (the engine's state carries over), so the steps run in order.
 */
describe("manager platform, driven by the real engine", () => {
  let s: ManagerStack;
  beforeAll(async () => {
    s = await managerStack("life");
  });
  afterAll(async () => {
    await s?.close();
  });

  it("pulumi up creates every declared object on the manager and takes the backup", async () => {
    await s.project.stackOk("up");
    expect(managerContent(s.double)).toEqual(DECLARED_CONTENT);
    expect(s.double.state.secrets.get("ops", "db_password")!.value).toBe("e2e-Secret-Sentinel-K3p8Lm");
    const archives = readdirSync(s.backupDir).filter((f) => f.endsWith(".zip"));
    expect(archives).toHaveLength(1);
    expect(statSync(join(s.backupDir, archives[0]!)).size).toBeGreaterThan(0);
  });

  it("a second up and a preview report no change, and send no write to the manager", async () => {
    const mark = s.mark();
    await s.project.stackOk("up", "--expect-no-changes");
    await s.project.stackOk("preview", "--expect-no-changes");
    expect(s.writesSince(mark)).toEqual([]);
  });

  it("pulumi refresh finds no drift", async () => {
    const mark = s.mark();
    await s.project.stackOk("refresh", "--expect-no-changes");
    expect(s.writesSince(mark)).toEqual([]);
  });

  it("a new value for one secret updates exactly that secret", async () => {
    await s.project.setSecret("resources.secrets[1].string", "e2e-Secret-Sentinel-Rotated-4Hd");
    const mark = s.mark();
    await s.project.stackOk("up");
    expect(s.writesSince(mark).map((r) => `${r.method} ${r.path}`)).toEqual(["PATCH /secrets/api_token"]);
    expect(s.double.state.secrets.get("ops", "api_token")!.value).toBe("e2e-Secret-Sentinel-Rotated-4Hd");
    expect(s.double.state.secrets.get("ops", "db_password")!.value).toBe("e2e-Secret-Sentinel-K3p8Lm");
  });

  it("removing a blueprint from the config deletes it and what depends on it, dependents first, and nothing else", async () => {
    // Its deployment and that deployment's run go with it: a blueprint cannot be deleted while a deployment uses it.
    await s.project.removeKey("resources.executions[1]");
    await s.project.removeKey("resources.deployments[1]");
    await s.project.removeKey("resources.blueprints[1]");
    const mark = s.mark();
    await s.project.stackOk("up");
    // The manager refuses to delete a deployment with live nodes: it is uninstalled first, then deleted, then its blueprint.
    expect(s.writesSince(mark).map((r) => `${r.method} ${r.path}`)).toEqual([
      "DELETE /deployments/jobs-1", "POST /executions", "DELETE /deployments/jobs-1", "DELETE /blueprints/jobs",
    ]);
    const content = managerContent(s.double);
    expect(content.blueprints).toEqual(["web"]);
    expect(content.deployments).toEqual(["web-1"]);
    expect(content.secrets).toEqual(["ops/api_token", "ops/db_password"]);
    await s.project.stackOk("preview", "--expect-no-changes");
  });

  it("npm run backup takes a new backup through the Automation API: a new archive whose size and sha256 it reports", async () => {
    const result = await s.project.script("backup", [s.project.stack]);
    expect(result.code, result.stderr).toBe(0);
    const reported = /^backup (\S+): (\S+) \((\d+) bytes, sha256 ([0-9a-f]{64})\)$/m.exec(result.stdout);
    expect(reported, result.stdout).not.toBeNull();
    const [, , file, size, sha256] = reported!;
    expect(readdirSync(s.backupDir).filter((f) => f.endsWith(".zip"))).toHaveLength(2);
    const bytes = readFileSync(file!);
    expect(bytes.length).toBe(Number(size));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(sha256);
  });

  it("npm run heal --dry-run refreshes for real, then refuses a manager it did not build, changing nothing", async () => {
    const mark = s.mark();
    const result = await s.project.script("heal", [s.project.stack, "--dry-run"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("not healing");
    expect(result.stderr).toContain("cmom did not create its machines");
    expect(result.stdout).toContain("refreshing the state");
    expect(s.writesSince(mark)).toEqual([]);
  });

  it("pulumi destroy removes what the stack created and keeps the backup files", async () => {
    await s.project.stackOk("destroy");
    expect(managerContent(s.double)).toEqual({
      tenants: ["default_tenant"],
      secrets: [],
      plugins: [],
      blueprints: [],
      deployments: [],
      // Runs are history: the manager deletes them with their deployment.
      executions: [],
    });
    expect(readdirSync(s.backupDir).filter((f) => f.endsWith(".zip"))).toHaveLength(2);
    expect(existsSync(s.project.stackFile)).toBe(true);
  });
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../../scripts/plan/recordingMocks";
import { planJson } from "../../scripts/plan/render";
import { exampleNamespaces, poolWithRealSecrets, PROJECT_DIR, TEST_SECRETS, toPulumiConfig } from "../support/exampleStacks";
import { ancestorOfType, transitiveDependencies } from "../support/resources";
import { loadProgramAfresh, runPlanMain } from "../support/runProgram";
import { runScriptProcess } from "../support/runScript";
import { TYPES } from "../../components/naming/resourceNames";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-plan-"));

function writeStack(name: string, ns: Record<string, unknown>): string {
  const file = path.join(tmp, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, stringify({ config: Object.fromEntries(Object.entries(ns).map(([k, v]) => [`cmom:${k}`, v])) }));
  return file;
}

describe("npm run plan", () => {
  it("prints the pool stack as JSON offline, with no node depending on another node (its time: npm run bench -- plan-pool)", () => {
    const graph = path.join(tmp, "pool.mmd");
    const run = runScriptProcess("plan", "pool", "--json", "--graph", graph);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.stack).toBe("pool");
    expect(Object.keys(out.resources[0]).sort()).toEqual(["dependsOn", "inputs", "name", "parent", "type", "urn"]);

    // A node's resources: its VM (ManagerNode) and its install (NodeInstall: certificates, uploads, stages, cleanup).
    // Only cluster formation may wait for several nodes (joins follow the start), and it belongs to no node.
    const nodeIndex = (urn: string): string | undefined => {
      for (const type of ["cmom:openstack:ManagerNode", "cmom:install:NodeInstall"]) {
        const owner = ancestorOfType(out.resources, urn, type);
        if (owner !== undefined) return owner.match(/-node-(\d+)$/)?.[1];
      }
      return undefined;
    };
    const nodeResources = out.resources.filter((r: { urn: string }) => nodeIndex(r.urn) !== undefined);
    expect(new Set(nodeResources.map((r: { urn: string }) => nodeIndex(r.urn)))).toEqual(new Set(["0", "1", "2"]));
    expect(nodeResources.some((r: { type: string }) => r.type === TYPES.installStep)).toBe(true);
    for (const r of nodeResources) {
      for (const dep of transitiveDependencies(out.resources, r.urn)) {
        const depNode = nodeIndex(dep);
        if (depNode !== undefined) expect(depNode, `${r.urn} waits for ${dep}`).toBe(nodeIndex(r.urn));
      }
    }

    const mermaid = fs.readFileSync(graph, "utf8");
    expect(mermaid.startsWith("flowchart LR\n")).toBe(true);
    expect(mermaid).toMatch(/subgraph r\d+\["cmom:openstack:ManagerNode<br\/>pool-node-0"\]/);
    expect(mermaid).toMatch(/ r\d+ --> r\d+/);
  });

  it("prints the resource tree and a count per type by default", async () => {
    const run = await runPlanMain("floating");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}▸ cmom:openstack:ManagerNode {2}floating-node-1$/m);
    expect(run.stdout).toMatch(/^ +2 {2}openstack:networking\/floatingIp:FloatingIp$/m);
  });

  it("exits 2 with every problem on stderr and nothing on stdout when the config is invalid", async () => {
    const ns = exampleNamespaces("pool") as Record<string, any>;
    ns.openstack.resourcePool[2].ipAddress = "10.0.0.999";
    delete ns.cluster.adminPassword;
    const run = await runPlanMain(writeStack("broken", ns), "--json");
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual(expect.arrayContaining([
      "cmom:openstack.resourcePool[2].ipAddress: not an IPv4 address",
      "cmom:cluster.adminPassword: required",
    ]));
  });

  it("starts a stack file's relative paths at its own directory, wherever in the project it lies", async () => {
    const dir = fs.mkdtempSync(path.join(PROJECT_DIR, ".test-stacks-"));
    try {
      const ns = exampleNamespaces("manager") as Record<string, any>;
      const file = path.join(dir, "site", "Pulumi.site.yaml");
      fs.mkdirSync(path.dirname(file));
      ns.resources.blueprints[0].path = "../../examples/blueprints/hello-world";
      fs.writeFileSync(file, stringify({ config: Object.fromEntries(Object.entries(ns).map(([k, v]) => [`cmom:${k}`, v])) }));
      const run = await runPlanMain(file, "--json");
      expect(run.status, run.stderr).toBe(0);
      const blueprint = JSON.parse(run.stdout).resources.find((r: { type: string }) => r.type === "pulumi-nodejs:dynamic/cloudify:Blueprint");
      expect(blueprint.inputs.folder).toBe("examples/blueprints/hello-world");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 naming the known stacks for an unknown stack", async () => {
    const run = await runPlanMain("nope");
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/stacks: .*floating.*pool.*private/);
  });

  it("accepts encrypted values as placeholders and never prints a secret", async () => {
    const ns = exampleNamespaces("floating") as Record<string, any>;
    ns.cluster.adminPassword = { secure: "v1:AAAABBBBCCCC" };
    const run = await runPlanMain(writeStack("encrypted", ns), "--json");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toContain("v1:AAAABBBBCCCC");

    const { config, secretKeys } = toPulumiConfig(poolWithRealSecrets());
    const { resources } = await runUnderMocks({ project: "cmom", stack: "leak", config, secretKeys }, loadProgramAfresh);
    const printed = JSON.stringify(planJson("leak", resources));
    for (const secret of Object.values(TEST_SECRETS)) expect(printed).not.toContain(secret.trim().split("\n")[1] ?? secret);
  });
});

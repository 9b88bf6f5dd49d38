import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { isWireSecret, revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces } from "../support/exampleStacks";
import { named } from "../support/resources";
import { runProgram } from "../support/runProgram";

const short = (urn: string) => urn.split("::").pop()!;
const deps = (r: RecordedResource) => r.dependsOn.map(short);

describe("cmom:resources wiring", async () => {
  const ns = exampleNamespaces("pool") as Record<string, any>;
  ns.resources = {
    tenants: ["ops", "dev"],
    existing: { blueprints: ["shared-bp"] },
    secrets: [
      { key: "db_password", string: "[placeholder: s]", tenant: "ops" },
      { key: "region", string: "[placeholder: r]", tenant: "dev" },
      { key: "global_token", string: "[placeholder: g]", visibility: "global" },
    ],
    plugins: [{ wagon: "plugins/openstack.wgn", yaml: "plugins/openstack.yaml", tenant: "ops" }],
    blueprints: [{ path: "examples/blueprints/hello-world/blueprint.yaml", tenant: "ops" }],
    deployments: [
      { blueprintId: "hello-world", deploymentId: "hello", tenant: "ops", inputs: { greeting: "hi" } },
      { blueprintId: "shared-bp", deploymentId: "other", tenant: "dev" },
    ],
    executions: [
      { workflowId: "install", deploymentId: "hello", tenant: "ops" },
      { workflowId: "scale", deploymentId: "hello", tenant: "ops", parameters: { delta: 1 }, trigger: "2026-11-22" },
      { workflowId: "install", deploymentId: "other", tenant: "dev" },
    ],
  };
  const { resources } = await runProgram(ns);
  const r = (name: string) => named(resources, `test-resources-${name}`);
  const formation = ["test-install-cluster-start", "test-install-cluster-join-1", "test-install-cluster-join-2"];

  it("creates tenants after the cluster is formed, with nothing else in between", () => {
    expect(deps(r("tenant-ops")).sort()).toEqual([...formation].sort());
    expect(deps(r("tenant-dev")).sort()).toEqual([...formation].sort());
  });

  it("uploads secrets and plugins after their tenant, blueprints after the tenant's plugins", () => {
    expect(deps(r("secret-ops-db_password"))).toContain("test-resources-tenant-ops");
    expect(deps(r("secret-ops-db_password"))).not.toContain("test-resources-tenant-dev");
    expect(deps(r("plugin-ops-openstack.wgn"))).toContain("test-resources-tenant-ops");
    expect(deps(r("blueprint-ops-hello-world"))).toEqual(expect.arrayContaining(["test-resources-tenant-ops", "test-resources-plugin-ops-openstack.wgn"]));
    expect(deps(r("blueprint-ops-hello-world")).some((d) => d.includes("secret"))).toBe(false);
  });

  it("creates deployments after their blueprint and the secrets visible in their tenant", () => {
    const hello = deps(r("deployment-ops-hello"));
    expect(hello).toEqual(expect.arrayContaining(["test-resources-blueprint-ops-hello-world", "test-resources-secret-ops-db_password", "test-resources-secret-default_tenant-global_token"]));
    expect(hello).not.toContain("test-resources-secret-dev-region");
    const helloInputs = r("deployment-ops-hello").inputs;
    expect(helloInputs).toMatchObject({ deploymentId: "hello", blueprintId: "hello-world", visibility: "tenant" });
    // cmom:resources is secret as a whole here and no stack file tells where: the inline inputs are kept secret, to be safe.
    expect(isWireSecret(helloInputs.inputs)).toBe(true);
    expect(revealSecrets(helloInputs.inputs)).toEqual({ greeting: "hi" });
    // An existing blueprint has no resource to wait for.
    expect(deps(r("deployment-dev-other")).some((d) => d.includes("blueprint"))).toBe(false);
  });

  it("runs executions after their deployment, one after another per deployment, others in parallel", () => {
    expect(deps(r("execution-ops-hello-install"))).toContain("test-resources-deployment-ops-hello");
    expect(deps(r("execution-ops-hello-scale"))).toContain("test-resources-execution-ops-hello-install");
    expect(deps(r("execution-dev-other-install"))).toContain("test-resources-deployment-dev-other");
    expect(deps(r("execution-dev-other-install")).some((d) => d.includes("hello"))).toBe(false);
    // A deployment replaced under the same id gets a new creation time, so its workflows run again.
    expect(r("execution-ops-hello-install").inputs.trigger).toBe("@[creation time]");
    expect(r("execution-ops-hello-scale").inputs).toMatchObject({ workflowId: "scale", parameters: { delta: 1 }, trigger: "2026-11-22@[creation time]", timeout: 900, force: false, queue: false });
  });

  it("reaches the cluster over https on every node, leader first, with a secret password and the tenant header", () => {
    for (const res of resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/cloudify:"))) {
      const wire = res.inputs.connection as Record<string, unknown>;
      // Either the whole connection travels as a secret, or at least its password does.
      expect(isWireSecret(wire) || isWireSecret(wire.password)).toBe(true);
      const connection = revealSecrets(wire) as Record<string, unknown>;
      expect(connection.endpoints).toEqual(["https://10.20.0.11", "https://10.20.0.12", "https://10.20.0.13"]);
      expect(connection.username).toBe("admin");
      expect(String(connection.caCert)).toContain("BEGIN CERTIFICATE");
    }
    const tenantOf = (name: string) => (revealSecrets(r(name).inputs.connection) as Record<string, unknown>).tenant;
    expect(tenantOf("secret-dev-region")).toBe("dev");
    expect(tenantOf("tenant-dev")).toBe("default_tenant");
    expect(isWireSecret(r("secret-ops-db_password").inputs.value)).toBe(true);
  });

  it("keeps the values of a deployment inputs file secret", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cmom-inputs-")), "inputs.yaml");
    fs.writeFileSync(file, "db_password: file-Pa55-77c3\n");
    const withFile = structuredClone(ns);
    withFile.resources.deployments[0].inputs = file;
    const { resources: fromFile } = await runProgram(withFile);
    const inputs = named(fromFile, "test-resources-deployment-ops-hello").inputs.inputs;
    expect(isWireSecret(inputs)).toBe(true);
    expect(revealSecrets(inputs)).toEqual({ db_password: "file-Pa55-77c3" });
  });

  it("registers nothing when no object is declared", async () => {
    const empty = exampleNamespaces("floating");
    const { resources: none } = await runProgram(empty);
    expect(none.some((x) => x.type === "cmom:cloudify:Resources")).toBe(false);
  });
});

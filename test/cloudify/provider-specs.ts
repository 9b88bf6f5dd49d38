import { copyFileSync, cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../../components/cloudify/client";
import {
  createBlueprintProvider,
  createDeploymentProvider,
  createExecutionProvider,
  createPluginProvider,
  createSecretProvider,
  createTenantProvider,
} from "../../components/cloudify/providers";
import { expect } from "vitest";
import type { CloudifyDouble } from "../doubles/cloudify";
import { newTenant } from "../doubles/cloudify/routes/tenants";
import { FAST_TUNING, type Fixtures } from "./fixtures";

/** What the shared provider tests need to know about one resource type. */
export interface ProviderSpec {
  readonly type: string;
  readonly provider: pulumi.dynamic.ResourceProvider;
  /** Request that creates the object (for fault injection). */
  createRequest(n: string): { method: string; path: string | RegExp };
  /** Everything the object needs on the manager before it can be created (blueprints, deployments…). */
  prepare(d: CloudifyDouble, fx: Fixtures, n: string): Promise<void>;
  inputs(d: CloudifyDouble, fx: Fixtures, n: string): Record<string, unknown>;
  /** How many such objects the manager holds for this test. */
  count(d: CloudifyDouble, n: string): number;
  /** Puts an identical / a different object in place beforehand; absent when adoption does not apply. */
  seedIdentical?(d: CloudifyDouble, fx: Fixtures, n: string): Promise<void>;
  seedDifferent?(d: CloudifyDouble, fx: Fixtures, n: string): Promise<void>;
  /** Inputs (besides `connection`) the provider changes in place; absent when it has none. */
  inPlace?: InPlaceChange;
}

interface InPlaceChange {
  /** New values for some inputs of `inputs(d, fx, n)`. */
  change(fx: Fixtures, n: string): Record<string, unknown>;
  /** Methods the update may send that change the manager (e.g. PATCH); none when the change is only local. */
  readonly writes: readonly string[];
  /** Asserts the manager holds the changed values. */
  expectOnManager?(d: CloudifyDouble, n: string): void;
}

const clientOf = (d: CloudifyDouble) => new CloudifyClient(d.connection(), FAST_TUNING);

/** Folder of a test blueprint, one per test name (same content each time). */
function blueprintFolder(fx: Fixtures, n: string): string {
  return fx.blueprint("inputs:\n  size:\n    default: 1\n  name: {}\noutputs:\n  greeting:\n    value: {get_input: name}\n", `bp-src-${n}`);
}

async function uploadBlueprint(d: CloudifyDouble, fx: Fixtures, id: string): Promise<void> {
  await clientOf(d).blueprints.upload(id, { folder: blueprintFolder(fx, id), mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
}

async function createDeployment(d: CloudifyDouble, id: string, blueprintId: string, inputs: Record<string, unknown>): Promise<void> {
  const client = clientOf(d);
  await client.deployments.create(id, { blueprintId, inputs, visibility: "tenant" });
  const [environment] = await client.executions.list({ deploymentId: id });
  await client.executions.waitForSuccess(environment.id, 5_000);
}

const pluginPackage = (n: string) => `cloudify-${n}-plugin`;
const wagonFiles = new Map<string, string>();
async function wagonFor(fx: Fixtures, n: string): Promise<string> {
  if (!wagonFiles.has(n)) wagonFiles.set(n, await fx.wagon(pluginPackage(n), "1.0"));
  return wagonFiles.get(n)!;
}
const yamlFiles = new Map<string, string>();
function yamlFor(fx: Fixtures, n: string): string {
  if (!yamlFiles.has(n)) yamlFiles.set(n, fx.pluginYaml(pluginPackage(n)));
  return yamlFiles.get(n)!;
}

export const SPECS: readonly ProviderSpec[] = [
  {
    type: "Tenant",
    provider: createTenantProvider(FAST_TUNING),
    createRequest: (n) => ({ method: "POST", path: `/tenants/t-${n}` }),
    prepare: async () => {},
    inputs: (d, _fx, n) => ({ connection: d.connection(), name: `t-${n}` }),
    count: (d, n) => (d.state.tenants.has(`t-${n}`) ? 1 : 0),
    seedIdentical: async (d, _fx, n) => void d.state.tenants.set(`t-${n}`, newTenant(`t-${n}`)),
  },
  {
    type: "Secret",
    provider: createSecretProvider(FAST_TUNING),
    createRequest: (n) => ({ method: "PUT", path: `/secrets/s-${n}` }),
    prepare: async () => {},
    inputs: (d, _fx, n) => ({ connection: d.connection(), key: `s-${n}`, value: `value-of-${n}` }),
    count: (d, n) => d.state.secrets.all().filter((s) => s.key === `s-${n}`).length,
    seedIdentical: async (d, _fx, n) => void (await clientOf(d).secrets.create(`s-${n}`, { value: `value-of-${n}`, visibility: "tenant", isHiddenValue: false })),
    seedDifferent: async (d, _fx, n) => void (await clientOf(d).secrets.create(`s-${n}`, { value: "another value", visibility: "tenant", isHiddenValue: false })),
    inPlace: {
      change: (_fx, n) => ({ value: `new-value-of-${n}`, visibility: "global", isHiddenValue: true }),
      writes: ["PATCH"],
      expectOnManager: (d, n) =>
        expect(d.state.secrets.get("default_tenant", `s-${n}`)).toMatchObject({ value: `new-value-of-${n}`, visibility: "global", is_hidden_value: true }),
    },
  },
  {
    type: "Plugin",
    provider: createPluginProvider(FAST_TUNING),
    createRequest: () => ({ method: "POST", path: "/plugins" }),
    prepare: async (_d, fx, n) => void (await wagonFor(fx, n)),
    inputs: (d, fx, n) => ({ connection: d.connection(), wagonPath: wagonFiles.get(n), yamlPath: yamlFor(fx, n) }),
    count: (d, n) => d.state.plugins.all().filter((p) => p.package_name === pluginPackage(n)).length,
    seedIdentical: async (d, fx, n) =>
      void (await clientOf(d).plugins.upload({ wagonPath: await wagonFor(fx, n), yamlPath: yamlFor(fx, n), visibility: "tenant" })),
    seedDifferent: async (d, fx, n) =>
      void (await clientOf(d).plugins.upload({ wagonPath: await fx.wagon(pluginPackage(n), "1.0", 2_000), yamlPath: yamlFor(fx, n), visibility: "tenant" })),
    // The same files at new paths: only local paths change.
    inPlace: {
      change: (fx, n) => {
        const wagonPath = join(fx.dir, `moved-${n}.wgn`);
        const yamlPath = join(fx.dir, `moved-${n}.yaml`);
        copyFileSync(wagonFiles.get(n)!, wagonPath);
        copyFileSync(yamlFor(fx, n), yamlPath);
        return { wagonPath, yamlPath };
      },
      writes: [],
    },
  },
  {
    type: "Blueprint",
    provider: createBlueprintProvider(FAST_TUNING),
    createRequest: (n) => ({ method: "PUT", path: `/blueprints/bp-${n}` }),
    prepare: async (_d, fx, n) => void blueprintFolder(fx, `bp-${n}`),
    inputs: (d, fx, n) => ({ connection: d.connection(), blueprintId: `bp-${n}`, folder: join(fx.dir, `bp-src-bp-${n}`) }),
    count: (d, n) => d.state.blueprints.all().filter((b) => b.id === `bp-${n}`).length,
    seedIdentical: (d, fx, n) => uploadBlueprint(d, fx, `bp-${n}`),
    seedDifferent: async (d, fx, n) => {
      const other = fx.blueprint("", `bp-other-${n}`);
      writeFileSync(join(other, "extra.txt"), "not in the declared folder");
      await clientOf(d).blueprints.upload(`bp-${n}`, { folder: other, mainFileName: "blueprint.yaml", visibility: "tenant", timeoutMs: 5_000 });
    },
    // The same files in another folder, and a longer upload timeout: nothing to do on the manager.
    inPlace: {
      change: (fx, n) => {
        const folder = join(fx.dir, `moved-bp-${n}`);
        cpSync(join(fx.dir, `bp-src-bp-${n}`), folder, { recursive: true });
        return { folder, uploadTimeout: 1_200 };
      },
      writes: [],
    },
  },
  {
    type: "Deployment",
    provider: createDeploymentProvider(FAST_TUNING),
    createRequest: (n) => ({ method: "PUT", path: `/deployments/dep-${n}` }),
    prepare: (d, fx, n) => uploadBlueprint(d, fx, `for-dep-${n}`),
    inputs: (d, _fx, n) => ({ connection: d.connection(), deploymentId: `dep-${n}`, blueprintId: `for-dep-${n}`, inputs: { name: n } }),
    count: (d, n) => d.state.deployments.all().filter((x) => x.id === `dep-${n}`).length,
    seedIdentical: (d, _fx, n) => createDeployment(d, `dep-${n}`, `for-dep-${n}`, { name: n, size: 1 }),
    seedDifferent: (d, _fx, n) => createDeployment(d, `dep-${n}`, `for-dep-${n}`, { name: n, size: 2 }),
    inPlace: { change: () => ({ timeout: 60, skipPluginsValidation: true }), writes: [] },
  },
  {
    type: "Execution",
    provider: createExecutionProvider(FAST_TUNING),
    createRequest: () => ({ method: "POST", path: "/executions" }),
    prepare: async (d, fx, n) => {
      await uploadBlueprint(d, fx, `for-ex-${n}`);
      await createDeployment(d, `ex-dep-${n}`, `for-ex-${n}`, { name: n });
    },
    inputs: (d, _fx, n) => ({ connection: d.connection(), deploymentId: `ex-dep-${n}`, workflowId: "install" }),
    count: (d, n) => d.state.executions.all().filter((e) => e.deployment_id === `ex-dep-${n}` && e.workflow_id === "install").length,
    inPlace: { change: () => ({ timeout: 120 }), writes: [] },
  },
];

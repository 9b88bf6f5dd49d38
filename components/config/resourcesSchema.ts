import * as path from "node:path";
import { z } from "zod";
import { CLOUDIFY_ID, cloudifyId, MAX_ITEMS, MAX_TIMEOUT_SECONDS, nonEmpty, secretString, visibility, type SecretPolicy } from "./primitives";
import type { LocalPathSchemas } from "./localPaths";

const DEFAULT_TENANT = "default_tenant";

const YAML_SUFFIX = /\.ya?ml$/i;

/** A blueprint path names its main yaml file or the folder uploaded (main file `filename`, default blueprint.yaml). */
function blueprintFolder(blueprintPath: string): string {
  return YAML_SUFFIX.test(blueprintPath) ? path.dirname(blueprintPath) : blueprintPath;
}

/** The reference's rule: a blueprint's id defaults to the name of its folder. */
function defaultBlueprintId(blueprintPath: string): string {
  return path.basename(path.resolve(blueprintFolder(blueprintPath)));
}

function resourcesObject(policy: SecretPolicy, { localPath }: LocalPathSchemas) {
  const tenant = cloudifyId.refine((t) => t !== "users" && t !== "user-groups", "reserved by Cloudify");
  const placement = { tenant: tenant.default(DEFAULT_TENANT), visibility: visibility.default("tenant") };

  const secret = z.strictObject({
    key: cloudifyId,
    string: secretString(policy).optional(),
    file: localPath.optional(),
    ...placement,
  }).superRefine((s, ctx) => {
    if ((s.string === undefined) === (s.file === undefined)) ctx.addIssue({ code: "custom", message: "exactly one of string and file" });
  });

  // Uploads stream from the operator's disk; URLs would hand the manager an unverified download.
  const plugin = z.strictObject({ wagon: localPath, yaml: localPath, title: nonEmpty.optional(), ...placement });

  const blueprint = z.strictObject({
    /** The blueprint's folder, or its main yaml file (then that file's folder is uploaded). */
    path: localPath,
    id: cloudifyId.optional(),
    filename: nonEmpty.optional(),
    ...placement,
  }).transform((b, ctx) => {
    const id = b.id ?? defaultBlueprintId(b.path);
    if (!CLOUDIFY_ID.test(id)) {
      ctx.addIssue({ code: "custom", path: ["id"], message: `cannot derive a valid Cloudify id from path (got "${id}"): set id` });
    }
    const named = YAML_SUFFIX.test(b.path) ? path.basename(b.path) : undefined;
    if (named && b.filename && b.filename !== named) {
      ctx.addIssue({ code: "custom", path: ["filename"], message: `conflicts with path, which names ${named} as the main file` });
    }
    return { ...b, id, folder: blueprintFolder(b.path), filename: named ?? b.filename ?? "blueprint.yaml" };
  });

  const deployment = z.strictObject({
    deploymentId: cloudifyId.optional(),
    blueprintId: cloudifyId,
    /** Inputs as an object, or a path to a YAML file of inputs. */
    inputs: z.union([z.record(z.string(), z.unknown()), localPath]).optional(),
    skipPluginsValidation: z.boolean().default(false),
    ...placement,
  }).transform((d) => ({
    ...d,
    deploymentId: d.deploymentId ?? d.blueprintId,
    /** Inline inputs holding a value set with --secret stay secret in the state (the loader sets this; an inputs file always does). */
    secretInputs: false,
  }));

  const execution = z.strictObject({
    workflowId: nonEmpty,
    deploymentId: cloudifyId,
    parameters: z.record(z.string(), z.unknown()).default({}),
    allowCustomParameters: z.boolean().default(false),
    force: z.boolean().default(false),
    /** Seconds to wait for an end state. */
    timeout: z.number().int().positive().max(MAX_TIMEOUT_SECONDS).default(900),
    queue: z.boolean().default(false),
    tenant: tenant.default(DEFAULT_TENANT),
    /** Any new value runs the workflow again. */
    trigger: nonEmpty.optional(),
  });

  return z.strictObject({
    tenants: z.array(tenant).max(MAX_ITEMS).default([]),
    /** Objects created outside this stack that declared ones may reference. */
    existing: z.strictObject({
      tenants: z.array(tenant).max(MAX_ITEMS).default([]),
      blueprints: z.array(cloudifyId).max(MAX_ITEMS).default([]),
      deployments: z.array(cloudifyId).max(MAX_ITEMS).default([]),
    }).default({ tenants: [], blueprints: [], deployments: [] }),
    secrets: z.array(secret).max(MAX_ITEMS).default([]),
    plugins: z.array(plugin).max(MAX_ITEMS).default([]),
    blueprints: z.array(blueprint).max(MAX_ITEMS).default([]),
    deployments: z.array(deployment).max(MAX_ITEMS).default([]),
    executions: z.array(execution).max(MAX_ITEMS).default([]),
  });
}

export function resourcesSchema(policy: SecretPolicy, paths: LocalPathSchemas) {
  return resourcesObject(policy, paths).superRefine(checkReferences);
}

export type ResourcesConfig = z.output<ReturnType<typeof resourcesObject>>;

/** True when the stack asks cmom to create any Cloudify object. */
export function declaresObjects(resources: ResourcesConfig): boolean {
  const { tenants, secrets, plugins, blueprints, deployments, executions } = resources;
  return [tenants, secrets, plugins, blueprints, deployments, executions].some((list) => list.length > 0);
}

/** Every tenant, blueprint and deployment a resource names must be declared here or marked existing; ids are unique per tenant. */
function checkReferences(r: ResourcesConfig, ctx: z.RefinementCtx) {
  const tenants = new Set([DEFAULT_TENANT, ...r.tenants, ...r.existing.tenants]);
  r.tenants.forEach((t, i) => {
    if (r.tenants.indexOf(t) !== i) ctx.addIssue({ code: "custom", path: ["tenants", i], message: `duplicate tenant ${t}` });
  });
  const lists = { secrets: r.secrets, plugins: r.plugins, blueprints: r.blueprints, deployments: r.deployments, executions: r.executions };
  for (const [list, items] of Object.entries(lists)) {
    items.forEach((item, i) => {
      if (!tenants.has(item.tenant)) {
        ctx.addIssue({ code: "custom", path: [list, i, "tenant"], message: `tenant ${item.tenant} is neither in tenants nor in existing.tenants` });
      }
    });
  }
  reportDuplicateIds(r.secrets, (s) => s.key, "secrets", "key", ctx);
  reportDuplicateIds(r.blueprints, (b) => b.id, "blueprints", "id", ctx);
  reportDuplicateIds(r.deployments, (d) => d.deploymentId, "deployments", "deploymentId", ctx);

  const reachable = (declared: { id: string; tenant: string; visibility: string }[], existing: string[], id: string, tenant: string) =>
    existing.includes(id) || declared.some((d) => d.id === id && (d.tenant === tenant || d.visibility === "global"));
  r.deployments.forEach((d, i) => {
    if (!reachable(r.blueprints, r.existing.blueprints, d.blueprintId, d.tenant)) {
      ctx.addIssue({ code: "custom", path: ["deployments", i, "blueprintId"], message: `blueprint ${d.blueprintId} is neither declared in tenant ${d.tenant} (or global) nor in existing.blueprints` });
    }
  });
  const deployments = r.deployments.map((d) => ({ id: d.deploymentId, tenant: d.tenant, visibility: d.visibility }));
  r.executions.forEach((e, i) => {
    if (!reachable(deployments, r.existing.deployments, e.deploymentId, e.tenant)) {
      ctx.addIssue({ code: "custom", path: ["executions", i, "deploymentId"], message: `deployment ${e.deploymentId} is neither declared in tenant ${e.tenant} (or global) nor in existing.deployments` });
    }
  });
}

function reportDuplicateIds<T extends { tenant: string }>(items: T[], idOf: (item: T) => string, list: string, field: string, ctx: z.RefinementCtx) {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const key = `${item.tenant}/${idOf(item)}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else ctx.addIssue({ code: "custom", path: [list, i, field], message: `duplicate of ${list}[${first}] in tenant ${item.tenant}` });
  });
}

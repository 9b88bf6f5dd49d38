import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readInputsFile } from "../config/localFiles";
import type { ResourcesConfig } from "../config/resourcesSchema";
import {
  CloudifyBlueprint, CloudifyDeployment, CloudifyExecution, CloudifyPlugin, CloudifySecret, CloudifyTenant,
  type CloudifyConnectionArgs,
} from "./providers";

export interface CloudifyResourcesArgs {
  readonly resources: ResourcesConfig;
  /** The cluster, as every resource reaches it; `tenant` is set per object. */
  readonly connection: Omit<CloudifyConnectionArgs, "tenant">;
  /** What must exist before anything is uploaded: the formed cluster (and a finished restore). */
  readonly after: pulumi.Input<pulumi.Resource>[];
}

/**
 * `cmom:resources` as one Pulumi resource per Cloudify object, ordered only where Cloudify needs it:
 * tenant → its secrets and plugins → blueprints → deployments → executions (in declared order per deployment). Everything else runs
 * in parallel, and a failure is a failure (the reference only warned).
 */
export class CloudifyResources extends pulumi.ComponentResource {
  constructor(name: string, args: CloudifyResourcesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:cloudify:Resources", name, {}, opts);
    const r = args.resources;
    const connection = (tenant: string): CloudifyConnectionArgs => ({ ...args.connection, tenant });
    const after = (...deps: pulumi.Resource[]): pulumi.CustomResourceOptions => ({ parent: this, dependsOn: [...args.after, ...deps] });

    const tenants = new Map(r.tenants.map((t) => [t, new CloudifyTenant(`${name}-tenant-${t}`, { connection: connection("default_tenant"), name: t }, after())]));
    const tenantOf = (t: string) => (tenants.has(t) ? [tenants.get(t)!] : []);
    // Global objects are visible from every tenant, so anything may need them.
    const visibleIn = <T extends { tenant: string; visibility: string }>(items: [T, pulumi.Resource][], tenant: string) =>
      items.filter(([spec]) => spec.tenant === tenant || spec.visibility === "global").map(([, res]) => res);

    const secrets = r.secrets.map((s) => [s, new CloudifySecret(`${name}-secret-${s.tenant}-${s.key}`, {
      connection: connection(s.tenant),
      key: s.key,
      value: s.string ?? secretFileContent(s.file!),
      visibility: s.visibility,
    }, after(...tenantOf(s.tenant)))] as [typeof s, pulumi.Resource]);

    const plugins = r.plugins.map((p) => [p, new CloudifyPlugin(`${name}-plugin-${p.tenant}-${path.basename(p.wagon)}`, {
      connection: connection(p.tenant),
      wagonPath: p.wagon,
      yamlPath: p.yaml,
      title: p.title,
      visibility: p.visibility,
    }, after(...tenantOf(p.tenant)))] as [typeof p, pulumi.Resource]);

    // A blueprint may import any plugin visible in its tenant; it is validated against them at upload.
    const blueprints = new Map(r.blueprints.map((b) => [`${b.tenant}/${b.id}`, [b, new CloudifyBlueprint(`${name}-blueprint-${b.tenant}-${b.id}`, {
      connection: connection(b.tenant),
      blueprintId: b.id,
      folder: b.folder,
      mainFileName: b.filename,
      visibility: b.visibility,
    }, after(...tenantOf(b.tenant), ...visibleIn(plugins, b.tenant)))] as const]));
    const blueprintFor = (id: string, tenant: string) =>
      blueprints.get(`${tenant}/${id}`)?.[1] ?? [...blueprints.values()].find(([b]) => b.id === id && b.visibility === "global")?.[1];

    // A deployment's inputs may read secrets (get_secret), so it waits for those visible in its tenant.
    const deployments = new Map<string, CloudifyDeployment>(r.deployments.map((d) => {
      const blueprint = blueprintFor(d.blueprintId, d.tenant);
      return [`${d.tenant}/${d.deploymentId}`, new CloudifyDeployment(`${name}-deployment-${d.tenant}-${d.deploymentId}`, {
        connection: connection(d.tenant),
        deploymentId: d.deploymentId,
        blueprintId: d.blueprintId,
        // An inputs file often holds credentials: its values stay secret in the state, as inline inputs holding a --secret value do.
        inputs: typeof d.inputs === "string" ? pulumi.secret(inputsOfFile(d.inputs)) : d.secretInputs ? pulumi.secret(d.inputs ?? {}) : d.inputs,
        visibility: d.visibility,
        skipPluginsValidation: d.skipPluginsValidation,
      }, after(...tenantOf(d.tenant), ...(blueprint ? [blueprint] : []), ...visibleIn(secrets, d.tenant)))];
    }));

    // Workflows on one deployment run in the order declared: Cloudify refuses a second one while the first runs.
    const lastOnDeployment = new Map<string, pulumi.Resource>();
    const seen = new Map<string, number>();
    for (const e of r.executions) {
      const key = `${e.tenant}/${e.deploymentId}`;
      const ordinal = seen.get(`${key}/${e.workflowId}`) ?? 0;
      seen.set(`${key}/${e.workflowId}`, ordinal + 1);
      const deployment = deployments.get(key);
      const previous = lastOnDeployment.get(key) ?? deployment;
      const execution = new CloudifyExecution(`${name}-execution-${e.tenant}-${e.deploymentId}-${e.workflowId}${ordinal ? `-${ordinal}` : ""}`, {
        connection: connection(e.tenant),
        deploymentId: e.deploymentId,
        workflowId: e.workflowId,
        parameters: e.parameters,
        allowCustomParameters: e.allowCustomParameters,
        force: e.force,
        queue: e.queue,
        timeout: e.timeout,
        // A replaced deployment (same id, new creation time) is a new target: its workflows run again.
        trigger: deployment ? pulumi.interpolate`${e.trigger ?? ""}@${deployment.createdAt}` : e.trigger,
      }, after(...tenantOf(e.tenant), ...(previous ? [previous] : [])));
      lastOnDeployment.set(key, execution);
    }
    this.registerOutputs({});
  }
}

/** Deployment inputs given as a YAML file, read on the operator's side like the reference did. */
function inputsOfFile(file: string): Record<string, unknown> {
  const read = readInputsFile(file);
  if ("problem" in read) throw new Error(`deployment inputs file: ${read.problem}`);
  return read.inputs;
}

/** A preview (and the offline plan) only describes a secret's file; a real update has checked that it exists (missingLocalFiles). */
function secretFileContent(file: string): pulumi.Output<string> {
  const readable = !pulumi.runtime.isDryRun() || fs.existsSync(file);
  return pulumi.secret(readable ? fs.readFileSync(file, "utf8") : `[placeholder: contents of ${file}]`);
}

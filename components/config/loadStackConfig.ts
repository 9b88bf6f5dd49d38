import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { backupSchema, type BackupConfig } from "./backupSchema";
import { clusterSchema, type ClusterConfig } from "./clusterSchema";
import { dnsSchema, type DnsConfig } from "./dnsSchema";
import { fleetSchema, type FleetConfig } from "./fleetSchema";
import { formatIssues } from "./formatIssues";
import { hostsProblems, hostsSchema, type HostsConfig } from "./hostsSchema";
import { missingLocalFiles } from "./localFiles";
import { kubernetesSchema, type KubernetesConfig } from "./kubernetesSchema";
import { managerSchema, type ManagerConfig } from "./managerSchema";
import { nodeNames } from "./nodeNames";
import { openstackSchema, type OpenStackConfig } from "./openstackSchema";
import type { SecretPolicy } from "./primitives";
import { declaresObjects, resourcesSchema, type ResourcesConfig } from "./resourcesSchema";
import { restoreSchema, type RestoreConfig } from "./restoreSchema";

export const NAMESPACE = "cmom";

export interface StackConfig {
  readonly stack: string;
  readonly platform: Platform;
  readonly openstack?: OpenStackConfig;
  readonly kubernetes?: KubernetesConfig;
  readonly manager?: ManagerConfig;
  readonly cluster?: ClusterConfig;
  readonly resources: ResourcesConfig;
  readonly restore?: RestoreConfig;
  readonly backup: BackupConfig;
  readonly dns?: DnsConfig;
  readonly fleet?: FleetConfig;
  readonly hosts?: HostsConfig;
}

/**
 * `hosts` installs on machines that exist already; `manager` takes a manager that runs already and manages only what runs on
 * it; `fleet` is a program mode: the stack builds nothing and aggregates other cmom stacks.
 */
const PLATFORMS = ["openstack", "hosts", "kubernetes", "manager", "fleet"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Which namespaces each platform needs, and which it accepts at all. */
const PLATFORM_NAMESPACES: Record<Platform, { required: string[]; allowed: string[] }> = {
  openstack: { required: ["openstack", "cluster"], allowed: ["openstack", "cluster", "dns", "resources", "restore", "backup"] },
  kubernetes: { required: ["kubernetes"], allowed: ["kubernetes", "resources", "restore", "backup"] },
  manager: { required: ["manager"], allowed: ["manager", "resources", "restore", "backup"] },
  fleet: { required: ["fleet"], allowed: ["fleet"] },
  hosts: { required: ["hosts", "cluster"], allowed: ["hosts", "cluster", "dns", "resources", "restore", "backup"] },
};

/** Every problem of the stack's config, each with its key path; a RunError so Pulumi prints it without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export interface ParseOptions {
  readonly stack: string;
  /** Placeholders may stand in for secrets (offline plan and preview), never in a real update. */
  readonly allowPlaceholders: boolean;
  /** Local files the config names must exist (a real update); a preview or offline plan only describes them. */
  readonly checkLocalFiles: boolean;
  /** Whether Pulumi holds `cmom:<namespace>` as a secret (set with `--secret`, possibly on a nested path). */
  readonly isSecret: (key: string) => boolean;
}

/**
 * Parses the `cmom:*` config (values as Pulumi hands them to the program: JSON text for objects) into a StackConfig.
 * Throws ConfigError listing every problem, before any resource exists.
 */
export function parseStackConfig(raw: Readonly<Record<string, string>>, options: ParseOptions): StackConfig {
  const problems: string[] = [];
  let secretValues = 0;
  const policy: SecretPolicy = { allowPlaceholders: options.allowPlaceholders, onSecretValue: () => { secretValues++; } };
  const values = new Map<string, unknown>();
  for (const [key, text] of Object.entries(raw)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    values.set(key.slice(NAMESPACE.length + 1), parseValue(text));
  }

  const schemas = {
    platform: z.enum(PLATFORMS).default("openstack"),
    openstack: openstackSchema.optional(),
    kubernetes: kubernetesSchema(policy).optional(),
    manager: managerSchema(policy).optional(),
    cluster: clusterSchema(policy).optional(),
    resources: resourcesSchema(policy).default(() => resourcesSchema(policy).parse({})),
    restore: restoreSchema.optional(),
    backup: backupSchema.default(() => backupSchema.parse({})),
    dns: dnsSchema.optional(),
    fleet: fleetSchema.optional(),
    hosts: hostsSchema.optional(),
  };
  for (const key of values.keys()) {
    if (!(key in schemas)) problems.push(`${NAMESPACE}:${key}: unknown key (known: ${Object.keys(schemas).map((k) => `${NAMESPACE}:${k}`).join(", ")})`);
  }

  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const key = `${NAMESPACE}:${name}`;
    secretValues = 0;
    const result = (schema as z.ZodType).safeParse(values.get(name));
    if (!result.success) problems.push(...formatIssues(key, result.error.issues));
    else parsed[name] = result.data;
    // A secret typed in plain text would sit unencrypted in the stack file (and in git).
    if (secretValues > 0 && !options.isSecret(key)) {
      problems.push(`${key}: holds secret values in plain text; set each with \`pulumi config set --secret --path ${name}.<key> …\``);
    }
  }

  const config = parsed as Omit<StackConfig, "stack" | "backup"> & { backup?: z.output<typeof backupSchema> };
  if (problems.length === 0) problems.push(...crossNamespaceProblems(config, values));
  if (problems.length === 0 && options.checkLocalFiles) problems.push(...missingLocalFiles(config));
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    ...config,
    stack: options.stack,
    backup: { ...config.backup!, dir: config.backup!.dir ?? path.join("snapshots", options.stack) },
  };
}

function crossNamespaceProblems(config: Omit<StackConfig, "stack" | "backup"> & { backup?: { trigger?: string } }, values: Map<string, unknown>): string[] {
  const problems: string[] = [];
  const { required, allowed } = PLATFORM_NAMESPACES[config.platform];
  for (const name of required) {
    if (!values.has(name)) problems.push(`${NAMESPACE}:${name}: required when ${NAMESPACE}:platform is ${config.platform}`);
  }
  for (const name of values.keys()) {
    if (name === "platform" || allowed.includes(name)) continue;
    const users = PLATFORMS.filter((p) => PLATFORM_NAMESPACES[p].allowed.includes(name));
    problems.push(`${NAMESPACE}:${name}: only used when ${NAMESPACE}:platform is ${users.join(" or ")}`);
  }
  // TLS to the manager is always verified, so talking to it needs the CA of its certificate.
  if (config.kubernetes && !config.kubernetes.managerCaCert && (declaresObjects(config.resources) || config.restore || config.backup?.trigger)) {
    problems.push(`${NAMESPACE}:kubernetes.managerCaCert: required to reach the manager's REST API (cmom:resources, cmom:restore or a backup)`);
  }
  const { openstack, cluster, dns } = config;
  if (config.hosts && cluster) problems.push(...hostsProblems(config.hosts, cluster, (values.get("cluster") as { instances?: unknown }).instances));
  if (!openstack || !cluster) return problems;

  const pool = openstack.resourcePool;
  if (pool && pool.length < cluster.instances) {
    problems.push(`${NAMESPACE}:openstack.resourcePool: ${pool.length} entr${pool.length === 1 ? "y" : "ies"} for ${cluster.instances} instances`);
  }
  if (dns?.nodeRecords && dns.nodeRecords.length < cluster.instances) {
    problems.push(`${NAMESPACE}:dns.nodeRecords: ${dns.nodeRecords.length} names for ${cluster.instances} instances`);
  }
  const names = nodeNames(cluster.instances, cluster.namePrefix, openstack);
  for (const node of Object.keys(cluster.hostKeys)) {
    if (!names.includes(node)) problems.push(`${NAMESPACE}:cluster.hostKeys.${node}: no such node (nodes: ${names.join(", ")})`);
  }
  return problems;
}

/** Pulumi hands structured values to the program as JSON text and plain strings as they are. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads and validates the running stack's config once, at program start. */
export function loadStackConfig(): StackConfig {
  // isConfigSecret is exported by the runtime but missing from its typings; it is the only way to know what was set with --secret.
  const runtimeConfig: { isConfigSecret(key: string): boolean } = require("@pulumi/pulumi/runtime/config");
  return parseStackConfig(pulumi.runtime.allConfig(), {
    stack: pulumi.getStack(),
    allowPlaceholders: pulumi.runtime.isDryRun(),
    checkLocalFiles: !pulumi.runtime.isDryRun(),
    isSecret: (key) => runtimeConfig.isConfigSecret(key),
  });
}

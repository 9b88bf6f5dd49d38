import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { backupSchema, type BackupConfig } from "./backupSchema";
import { clusterInstancesSchema, clusterSchema, type ClusterConfig } from "./clusterSchema";
import { dnsSchema, type DnsConfig } from "./dnsSchema";
import { fleetSchema, type FleetConfig } from "./fleetSchema";
import { caPairProblems } from "./caPair";
import { topologyProblems } from "./clusterTopology";
import { formatIssues, keyPath } from "./formatIssues";
import { hostsProblems, hostsSchema, type HostsConfig } from "./hostsSchema";
import { inputsFileProblems, missingLocalFiles } from "./localFiles";
import { localPathSchemas, type LocalPathBase } from "./localPaths";
import { kubernetesSchema, type KubernetesConfig } from "./kubernetesSchema";
import { managerSchema, type ManagerConfig } from "./managerSchema";
import { nodeNames } from "./nodeNames";
import { openstackSchema, type OpenStackConfig } from "./openstackSchema";
import { SECRET_MARK, type SecretPolicy } from "./primitives";
import { declaresObjects, resourcesSchema, type ResourcesConfig } from "./resourcesSchema";
import { restoreSchema, type RestoreConfig } from "./restoreSchema";
import { isUnderSecure, securePaths } from "./securePaths";

const NAMESPACE = "cmom";
/** Where Pulumi.yaml keeps the stack files (its stackConfigDir), relative to the project. */
const STACK_CONFIG_DIR = "stacks";
/** Set by `npm run plan` when it reads a stack file from elsewhere than STACK_CONFIG_DIR: the program then reads that file. */
export const STACK_FILE_VARIABLE = "CMOM_STACK_FILE";

/** What every platform that runs managers reads besides its own namespaces: the content to manage, a restore, backups. */
interface ManagedContent {
  readonly stack: string;
  readonly resources: ResourcesConfig;
  readonly restore?: RestoreConfig;
  readonly backup: BackupConfig;
}

export interface OpenStackStackConfig extends ManagedContent {
  readonly platform: "openstack";
  readonly openstack: OpenStackConfig;
  readonly cluster: ClusterConfig;
  readonly dns?: DnsConfig;
}

export interface HostsStackConfig extends ManagedContent {
  readonly platform: "hosts";
  readonly hosts: HostsConfig;
  readonly cluster: ClusterConfig;
  readonly dns?: DnsConfig;
}

export interface KubernetesStackConfig extends ManagedContent {
  readonly platform: "kubernetes";
  readonly kubernetes: KubernetesConfig;
}

export interface ManagerStackConfig extends ManagedContent {
  readonly platform: "manager";
  readonly manager: ManagerConfig;
}

export interface FleetStackConfig {
  readonly stack: string;
  readonly platform: "fleet";
  readonly fleet: FleetConfig;
}

/** A stack's config, by platform: each platform's code sees its own namespaces only, present when it requires them. */
export type StackConfig = OpenStackStackConfig | HostsStackConfig | KubernetesStackConfig | ManagerStackConfig | FleetStackConfig;

/**
 * `hosts` installs on machines that exist already; `manager` takes a manager that runs already and manages only what runs on
 * it; `fleet` is a program mode: the stack builds nothing and aggregates other cmom stacks.
 */
const PLATFORMS = ["openstack", "hosts", "kubernetes", "manager", "fleet"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The namespaces of a platform's config (its type says which are optional). */
type NamespaceOf<P extends Platform> = Exclude<keyof Extract<StackConfig, { platform: P }>, "stack" | "platform">;

/** Which namespaces each platform needs, and which it accepts at all: typed by StackConfig, so the two cannot disagree. */
const PLATFORM_NAMESPACES: { [P in Platform]: { required: NamespaceOf<P>[]; allowed: NamespaceOf<P>[] } } = {
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
  /** Whether the value at a key path (`cmom:cluster.adminPassword`) was set with `--secret` (itself or a key holding it). */
  readonly isSecret: (keyPath: string) => boolean;
  /** Where relative local paths start (the stack file's directory) and the project they must stay in. */
  readonly paths: LocalPathBase;
}

/**
 * Parses the `cmom:*` config (values as Pulumi hands them to the program: JSON text for objects) into a StackConfig.
 * Throws ConfigError listing every problem, before any resource exists.
 */
export function parseStackConfig(raw: Readonly<Record<string, string>>, options: ParseOptions): StackConfig {
  const problems: string[] = [];
  const values = new Map<string, unknown>();
  const schemas = namespaceSchemas({ allowPlaceholders: options.allowPlaceholders, markSecrets: false }, options.paths);
  for (const [key, text] of Object.entries(raw)) {
    if (key.startsWith(`${NAMESPACE}:`)) values.set(key.slice(NAMESPACE.length + 1), parseValue(text));
    else problems.push(...foreignKeyProblems(key, Object.keys(schemas)));
  }
  for (const key of values.keys()) {
    if (!(key in schemas)) problems.push(`${NAMESPACE}:${key}: unknown key (known: ${Object.keys(schemas).map((k) => `${NAMESPACE}:${k}`).join(", ")})`);
  }

  // The same schemas again, marking each real secret value: where one sits in plain text, it is named by its key path.
  const marking = namespaceSchemas({ allowPlaceholders: options.allowPlaceholders, markSecrets: true }, options.paths);
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const key = `${NAMESPACE}:${name}`;
    const result = (schema as z.ZodType).safeParse(values.get(name), { reportInput: true });
    if (!result.success) problems.push(...formatIssues(key, result.error.issues));
    else parsed[name] = result.data;
    const marked = (marking[name as keyof typeof marking] as z.ZodType).safeParse(values.get(name));
    for (const issue of marked.success ? [] : marked.error.issues) {
      const at = keyPath(key, issue.path);
      // A secret typed in plain text would sit unencrypted in the stack file (and in git).
      if (issue.message === SECRET_MARK && !options.isSecret(at)) {
        problems.push(`${at}: a secret in plain text; set it with \`pulumi config set --secret --path '${at.slice(NAMESPACE.length + 1)}' < file\``);
      }
    }
  }

  const config = parsed as ParsedNamespaces;
  config.resources?.deployments.forEach((d, i) => {
    const at = `${NAMESPACE}:resources.deployments[${i}].inputs`;
    if (typeof d.inputs === "object" && [at, ...leafPaths(d.inputs, at)].some(options.isSecret)) d.secretInputs = true;
  });
  // Checks across namespaces run on whatever parsed, so every problem is reported in one run.
  problems.push(...crossNamespaceProblems(config, values));
  if (problems.length === 0 && options.checkLocalFiles) problems.push(...missingLocalFiles({ ...config, resources: config.resources! }));
  if (config.resources) problems.push(...inputsFileProblems(config.resources));
  if (problems.length > 0) throw new ConfigError(problems);

  // No problem left: the platform's required namespaces are there (crossNamespaceProblems) and no other platform's is.
  return {
    ...config,
    stack: options.stack,
    backup: { ...config.backup!, dir: config.backup!.dir ?? path.join("snapshots", options.stack) },
  } as StackConfig;
}

/** Every namespace as its schema parsed it, before the platform's requirements are checked. */
type ParsedNamespaces = { -readonly [K in keyof ReturnType<typeof namespaceSchemas>]?: z.output<ReturnType<typeof namespaceSchemas>[K]> };

function namespaceSchemas(policy: SecretPolicy, base: LocalPathBase) {
  const paths = localPathSchemas(base);
  return {
    platform: z.enum(PLATFORMS).default("openstack"),
    openstack: openstackSchema.optional(),
    kubernetes: kubernetesSchema(policy, paths).optional(),
    manager: managerSchema(policy).optional(),
    cluster: clusterSchema(policy, paths).optional(),
    resources: resourcesSchema(policy, paths).default(() => resourcesSchema(policy, paths).parse({})),
    restore: restoreSchema(paths).optional(),
    backup: backupSchema(paths).default(() => backupSchema(paths).parse({})),
    dns: dnsSchema.optional(),
    fleet: fleetSchema.optional(),
    hosts: hostsSchema.optional(),
  };
}

/** Providers read their own namespaces; a cmom namespace written without its prefix would otherwise be silently ignored. */
const PROVIDER_NAMESPACES = ["openstack", "kubernetes", "pulumi", "tls", "command"];

function foreignKeyProblems(key: string, names: string[]): string[] {
  const [namespace, name] = key.includes(":") ? key.split(":", 2) as [string, string] : [undefined, key];
  if (namespace === undefined) {
    return [`${key}: expected a <namespace>:<name> key, found no namespace${names.includes(key) ? ` (write ${NAMESPACE}:${key})` : ""}`];
  }
  if (!PROVIDER_NAMESPACES.includes(namespace) && names.includes(namespace)) {
    return [`${key}: namespace ${namespace} is not read by anything; cmom's keys are ${NAMESPACE}:<name> (write ${NAMESPACE}:${namespace} with ${name} inside)`];
  }
  return [];
}

function crossNamespaceProblems(config: ParsedNamespaces, values: Map<string, unknown>): string[] {
  const problems = caPairProblems(values.get("cluster"));
  if (config.platform === undefined) return problems;
  const { required, allowed } = PLATFORM_NAMESPACES[config.platform];
  for (const name of required) {
    if (!values.has(name)) problems.push(`${NAMESPACE}:${name}: required when ${NAMESPACE}:platform is ${config.platform}`);
  }
  for (const name of values.keys()) {
    if (name === "platform" || (allowed as string[]).includes(name)) continue;
    const users = PLATFORMS.filter((p) => (PLATFORM_NAMESPACES[p].allowed as string[]).includes(name));
    problems.push(`${NAMESPACE}:${name}: only used when ${NAMESPACE}:platform is ${users.join(" or ")}`);
  }
  // TLS to the manager is always verified, so talking to it needs the CA of its certificate.
  if (config.kubernetes && !config.kubernetes.managerCaCert && ((config.resources && declaresObjects(config.resources)) || config.restore || config.backup?.trigger)) {
    problems.push(`${NAMESPACE}:kubernetes.managerCaCert: required to reach the manager's REST API (cmom:resources, cmom:restore or a backup)`);
  }
  const { openstack, cluster, dns } = config;
  if (config.hosts && cluster) problems.push(...hostsProblems(config.hosts, cluster, (values.get("cluster") as { instances?: unknown }).instances));
  if (cluster && (config.hosts || openstack)) {
    problems.push(...(config.hosts ? topologyProblems(cluster, config.hosts.length, `${NAMESPACE}:hosts`) : topologyProblems(cluster, cluster.instances, `${NAMESPACE}:cluster.instances`)));
  }
  if (!openstack) return problems;

  // The node count, even when another key of cmom:cluster has a problem: then as written, if it is valid on its own.
  const instances = cluster?.instances ?? validInstances((values.get("cluster") as { instances?: unknown } | undefined)?.instances);
  if (instances === undefined) return problems;
  const pool = openstack.resourcePool;
  if (pool && pool.length < instances) {
    problems.push(`${NAMESPACE}:openstack.resourcePool: ${pool.length} entr${pool.length === 1 ? "y" : "ies"} for ${instances} instances`);
  }
  if (dns?.nodeRecords && dns.nodeRecords.length < instances) {
    problems.push(`${NAMESPACE}:dns.nodeRecords: ${dns.nodeRecords.length} names for ${instances} instances`);
  }
  if (!cluster) return problems;
  const names = nodeNames(cluster.instances, cluster.namePrefix, openstack);
  for (const node of Object.keys(cluster.hostKeys)) {
    if (!names.includes(node)) problems.push(`${NAMESPACE}:cluster.hostKeys.${node}: no such node (nodes: ${names.join(", ")})`);
  }
  return problems;
}

function leafPaths(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leafPaths(v, `${at}.${k}`));
  return [at];
}

function validInstances(raw: unknown): number | undefined {
  const result = clusterInstancesSchema.safeParse(raw);
  return result.success ? result.data : undefined;
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
  const stackFile = process.env[STACK_FILE_VARIABLE] ?? path.join(STACK_CONFIG_DIR, `Pulumi.${pulumi.getStack()}.yaml`);
  const secure = stackFileSecurePaths(stackFile);
  return parseStackConfig(pulumi.runtime.allConfig(), {
    stack: pulumi.getStack(),
    allowPlaceholders: pulumi.runtime.isDryRun(),
    checkLocalFiles: !pulumi.runtime.isDryRun(),
    isSecret: (at) => runtimeConfig.isConfigSecret(at.replace(/[.[].*$/, "")) && (secure === undefined || isUnderSecure(secure, at)),
    // The program runs in the project directory (Pulumi's and the Automation API's working directory alike).
    paths: { stackDir: path.resolve(path.dirname(stackFile)), projectDir: process.cwd() },
  });
}

/**
 * Which values the stack file (Pulumi.yaml's stackConfigDir) holds encrypted; the runtime only knows whole keys, and a key with
 * one value set with --secret counts as secret as a whole. Undefined when the file is not there (a backend-held config).
 */
function stackFileSecurePaths(stackFile: string): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(stackFile, "utf8");
  } catch {
    return undefined;
  }
  const document = parseYaml(text) as { config?: Record<string, unknown> } | null;
  return securePaths(document?.config ?? {});
}

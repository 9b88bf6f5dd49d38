import * as path from "node:path";
import { z } from "zod";
import { imageRowFor, SUPPORTED_VERSIONS, type ImageRow } from "../kubernetes/imageTable";
import { persistedSubPath } from "../kubernetes/persistence/layout";
import { CMOM_DIR } from "../kubernetes/mountPaths";
import { MAX_NODES, cloudifyId, ipv4Cidr, isHostname, nonEmpty, pemCertificate, secretString, type SecretPolicy } from "./primitives";
import type { LocalPathSchemas } from "./localPaths";

/** RFC 1123 label: what Kubernetes accepts as a namespace, Service or StatefulSet name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = (max: number) => z.string().max(max, `at most ${max} characters`)
  .regex(DNS_LABEL, "not a DNS label (lower-case letters, digits and inner hyphens)");

/** `registry/repo:tag` or `registry/repo@sha256:…`; a missing tag or `latest` would make the VERSION guard meaningless. */
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/;
const imageRef = z.string().regex(IMAGE, "not an image reference with a tag or digest (e.g. cloudifyplatform/community:5.0.5 or repo@sha256:<64 hex>)")
  .refine((ref) => !/:latest$/.test(ref), "`latest` floats: pin a version tag or a digest");

/** Same grammar as seed-and-link.sh's VERSION_FORMAT, so a version accepted here is accepted there. */
const VERSION = /^[0-9]+(\.[0-9]+)*([-+~_][0-9A-Za-z.+~_-]*)?$/;

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const quantity = z.string().regex(QUANTITY, "not a Kubernetes quantity (e.g. 500m, 2, 8Gi)");

const absolutePath = z.string().regex(/^(\/[^/\s]+)+$/, "not a normalised absolute path");

const port = z.number().int().min(1).max(65535);

const ACCESS_MODES = ["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"] as const;

/** Rules for the manager's own Kubernetes plugin (namespaced Role); defaults cover what blueprints typically deploy. */
const ruleSchema = z.strictObject({
  apiGroups: z.array(z.string()).min(1),
  resources: z.array(nonEmpty).min(1),
  verbs: z.array(nonEmpty).min(1),
});
const WORKLOAD_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];
export const DEFAULT_PLUGIN_RULES: z.output<typeof ruleSchema>[] = [
  { apiGroups: [""], resources: ["pods", "pods/log", "pods/exec", "services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"], verbs: WORKLOAD_VERBS },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "replicasets", "daemonsets"], verbs: WORKLOAD_VERBS },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: WORKLOAD_VERBS },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: WORKLOAD_VERBS },
];

const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
const namespaceSchema = (defaultLevel: (typeof POD_SECURITY_LEVELS)[number]) => z.strictObject({
  name: dnsLabel(63),
  /** Create (and retain) the namespace; otherwise it must exist, and cmom only adds its Pod Security labels. */
  create: z.boolean().default(false),
  /** The Pod Security Standard enforced on the namespace; the manager's must admit its image's level (imageTable.ts). */
  podSecurity: z.enum(POD_SECURITY_LEVELS).default(defaultLevel),
});

export function kubernetesSchema(policy: SecretPolicy, { localPath }: LocalPathSchemas) {
  const ports = z.strictObject({
    http: port.default(80),
    https: port.default(443),
    internalRest: port.default(53333),
    amqp: port.default(5671),
  }).default({ http: 80, https: 443, internalRest: 53333, amqp: 5671 });

  return z.strictObject({
    /** The manager's namespace; its Pod Security level defaults to what the image needs. */
    namespace: z.strictObject({
      name: dnsLabel(63),
      create: z.boolean().default(false),
      podSecurity: z.enum(POD_SECURITY_LEVELS).optional(),
    }),
    /**
     * Where the manager's Kubernetes plugin deploys, the only namespace its Role grants anything in: never the
     * manager's own (its Secret, its pod and its claim stay out of the plugin's reach).
     */
    pluginNamespace: namespaceSchema("baseline").optional(),
    /** StatefulSet, Service and object name prefix; the pod's fixed host name is `<name>-0`. ≤52: the controller-revision-hash label adds 11. */
    name: dnsLabel(52).default("cloudify-manager"),
    image: imageRef,
    imageGeneration: z.enum(["systemd", "modern"]),
    /** Manager version of the image (e.g. 5.0.5): the init container refuses a volume last used by a newer one. */
    imageVersion: z.string().regex(VERSION, "not a version like 5.0.5 or 7.0.0-ga"),
    /** The image's own start command; defaults to the image row's (`/sbin/init` or supervisord). */
    command: z.array(nonEmpty).min(1).optional(),
    /** Declares that the image keeps its state outside the pod (external DB/queue), the precondition for replicas > 1. */
    haCapable: z.boolean().default(false),
    replicas: z.number().int().min(1).max(MAX_NODES).default(1),
    storage: z.strictObject({
      className: nonEmpty,
      size: quantity,
      accessMode: z.enum(ACCESS_MODES).default("ReadWriteOncePod"),
      /** The class's volumeBindingMode: with WaitForFirstConsumer the claim stays Pending until the pod exists, so Pulumi must not await it. */
      bindingMode: z.enum(["WaitForFirstConsumer", "Immediate"]).default("WaitForFirstConsumer"),
      /** Group owning the volume (pod fsGroup); applied only while the volume root does not match (OnRootMismatch). */
      fsGroup: z.number().int().min(0).optional(),
      /** Fixed SELinux level, so a relabel never locks another pod out of a shared volume. */
      seLinuxLevel: nonEmpty.optional(),
    }),
    /** Absolute paths kept on the volume; default: the image row's list in imageTable.ts. */
    persistedPaths: z.array(absolutePath.refine((p) => canSubPath(p), "not a path seed-and-link.sh can persist")).min(1).optional(),
    service: z.strictObject({
      type: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("LoadBalancer"),
      ports,
      annotations: z.record(z.string(), z.string()).default({}),
      /** Client CIDRs a LoadBalancer admits. */
      loadBalancerSourceRanges: z.array(ipv4Cidr).optional(),
    }).default({ type: "LoadBalancer", ports: { http: 80, https: 443, internalRest: 53333, amqp: 5671 }, annotations: {} }),
    ingress: z.strictObject({
      host: z.string().refine(isHostname, "not a valid host name (RFC 1123)"),
      className: nonEmpty,
      tlsSecret: dnsLabel(253).optional(),
      annotations: z.record(z.string(), z.string()).default({}),
    }).optional(),
    resources: z.strictObject({
      requests: z.strictObject({ cpu: quantity.default("2"), memory: quantity.default("8Gi") }).default({ cpu: "2", memory: "8Gi" }),
      limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.default("8Gi") }).default({ memory: "8Gi" }),
    }).default({ requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } }),
    /** Kubeconfig for the manager's own Kubernetes plugin; without it, an in-cluster one using the projected token is generated. */
    kubeconfig: secretString(policy).optional(),
    kubeconfigPath: absolutePath.default("/etc/cloudify/.kube/config"),
    /** Plugin configuration file content (seed 001's /opt/onap/config.txt). */
    configTxt: nonEmpty.optional(),
    configTxtPath: absolutePath.default("/opt/onap/config.txt"),
    pluginRules: z.array(ruleSchema).min(1).default(DEFAULT_PLUGIN_RULES),
    adminUsername: cloudifyId.default("admin"),
    adminPassword: secretString(policy),
    /** CA of the manager's external certificate: cmom verifies TLS against it when it uploads cmom:resources or takes backups. */
    managerCaCert: pemCertificate.optional(),
    /** Seconds a first boot may take before the startup probe gives up (and the kubelet restarts the container). */
    startupBudgetSeconds: z.number().int().min(60).max(86400).default(1800),
    /** How Pulumi itself reaches the cluster; default: the ambient kubeconfig of whoever runs `pulumi up`. */
    provider: z.strictObject({
      kubeconfig: secretString(policy).optional(),
      context: nonEmpty.optional(),
      /** Write the manifests into this directory instead of applying them (review, GitOps); nothing reaches a cluster. */
      renderYamlToDirectory: localPath.optional(),
    }).optional(),
  }).superRefine((k, ctx) => {
    const row = imageRowFor(k.imageVersion);
    if (!row) {
      ctx.addIssue({ code: "custom", path: ["imageVersion"], message: `manager version ${k.imageVersion} is not supported (supported: ${SUPPORTED_VERSIONS})` });
    } else if (row.generation !== k.imageGeneration) {
      ctx.addIssue({ code: "custom", path: ["imageGeneration"], message: `${k.imageGeneration} does not match imageVersion ${k.imageVersion} (${row.generation}: ${row.from} ≤ version < ${row.below})` });
    }
    if (row && k.namespace.podSecurity && LEVEL_ORDER.indexOf(k.namespace.podSecurity) > LEVEL_ORDER.indexOf(row.podSecurityLevel)) {
      ctx.addIssue({ code: "custom", path: ["namespace", "podSecurity"], message: `${k.namespace.podSecurity} refuses the pod of manager ${k.imageVersion}, which needs ${row.podSecurityLevel}` });
    }
    const plugin = pluginNamespaceOf(k);
    if (plugin.name === k.namespace.name) {
      ctx.addIssue({ code: "custom", path: ["pluginNamespace", "name"], message: `must differ from namespace.name (${k.namespace.name}): the plugin gets no access to the manager's own namespace` });
    }
    if (k.replicas > 1 && !(k.storage.accessMode === "ReadWriteMany" && k.haCapable)) {
      ctx.addIssue({ code: "custom", path: ["replicas"], message: "more than 1 replica needs storage.accessMode ReadWriteMany and haCapable: true (two managers on one data directory corrupt it)" });
    }
    if (k.service.loadBalancerSourceRanges && k.service.type !== "LoadBalancer") {
      ctx.addIssue({ code: "custom", path: ["service", "loadBalancerSourceRanges"], message: `only allowed when service.type is LoadBalancer (type is ${k.service.type})` });
    }
    const portNumbers = Object.entries(k.service.ports);
    portNumbers.forEach(([name, number], index) => {
      const first = portNumbers.findIndex(([, n]) => n === number);
      if (first !== index) ctx.addIssue({ code: "custom", path: ["service", "ports", name], message: `duplicate of service.ports.${portNumbers[first]![0]}` });
    });
    const paths = k.persistedPaths ?? [];
    paths.forEach((p, i) => {
      paths.slice(0, i).forEach((other, j) => {
        if (p === other || p.startsWith(`${other}/`) || other.startsWith(`${p}/`)) {
          ctx.addIssue({ code: "custom", path: ["persistedPaths", i], message: `overlaps persistedPaths[${j}] (${other})` });
        }
      });
    });
    const mounted = { kubeconfigPath: k.kubeconfigPath, configTxtPath: k.configTxtPath };
    for (const [key, file] of Object.entries(mounted)) {
      if (path.dirname(file) === "/") ctx.addIssue({ code: "custom", path: [key], message: "must be inside a directory (the directory is mounted, not the file)" });
    }
    if (path.dirname(k.kubeconfigPath) === path.dirname(k.configTxtPath)) {
      ctx.addIssue({ code: "custom", path: ["configTxtPath"], message: "must be in another directory than kubeconfigPath (each directory is one mount)" });
    }
    for (const [key, file] of Object.entries(mounted)) {
      if (isWithin(file, CMOM_DIR)) ctx.addIssue({ code: "custom", path: [key], message: `${CMOM_DIR} is reserved for the component's own mounts` });
    }
    // A persisted path inside a mounted directory would be hidden by that mount (the reverse nests fine).
    const mountedDirs = [CMOM_DIR, path.dirname(k.kubeconfigPath), path.dirname(k.configTxtPath)];
    paths.forEach((p, i) => {
      const hiding = mountedDirs.find((dir) => isWithin(p, dir));
      if (hiding) ctx.addIssue({ code: "custom", path: ["persistedPaths", i], message: `lies in ${hiding}, which is mounted over it` });
    });
  });
}

const isWithin = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

function canSubPath(p: string): boolean {
  try {
    persistedSubPath(p);
    return true;
  } catch {
    return false;
  }
}

export type KubernetesConfig = z.output<ReturnType<typeof kubernetesSchema>>;

/** Least permissive last: a namespace at a later level refuses pods that need an earlier one. */
const LEVEL_ORDER: readonly string[] = POD_SECURITY_LEVELS;

/** The image row of a validated config (the schema refuses versions without one). */
export function imageRowOf(k: Pick<KubernetesConfig, "imageVersion">): ImageRow {
  const row = imageRowFor(k.imageVersion);
  if (!row) throw new Error(`manager version ${k.imageVersion} is not supported (supported: ${SUPPORTED_VERSIONS})`);
  return row;
}

/** The persisted paths in force: the configured list, or the image row's. */
export function persistedPathsOf(k: Pick<KubernetesConfig, "persistedPaths" | "imageVersion">): readonly string[] {
  return k.persistedPaths ?? imageRowOf(k).persisted;
}

/** The manager namespace's Pod Security level: the configured one, or what the image needs. */
export function managerPodSecurityOf(k: Pick<KubernetesConfig, "namespace" | "imageVersion">): string {
  return k.namespace.podSecurity ?? imageRowOf(k).podSecurityLevel;
}

/** The plugin's namespace: the configured one, or `<namespace>-workloads`, created when the manager's is. */
export function pluginNamespaceOf(k: Pick<KubernetesConfig, "namespace" | "pluginNamespace">): z.output<ReturnType<typeof namespaceSchema>> {
  return k.pluginNamespace ?? { name: `${k.namespace.name}-workloads`.slice(0, 63).replace(/-+$/, ""), create: k.namespace.create, podSecurity: "baseline" };
}

import * as path from "node:path";
import type { core } from "@pulumi/kubernetes/types/input";
import { imageRowOf, persistedPathsOf, type KubernetesConfig } from "../config/kubernetesSchema";
import { GENERATION_SPECS, seedSecurityContext } from "./imageTable";
import { ADMIN_PASSWORD_FILE, ADMIN_SECRET_DIR, MANAGER_CONFIG_DIR, MANAGER_CONFIG_FILE, SCRIPTS_DIR, SERVICE_ACCOUNT_DIR } from "./mountPaths";
import { labelsOf, SECRET_KEYS, stablePodName, type ObjectNames } from "./objectNames";
import { defaultPersistMount, seedAndLinkEnv } from "./persistence/layout";
import { managerProbes } from "./probes";
import { SCRIPTS } from "./scriptFiles";


/**
 * Container ports of the manager (the Service maps its own port numbers onto these names). Every supported version
 * listens on all four (cloudify-manager-install, 4.3 … 7.0.0): RabbitMQ's TLS listener 5671 (rabbitmq.config, the
 * agents' broker_port) and the internal REST service on 53333, which 7.0 keeps as an additional listener for agents
 * installed before (config.yaml's additional_internal_rest_listeners) while new agents use 443.
 */
const CONTAINER_PORTS = [
  { name: "http", containerPort: 80 },
  { name: "https", containerPort: 443 },
  { name: "internal-rest", containerPort: 53333 },
  { name: "amqp", containerPort: 5671 },
] as const;

/** Seconds between checks of the mounted admin password for a rotated value. */
const ADMIN_PASSWORD_POLL_SECONDS = 60;

const READ_ONLY = 0o444;
const OWNER_READ = 0o400;
const EXECUTABLE = 0o555;

/**
 * The manager's pod: an init container (same image) seeds the volume with seed-and-link.sh (the long copy, outside the
 * startup budget); the manager container mounts the whole volume and starts through start-manager.sh, which undoes an
 * unfinished earlier start (also after a restart in place, which reruns no init container), links each persisted path
 * into the volume, renders the config, keeps the admin password current and commits the start once the manager answers.
 */
export function managerPodTemplate(k: KubernetesConfig, names: ObjectNames): core.v1.PodTemplateSpec {
  const row = imageRowOf(k);
  const profile = GENERATION_SPECS[row.generation];
  const configureOnStart = row.firstBoot === "configure-on-start";
  const persisted = persistedPathsOf(k);
  const kubeconfigDir = path.dirname(k.kubeconfigPath);
  const configTxtDir = path.dirname(k.configTxtPath);

  const volumes: core.v1.Volume[] = [
    { name: "data", persistentVolumeClaim: { claimName: names.dataClaim } },
    { name: "scripts", configMap: { name: names.scripts, defaultMode: EXECUTABLE } },
    // Secrets as directories, never subPath files: a subPath mount never sees a rotated value.
    { name: "admin-password", secret: { secretName: names.credentials, defaultMode: OWNER_READ, items: [{ key: SECRET_KEYS.adminPassword, path: ADMIN_PASSWORD_FILE }] } },
    // Readable by the manager's own users: the plugin runs in the management worker, not as root.
    { name: "kubeconfig", secret: { secretName: names.credentials, defaultMode: READ_ONLY, items: [{ key: SECRET_KEYS.kubeconfig, path: path.basename(k.kubeconfigPath) }] } },
    {
      name: "service-account",
      projected: {
        defaultMode: READ_ONLY,
        sources: [
          { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
        ],
      },
    },
    ...(k.configTxt ? [{ name: "config-txt", configMap: { name: names.configTxt, defaultMode: READ_ONLY, items: [{ key: "config.txt", path: path.basename(k.configTxtPath) }] } }] : []),
    ...(configureOnStart ? [{ name: "manager-config", configMap: { name: names.managerConfig, defaultMode: OWNER_READ } }] : []),
    ...profile.volumes,
  ];

  const mounts: core.v1.VolumeMount[] = [
    { name: "data", mountPath: defaultPersistMount },
    { name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true },
    { name: "admin-password", mountPath: ADMIN_SECRET_DIR, readOnly: true },
    { name: "kubeconfig", mountPath: kubeconfigDir, readOnly: true },
    { name: "service-account", mountPath: SERVICE_ACCOUNT_DIR, readOnly: true },
    ...(k.configTxt ? [{ name: "config-txt", mountPath: configTxtDir, readOnly: true }] : []),
    ...(configureOnStart ? [{ name: "manager-config", mountPath: MANAGER_CONFIG_DIR, readOnly: true }] : []),
    ...profile.volumeMounts,
  ];

  const resources: core.v1.ResourceRequirements = {
    requests: { cpu: k.resources.requests.cpu, memory: k.resources.requests.memory },
    limits: { memory: k.resources.limits.memory, ...(k.resources.limits.cpu ? { cpu: k.resources.limits.cpu } : {}) },
  };

  const volumeEnv: core.v1.EnvVar[] = [
    { name: seedAndLinkEnv.mount, value: defaultPersistMount },
    { name: seedAndLinkEnv.paths, value: persisted.join("\n") },
    { name: seedAndLinkEnv.imageVersion, value: k.imageVersion },
    // Images that configure on start create some persisted paths only then: they start as empty directories.
    { name: seedAndLinkEnv.createMissing, value: "1" },
    // Another start (an old pod still terminating) may hold the volume lock for as long as a first boot takes.
    { name: seedAndLinkEnv.lockTimeout, value: String(k.startupBudgetSeconds) },
  ];
  const seed: core.v1.Container = {
    name: "seed",
    image: k.image,
    command: ["/bin/bash", `${SCRIPTS_DIR}/${SCRIPTS.seedAndLink}`, "seed"],
    env: volumeEnv,
    volumeMounts: [
      { name: "data", mountPath: defaultPersistMount },
      { name: "scripts", mountPath: SCRIPTS_DIR, readOnly: true },
    ],
    resources,
    securityContext: seedSecurityContext,
  };

  const manager: core.v1.Container = {
    name: "manager",
    image: k.image,
    command: ["/bin/bash", `${SCRIPTS_DIR}/${SCRIPTS.startManager}`, "--", ...(k.command ?? row.command)],
    env: [
      ...volumeEnv,
      { name: "CMOM_HEALTH_PATH", value: row.health.path },
      { name: "CMOM_HEALTH_STATUS", value: String(row.health.status) },
      { name: "CMOM_COMMIT_START", value: "1" },
      ...(configureOnStart ? [{ name: "CMOM_MANAGER_CONFIG", value: `${MANAGER_CONFIG_DIR}/${MANAGER_CONFIG_FILE}` }] : []),
      ...(row.addressSetter ? [
        { name: "CMOM_MANAGER_ADDRESS", value: stablePodName(names, k.namespace.name) },
        { name: "CMOM_ADDRESS_SETTER_UNIT", value: row.addressSetter.unit },
        { name: "CMOM_ADDRESS_SETTER_SCRIPT", value: row.addressSetter.script },
        { name: "CMOM_ADDRESS_SETTER_DONE", value: row.addressSetter.doneMarker },
      ] : []),
      ...(profile.needsCgroupV1 ? [{ name: "CMOM_NEEDS_CGROUP_V1", value: "1" }] : []),
      { name: "CMOM_ADMIN_USERNAME", value: k.adminUsername },
      { name: "CMOM_ADMIN_PASSWORD_FILE", value: `${ADMIN_SECRET_DIR}/${ADMIN_PASSWORD_FILE}` },
      { name: "CMOM_STARTUP_BUDGET", value: String(k.startupBudgetSeconds) },
      { name: "CMOM_ADMIN_PASSWORD_POLL", value: String(ADMIN_PASSWORD_POLL_SECONDS) },
    ],
    ports: CONTAINER_PORTS.map((p) => ({ ...p, protocol: "TCP" })),
    // Parents before children, so a mount nested in a persisted path (e.g. the kubeconfig in /etc/cloudify) lands on top.
    volumeMounts: mounts.sort((a, b) => depth(a.mountPath as string) - depth(b.mountPath as string)),
    resources,
    securityContext: profile.securityContext,
    ...managerProbes(k.startupBudgetSeconds),
    ...(profile.lifecycle ? { lifecycle: profile.lifecycle } : {}),
  };

  return {
    metadata: { labels: labelsOf(k.name), annotations: { "kubectl.kubernetes.io/default-container": "manager" } },
    spec: {
      serviceAccountName: names.serviceAccount,
      // The plugin gets its token from the projected volume above; the legacy mount under /var/run would be hidden anyway.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: row.terminationGraceSeconds,
      securityContext: {
        // With an fsGroup, only a volume whose root does not match yet is changed: never PostgreSQL's data directory later (it refuses to start on one it does not own).
        fsGroupChangePolicy: "OnRootMismatch",
        ...(k.storage.fsGroup !== undefined ? { fsGroup: k.storage.fsGroup } : {}),
        ...(k.storage.seLinuxLevel ? { seLinuxOptions: { level: k.storage.seLinuxLevel } } : {}),
      },
      initContainers: [seed],
      containers: [manager],
      volumes,
    },
  };
}

const depth = (p: string) => p.split("/").length;

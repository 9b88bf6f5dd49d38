import type { core } from "@pulumi/kubernetes/types/input";
import { compareVersions } from "../cloudify/client/versions";

/**
 * What each supported Cloudify Manager image needs on Kubernetes, one row per range of manager versions. Every other
 * file reads the row of the configured `imageVersion` through `imageRowFor`; none asks for a version itself.
 * Sources are the official repositories at the row's release tags: cloudify-manager-install (packaging/docker, the
 * image's Dockerfile, starter and config.yaml; cfy_manager's main.py, constants.py, restservice.py), cloudify-manager
 * (rest-service's status.py and endpoint_mapper.py) and cloudify-helm (cloudify-manager-worker, cloudify-services).
 */

/** systemd as PID 1 (≤5.1) or supervisord as PID 1 (5.2+). */
export type ImageGeneration = "systemd" | "modern";
/** Configured when the image was built (its data already in place), or configured by the image on every start. */
type FirstBoot = "preconfigured" | "configure-on-start";
type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export interface ImageRow {
  /** Manager versions of the row: from ≤ version < below. */
  readonly from: string;
  readonly below: string;
  readonly generation: ImageGeneration;
  readonly firstBoot: FirstBoot;
  /** The image's own start command, which start-manager.sh execs. */
  readonly command: readonly string[];
  /** An unauthenticated request the REST service answers only when it is up, and the status it answers with. */
  readonly health: { readonly path: string; readonly status: 200 | 401 };
  /** Paths kept on the volume: data only (the image's own code and default files come from the image). */
  readonly persisted: readonly string[];
  /** Seconds to stop every service cleanly (PostgreSQL last). */
  readonly terminationGraceSeconds: number;
  /** The Pod Security Standard the manager's namespace must allow for this image's pod. */
  readonly podSecurityLevel: PodSecurityLevel;
  /**
   * Keys of the image's own /etc/cloudify/config.yaml (its packaging/docker/config.yaml) that the config rendered for
   * an image configuring on start must keep, since it replaces that file.
   */
  readonly imageConfig: Readonly<Record<string, unknown>>;
  /**
   * Images configured at build only: the image's own address setter, a systemd unit ordered after PostgreSQL and before
   * every manager service, which writes one address into the services' configuration, the database and the internal
   * certificates. cmom runs it on every start with the pod's stable name instead of the address it detects.
   */
  readonly addressSetter?: AddressSetter;
}

interface AddressSetter {
  readonly unit: string;
  /** The setter's script; it finds the address in a single `ip=$(…)` assignment, which cmom replaces by the name. */
  readonly script: string;
  /** The file whose presence makes the setter skip its work (it runs once per container otherwise). */
  readonly doneMarker: string;
}

// cloudify-manager's packaging/ip_setter (the same unit, script and marker at every tag from 4.3 to 5.0.5), enabled in
// the official images since their build config sets manager.set_manager_ip_on_boot (packaging/docker/install_manager.sh).
// As shipped it writes the container's first non-loopback IP, i.e. a pod IP that changes with every pod; addresses go
// into SANs as DNS names too (certificates.py _format_ips), so a stable DNS name is accepted everywhere it writes one.
const IP_SETTER: AddressSetter = {
  unit: "cloudify-manager-ip-setter.service",
  script: "/opt/cloudify/manager-ip-setter/manager-ip-setter.sh",
  doneMarker: "/opt/cloudify/manager-ip-setter/touched",
};

// The REST service's files in /opt/manager (cloudify-manager-install's restservice.py, 4.3 … 7.0): cloudify-rest.conf is
// rendered from config.yaml and holds no generated value (the database password is config.yaml's fixed default; the
// address setter rewrites its broker address on every start); authorization.conf is the installer's own roles file,
// which the REST service only reads (rest-service's config.py; storage_utils.py copies the roles into a new database).
// Both come from the image, so an upgraded image brings its own. rest-security.conf alone holds generated keys: kept
// on the volume for images configured at build, made once per volume (cmom/SECURITY) for the others.
const REST_SECURITY_CONF = "/opt/manager/rest-security.conf";

/** The file server's user data, the directories restservice.py creates for uploads and snapshots (5.0.5 … 7.0.0). */
const RESOURCES_USER_DATA = ["blueprints", "uploaded-blueprints", "deployments", "snapshots", "plugins"].map((d) => `/opt/manager/resources/${d}`);

/** Data every version keeps: RabbitMQ's vhosts, users and queues (Mnesia, named after the fixed host name), plugins installed for tenants, the internal CA and certificates agents trust. */
const COMMON = ["/var/lib/rabbitmq", "/opt/mgmtworker/env/plugins", "/etc/cloudify/ssl", ...RESOURCES_USER_DATA];

const ALL_IN_ONE = { services_to_install: ["database_service", "queue_service", "manager_service", "monitoring_service"] };
// 5.1 and 5.2 images were built with a fuller config.yaml: no sanity check, the local PostgreSQL's user, no saved copy.
const BUILT_5X = { ...ALL_IN_ONE, sanity: { skip_sanity: true }, postgresql_client: { server_username: "postgres" }, save_config: false };

const SYSTEMD_COMMAND = ["/sbin/init", "--log-target=journal"];
const SUPERVISORD_COMMAND = ["/usr/bin/supervisord", "-n", "-c", "/etc/supervisord.conf"];
// No /api/v3.1/ok before 6.0.0 (rest-service endpoint_mapper.py gains 'OK' in 6.0.0); before it every REST call needs
// a login, so a 401 to an anonymous /api/v3.1/status proves the REST service (not only nginx) answers.
const STATUS_ANSWERS_401 = { path: "/api/v3.1/status", status: 401 } as const;
const OK_ANSWERS_200 = { path: "/api/v3.1/ok", status: 200 } as const;

export const IMAGE_TABLE: readonly ImageRow[] = [
  // 4.3 … 5.0.x: centos:7 with systemd as PID 1 (STOPSIGNAL SIGRTMIN+3); the manager is installed and configured
  // while the image is built (packaging/docker/install_manager.sh), so the image holds a ready database and the REST
  // keys in rest-security.conf, which must follow the data. The official docker-persistent-storage.sh keeps PostgreSQL
  // 9.5's cluster, the resources, the plugins' tree and the deployments' working directories.
  {
    from: "4.3", below: "5.1", generation: "systemd", firstBoot: "preconfigured", command: SYSTEMD_COMMAND, health: STATUS_ANSWERS_401,
    persisted: ["/var/lib/pgsql/9.5/data", ...COMMON, "/opt/mgmtworker/work/deployments", REST_SECURITY_CONF],
    terminationGraceSeconds: 300, podSecurityLevel: "privileged", imageConfig: {}, addressSetter: IP_SETTER,
  },
  // 5.1.x: still systemd (CMD `cfy_manager run-init`, which picks /sbin/init while service_management defaults to
  // systemd), but installed only (`--only-install`): cloudify-starter.service runs `cfy_manager image-starter`, which
  // configures on first boot and generates the REST keys unless config.yaml's flask_security gives them.
  {
    from: "5.1", below: "5.2", generation: "systemd", firstBoot: "configure-on-start", command: SYSTEMD_COMMAND, health: STATUS_ANSWERS_401,
    persisted: ["/var/lib/pgsql/9.5/data", ...COMMON, "/opt/mgmtworker/work/deployments"],
    terminationGraceSeconds: 300, podSecurityLevel: "privileged", imageConfig: BUILT_5X,
  },
  // 5.2 … 5.2.x: service_management supervisord in the image's config.yaml, supervisord is the CMD; configure on start
  // as in 5.1. The management worker keeps its admin token in /opt/mgmtworker/work (the 6.x worker chart keeps it too).
  {
    from: "5.2", below: "6.0", generation: "modern", firstBoot: "configure-on-start", command: SUPERVISORD_COMMAND, health: STATUS_ANSWERS_401,
    persisted: ["/var/lib/pgsql/9.5/data", ...COMMON, "/opt/mgmtworker/work", "/opt/cloudify-stage/dist/userData"],
    terminationGraceSeconds: 180, podSecurityLevel: "baseline", imageConfig: { ...BUILT_5X, service_management: "supervisord" },
  },
  // 6.0 … 6.4.x: as 5.2, and the anonymous health endpoint /api/v3.1/ok exists (status.py's OK resource).
  {
    from: "6.0", below: "7.0", generation: "modern", firstBoot: "configure-on-start", command: SUPERVISORD_COMMAND, health: OK_ANSWERS_200,
    persisted: ["/var/lib/pgsql/9.5/data", ...COMMON, "/opt/mgmtworker/work", "/opt/cloudify-stage/dist/userData"],
    terminationGraceSeconds: 180, podSecurityLevel: "baseline", imageConfig: ALL_IN_ONE,
  },
  // 7.0.x: PostgreSQL 14 (postgresql-14.conf), image-starter configures on every start and skips initdb over an
  // existing cluster (pg_hba.conf present).
  {
    from: "7.0", below: "7.1", generation: "modern", firstBoot: "configure-on-start", command: SUPERVISORD_COMMAND, health: OK_ANSWERS_200,
    persisted: ["/var/lib/pgsql/14/data", ...COMMON, "/opt/mgmtworker/work", "/opt/cloudify-stage/dist/userData"],
    terminationGraceSeconds: 180, podSecurityLevel: "baseline", imageConfig: ALL_IN_ONE,
  },
];

export const SUPPORTED_VERSIONS = `${IMAGE_TABLE[0]!.from} … ${IMAGE_TABLE.at(-1)!.below} (exclusive)`;

/** The row of a manager version, or undefined for a version cmom does not support. */
export function imageRowFor(version: string): ImageRow | undefined {
  return IMAGE_TABLE.find((row) => compareVersions(version, row.from) >= 0 && compareVersions(version, row.below) < 0);
}

/**
 * Size of each of the systemd generation's tmpfs mounts: they count against the pod's memory, so they are bounded. The
 * kubelet mounts a memory-backed emptyDir at its sizeLimit (on by default since Kubernetes 1.22), so journald's runtime
 * journal in /run, by default at most a tenth of its file system, stays within it.
 */
const TMPFS_LIMIT = "256Mi";

/** What the pod spec needs per generation. */
export interface GenerationSpec {
  readonly securityContext: core.v1.SecurityContext;
  readonly volumes: core.v1.Volume[];
  readonly volumeMounts: core.v1.VolumeMount[];
  readonly lifecycle?: core.v1.Lifecycle;
  /** PID 1 cannot run on a node whose cgroups are v2 only: the manager container refuses to start there, saying why. */
  readonly needsCgroupV1: boolean;
}

export const GENERATION_SPECS: Readonly<Record<ImageGeneration, GenerationSpec>> = {
  // As the official docker-persistent-storage.sh runs these images: tmpfs /run and /run/lock, the host's cgroups
  // read-only, SYS_ADMIN, no seccomp filter. Their Dockerfiles (4.3 … 5.1.4) build on centos:7, whose systemd 219
  // knows only the v1 cgroup hierarchies: it cannot boot on a cgroup v2-only node.
  systemd: {
    needsCgroupV1: true,
    securityContext: { privileged: false, capabilities: { add: ["SYS_ADMIN"] }, seccompProfile: { type: "Unconfined" } },
    volumes: [
      { name: "run", emptyDir: { medium: "Memory", sizeLimit: TMPFS_LIMIT } },
      { name: "run-lock", emptyDir: { medium: "Memory", sizeLimit: TMPFS_LIMIT } },
      { name: "cgroup", hostPath: { path: "/sys/fs/cgroup", type: "Directory" } },
    ],
    volumeMounts: [
      { name: "run", mountPath: "/run" },
      { name: "run-lock", mountPath: "/run/lock" },
      { name: "cgroup", mountPath: "/sys/fs/cgroup", readOnly: true },
    ],
    // The kubelet stops with SIGTERM, which systemd as PID 1 takes as "re-execute": send the image's STOPSIGNAL
    // (SIGRTMIN+3, halt) and wait, so PostgreSQL stops cleanly within the grace period.
    lifecycle: { preStop: { exec: { command: ["/bin/bash", "-c", "kill -s SIGRTMIN+3 1 && while kill -0 1; do sleep 1; done"] } } },
  },
  // supervisord stops its programs on SIGTERM. Root with the capabilities of cloudify-helm's worker chart that the
  // baseline Pod Security level admits; privilege escalation stays allowed because the all-in-one image's
  // management worker restarts the REST service through sudo (mgmtworker worker.py in 7.0.0) and snapshots use sudo.
  modern: {
    needsCgroupV1: false,
    securityContext: {
      privileged: false,
      capabilities: {
        drop: ["ALL"],
        add: ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID"],
      },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumes: [],
    volumeMounts: [],
  },
};

/**
 * The seed init container copies the image's data paths as root, keeping owners and modes (cp -a): it needs to read
 * every file and set ownership, nothing more, whatever the generation.
 */
export const seedSecurityContext: core.v1.SecurityContext = {
  runAsUser: 0,
  privileged: false,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"] },
  seccompProfile: { type: "RuntimeDefault" },
};

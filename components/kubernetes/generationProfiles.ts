import type { core } from "@pulumi/kubernetes/types/input";
import type { ImageGeneration } from "./persistence/persistedPaths";


/** What differs between systemd-era (≤5.1) and modern (6.x+) manager images. */
export interface GenerationProfile {
  /** The image's own start command (its CMD), which start-manager.sh execs. */
  readonly command: readonly string[];
  readonly securityContext: core.v1.SecurityContext;
  readonly volumes: core.v1.Volume[];
  readonly volumeMounts: core.v1.VolumeMount[];
  readonly lifecycle?: core.v1.Lifecycle;
}

/** systemd as PID 1, as seed 001 runs it: tmpfs /run and /run/lock, the host's cgroups read-only, SYS_ADMIN, no seccomp filter. */
const systemd: GenerationProfile = {
  command: ["/sbin/init", "--log-target=journal"],
  securityContext: {
    privileged: false,
    capabilities: { add: ["SYS_ADMIN"] },
    seccompProfile: { type: "Unconfined" },
  },
  volumes: [
    { name: "run", emptyDir: { medium: "Memory" } },
    { name: "run-lock", emptyDir: { medium: "Memory" } },
    { name: "cgroup", hostPath: { path: "/sys/fs/cgroup", type: "Directory" } },
  ],
  volumeMounts: [
    { name: "run", mountPath: "/run" },
    { name: "run-lock", mountPath: "/run/lock" },
    { name: "cgroup", mountPath: "/sys/fs/cgroup", readOnly: true },
  ],
  // The kubelet stops containers with SIGTERM, which systemd as PID 1 takes as "re-execute", not "stop": ask it to halt
  // (SIGRTMIN+3, the image's STOPSIGNAL) and wait, so PostgreSQL shuts down cleanly within the grace period.
  lifecycle: { preStop: { exec: { command: ["/bin/bash", "-c", "kill -s SIGRTMIN+3 1 && while kill -0 1; do sleep 1; done"] } } },
};

/**
 * supervisord as PID 1, services started as their own users: root with a short capability list (file ownership for
 * configure, user switching, binding 80/443, signalling its children) and the runtime's default seccomp filter.
 */
const modern: GenerationProfile = {
  command: ["/usr/bin/supervisord", "-n", "-c", "/etc/supervisord.conf"],
  securityContext: {
    privileged: false,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
  volumes: [],
  volumeMounts: [],
};

export const generationProfiles: Readonly<Record<ImageGeneration, GenerationProfile>> = { systemd, modern };

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

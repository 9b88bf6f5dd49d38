import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { imageRowFor } from "../../components/kubernetes/imageTable";
import { resolveExports, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { named, ofType } from "../support/resources";
import { isKubernetesObject, isWireSecret, k8sStack, K8S_SECRETS, manifestOf, modern, runK8s } from "./fixtures/k8sStack";

const SECRET = "kubernetes:core/v1:Secret";
const runRejection = async (ns: Record<string, unknown>) => runK8s(ns).then(() => "resolved", (err: Error) => err.message);

type Container = Record<string, any>;
const podSpecOf = (resources: RecordedResource[]) => manifestOf(named(resources, "test-statefulset")).spec.template.spec;
const containerOf = (resources: RecordedResource[], name: string): Container =>
  [...podSpecOf(resources).containers, ...podSpecOf(resources).initContainers].find((c: Container) => c.name === name);
const mountAt = (container: Container, mountPath: string) => container.volumeMounts.find((m: Container) => m.mountPath === mountPath);
const volumeNamed = (resources: RecordedResource[], name: string) => podSpecOf(resources).volumes.find((v: Container) => v.name === name);

describe("the example k8s stack (systemd-era image) under mocks", () => {
  let resources: RecordedResource[];
  let exports: Record<string, unknown>;
  beforeAll(async () => ({ resources, exports } = await runK8s(k8sStack())));

  it("registers each object once, all inside the CloudifyManager component, through the configured provider", () => {
    const keys = resources.map((r) => `${r.type}::${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    const component = resources.find((r) => r.type === "cmom:kubernetes:CloudifyManager")!;
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(provider.inputs).toMatchObject({ context: "ops" });
    expect(isWireSecret(provider.inputs.kubeconfig)).toBe(true);
    const objects = resources.filter(isKubernetesObject);
    expect(objects.map((r) => r.type).sort()).toEqual([
      "kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Namespace", "kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:core/v1:Secret", "kubernetes:core/v1:Service", "kubernetes:core/v1:Service",
      "kubernetes:core/v1:ServiceAccount", "kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]);
    for (const r of objects) {
      expect(r.parent, r.name).toBe(component.urn);
      expect(r.options.provider.startsWith(provider.urn), r.name).toBe(true);
      const inPluginNamespace = r.type.includes("rbac.authorization.k8s.io/v1:Role");
      if (r.type !== "kubernetes:core/v1:Namespace") expect(manifestOf(r).metadata.namespace, r.name).toBe(inPluginNamespace ? "cloudify-workloads" : "cloudify");
    }
  });

  it("keeps every planted secret in the Secret alone, as Pulumi secrets", () => {
    const planted = Object.values(K8S_SECRETS).flatMap((s) => [s, ...s.split("\n").filter((l) => l.includes("TEST"))]);
    for (const r of resources.filter((r) => r.type !== SECRET && !r.type.startsWith("pulumi:providers:"))) {
      const text = JSON.stringify(manifestOf(r));
      for (const secret of planted) expect(text.includes(secret), `${r.type} ${r.name} carries a secret`).toBe(false);
    }
    const secret = named(resources, "test-credentials");
    expect(isWireSecret(secret.inputs.stringData)).toBe(true);
    expect(manifestOf(secret).stringData).toEqual({ "admin-password": K8S_SECRETS.adminPassword, kubeconfig: K8S_SECRETS.pluginKubeconfig });
  });

  it("creates the namespace, retained on delete so it cannot take the retained claim with it", () => {
    const ns = named(resources, "test-namespace");
    expect(manifestOf(ns).metadata.name).toBe("cloudify");
    expect(ns.options.retainOnDelete).toBe(true);
  });

  it("gives the manager's plugin its own ServiceAccount and a Role only in the plugin's namespace, bound to it", () => {
    const sa = manifestOf(named(resources, "test-service-account"));
    expect(sa).toMatchObject({ metadata: { name: "cloudify-manager" }, automountServiceAccountToken: false });
    const role = manifestOf(named(resources, "test-plugin-role"));
    expect(role.kind).toBe("Role");
    // Not the manager's namespace: the plugin can neither read the admin Secret, exec into the manager, nor delete its claim.
    expect(role.metadata.namespace).toBe("cloudify-workloads");
    expect(manifestOf(named(resources, "test-plugin-role-binding")).metadata.namespace).toBe("cloudify-workloads");
    expect(manifestOf(named(resources, "test-plugin-namespace")).metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "baseline" });
    expect(role.rules.find((r: Container) => r.apiGroups.includes("apps")).resources).toContain("deployments");
    const binding = manifestOf(named(resources, "test-plugin-role-binding"));
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "cloudify-manager", namespace: "cloudify" }]);
    expect(ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")).toEqual([]);
    expect(podSpecOf(resources)).toMatchObject({ serviceAccountName: "cloudify-manager", automountServiceAccountToken: false });
  });

  it("ships the seed script and the start hooks in a ConfigMap, and config.txt in another", () => {
    const scripts = manifestOf(named(resources, "test-scripts")).data;
    const onDisk = (file: string) => fs.readFileSync(path.join(__dirname, "../../components/kubernetes", file), "utf8");
    expect(scripts).toEqual({
      "seed-and-link.sh": onDisk("persistence/seed-and-link.sh"),
      "start-manager.sh": onDisk("hooks/start-manager.sh"),
      "apply-admin-password.sh": onDisk("hooks/apply-admin-password.sh"),
      "set-admin-password.py": onDisk("hooks/set-admin-password.py"),
      "health-check.sh": onDisk("hooks/health-check.sh"),
      "set-manager-address.sh": onDisk("hooks/set-manager-address.sh"),
    });
    expect(manifestOf(named(resources, "test-config-txt")).data).toEqual({ "config.txt": "namespace=cloudify-workloads\nconsul_dns_name=consul-server.cloudify\n" });
  });

  it("manages a protected, retained claim with spec.storageClassName, not awaited on a WaitForFirstConsumer class", () => {
    const claim = named(resources, "test-data");
    expect(claim.options).toMatchObject({ protect: true, retainOnDelete: true });
    const manifest = manifestOf(claim);
    expect(manifest.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(manifest.metadata.annotations["volume.beta.kubernetes.io/storage-class"]).toBeUndefined();
    expect(manifest.spec).toEqual({ storageClassName: "standard-rwo", accessModes: ["ReadWriteOncePod"], resources: { requests: { storage: "50Gi" } } });
  });

  it("runs one replica under a fixed name, replaced pod by pod, with generous timeouts", () => {
    const sts = named(resources, "test-statefulset");
    const spec = manifestOf(sts).spec;
    expect(manifestOf(sts).metadata.name).toBe("cloudify-manager");
    expect(spec).toMatchObject({ replicas: 1, serviceName: "cloudify-manager-headless", podManagementPolicy: "OrderedReady", updateStrategy: { type: "RollingUpdate" } });
    expect(spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "cloudify-manager", "app.kubernetes.io/instance": "cloudify-manager" });
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(spec.volumeClaimTemplates).toBeUndefined();
    const minutes = (t: string) => Number(/^(\d+)m$/.exec(t)![1]);
    expect(minutes(sts.options.customTimeouts!.create) * 60).toBeGreaterThanOrEqual(1800 + 600);
    expect(minutes(sts.options.customTimeouts!.update) * 60).toBeGreaterThanOrEqual(1800 + 600);
    for (const dep of ["test-scripts", "test-credentials", "test-data", "test-plugin-role-binding", "test-config-txt"]) {
      expect(sts.dependsOn, dep).toContain(named(resources, dep).urn);
    }
  });

  it("seeds the volume in an init container of the same image, with the systemd list and the image version", () => {
    const seed = containerOf(resources, "seed");
    const manager = containerOf(resources, "manager");
    expect(seed.image).toBe(manager.image);
    expect(seed.command).toEqual(["/bin/bash", "/etc/cmom/scripts/seed-and-link.sh", "seed"]);
    const env = Object.fromEntries(seed.env.map((e: Container) => [e.name, e.value]));
    expect(env).toEqual({
      CMOM_PERSIST_MOUNT: "/cfy-persist",
      CMOM_PERSIST_PATHS: imageRowFor("5.0.5")!.persisted.join("\n"),
      CMOM_IMAGE_VERSION: "5.0.5",
      CMOM_PERSIST_CREATE_MISSING: "1",
      CMOM_PERSIST_LOCK_TIMEOUT: "1800",
    });
    expect(mountAt(seed, "/cfy-persist")).toEqual({ name: "data", mountPath: "/cfy-persist" });
    expect(seed.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
  });

  it("mounts the whole volume in the manager container, which links the persisted paths into it at every start", () => {
    const manager = containerOf(resources, "manager");
    const fromVolume = manager.volumeMounts.filter((m: Container) => m.name === "data");
    expect(fromVolume).toEqual([{ name: "data", mountPath: "/cfy-persist" }]);
    const env = Object.fromEntries(manager.env.map((e: Container) => [e.name, e.value]));
    expect(env.CMOM_PERSIST_PATHS).toBe(imageRowFor("5.0.5")!.persisted.join("\n"));
    expect(env.CMOM_COMMIT_START).toBe("1");
    expect(volumeNamed(resources, "data")).toEqual({ name: "data", persistentVolumeClaim: { claimName: "cloudify-manager-data" } });
  });

  it("mounts secrets as directories, the token projected outside /run, and config.txt where the plugin reads it", () => {
    const manager = containerOf(resources, "manager");
    for (const mount of manager.volumeMounts.filter((m: Container) => m.name !== "data")) expect(mount.subPath, mount.mountPath).toBeUndefined();
    expect(mountAt(manager, "/etc/cmom/admin")).toEqual({ name: "admin-password", mountPath: "/etc/cmom/admin", readOnly: true });
    expect(volumeNamed(resources, "admin-password").secret).toMatchObject({ secretName: "cloudify-manager-credentials", items: [{ key: "admin-password", path: "password" }], defaultMode: 0o400 });
    expect(mountAt(manager, "/etc/cloudify/.kube")).toMatchObject({ name: "kubeconfig", readOnly: true });
    expect(volumeNamed(resources, "kubeconfig").secret).toMatchObject({ secretName: "cloudify-manager-credentials", items: [{ key: "kubeconfig", path: "config" }] });
    const token = mountAt(manager, "/etc/cmom/serviceaccount");
    expect(token).toMatchObject({ name: "service-account", readOnly: true });
    expect(token.mountPath.startsWith("/run") || token.mountPath.startsWith("/var/run")).toBe(false);
    expect(volumeNamed(resources, "service-account").projected.sources).toEqual(expect.arrayContaining([
      { serviceAccountToken: { path: "token", expirationSeconds: 3600 } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
    ]));
    expect(mountAt(manager, "/opt/onap")).toMatchObject({ name: "config-txt", readOnly: true });
    expect(volumeNamed(resources, "config-txt").configMap).toMatchObject({ name: "cloudify-manager-config-txt", items: [{ key: "config.txt", path: "config.txt" }] });
  });

  it("runs the systemd image as seed 001 does: tmpfs /run and /run/lock, cgroups read-only, SYS_ADMIN, seccomp Unconfined", () => {
    const manager = containerOf(resources, "manager");
    expect(manager.command).toEqual(["/bin/bash", "/etc/cmom/scripts/start-manager.sh", "--", "/sbin/init", "--log-target=journal"]);
    expect(manager.securityContext).toEqual({ privileged: false, capabilities: { add: ["SYS_ADMIN"] }, seccompProfile: { type: "Unconfined" } });
    // tmpfs counts against the pod's memory: bounded.
    expect(volumeNamed(resources, "run")).toEqual({ name: "run", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } });
    expect(volumeNamed(resources, "run-lock")).toEqual({ name: "run-lock", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } });
    expect(volumeNamed(resources, "cgroup")).toEqual({ name: "cgroup", hostPath: { path: "/sys/fs/cgroup", type: "Directory" } });
    expect(mountAt(manager, "/run")).toEqual({ name: "run", mountPath: "/run" });
    expect(mountAt(manager, "/run/lock")).toEqual({ name: "run-lock", mountPath: "/run/lock" });
    expect(mountAt(manager, "/sys/fs/cgroup")).toEqual({ name: "cgroup", mountPath: "/sys/fs/cgroup", readOnly: true });
    expect(manager.lifecycle.preStop.exec.command.join(" ")).toContain("kill -s SIGRTMIN+3 1");
    expect(podSpecOf(resources).terminationGracePeriodSeconds).toBe(300);
    expect(podSpecOf(resources).securityContext).toEqual({ fsGroupChangePolicy: "OnRootMismatch" });
  });

  it("probes 5.0.5 by the 401 of its REST service (no /api/v3.1/ok before 6.0), for the startup budget, killing only after long failure", () => {
    const manager = containerOf(resources, "manager");
    const { startupProbe, readinessProbe, livenessProbe } = manager;
    for (const probe of [startupProbe, readinessProbe, livenessProbe]) {
      expect(probe.exec.command).toEqual(["/bin/bash", "/etc/cmom/scripts/health-check.sh"]);
      expect(probe.httpGet).toBeUndefined();
    }
    const env = Object.fromEntries(manager.env.map((e: Container) => [e.name, e.value]));
    expect(env).toMatchObject({ CMOM_HEALTH_PATH: "/api/v3.1/status", CMOM_HEALTH_STATUS: "401" });
    expect(startupProbe.failureThreshold * startupProbe.periodSeconds).toBe(1800);
    expect(livenessProbe.failureThreshold * livenessProbe.periodSeconds).toBeGreaterThanOrEqual(300);
    expect(manager.ports.map((p: Container) => p.containerPort)).toEqual([80, 443, 53333, 5671]);
    expect(manager.resources).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } });
  });

  it("labels the manager's namespace privileged, which the systemd pod needs", () => {
    expect(manifestOf(named(resources, "test-namespace")).metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "privileged", "pod-security.kubernetes.io/audit": "privileged",
    });
  });

  it("renders no config for an image configured at build (its keys come with its persisted rest-security.conf)", () => {
    expect(resources.filter((r) => r.name === "test-manager-config")).toEqual([]);
    expect(imageRowFor("5.0.5")!.persisted).toContain("/opt/manager/rest-security.conf");
  });

  it("applies the admin password from the mounted Secret on every start, not from an env value", () => {
    const manager = containerOf(resources, "manager");
    const env = Object.fromEntries(manager.env.map((e: Container) => [e.name, e.value]));
    expect(env).toMatchObject({ CMOM_ADMIN_USERNAME: "admin", CMOM_ADMIN_PASSWORD_FILE: "/etc/cmom/admin/password", CMOM_STARTUP_BUDGET: "1800" });
    expect(manager.env.every((e: Container) => e.valueFrom === undefined)).toBe(true);
  });

  it("exposes 80/443/53333/5671 on the Service, with a headless twin for the pod's name, and the optional Ingress", () => {
    const service = manifestOf(named(resources, "test-service"));
    expect(service.spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"] });
    expect(service.spec.ports.map((p: Container) => [p.name, p.port, p.targetPort])).toEqual([
      ["http", 80, "http"], ["https", 443, "https"], ["internal-rest", 53333, "internal-rest"], ["amqp", 5671, "amqp"],
    ]);
    expect(service.metadata.annotations).toEqual({ "service.beta.kubernetes.io/openstack-internal-load-balancer": "true" });
    const headless = manifestOf(named(resources, "test-headless-service"));
    expect(headless.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    const ingress = manifestOf(named(resources, "test-ingress"));
    expect(ingress.spec).toEqual({
      ingressClassName: "nginx",
      rules: [{ host: "cloudify.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "cloudify-manager", port: { name: "http" } } } }] } }],
      tls: [{ hosts: ["cloudify.example.com"], secretName: "cloudify-example-tls" }],
    });
    expect(ingress.metadata.annotations).toEqual({ "nginx.ingress.kubernetes.io/proxy-body-size": "1g" });
  });

  it("exports the Service address as the master (what the REST-driven resources use) and one node", async () => {
    const values = await resolveExports(exports);
    const { clusterIps, nodes } = values as { clusterIps: { master: string; slaves: string[] }; nodes: Record<string, unknown>[] };
    expect(clusterIps.master).toMatch(/^203\.0\.113\.\d+$/);
    expect(clusterIps.slaves).toEqual([]);
    expect(nodes).toEqual([{ name: "cloudify-manager-0", privateIp: expect.stringMatching(/^192\.0\.2\.\d+$/), publicIp: clusterIps.master, fqdn: "cloudify.example.com" }]);
  });
});

describe("a modern (6.x+) image under mocks", () => {
  let resources: RecordedResource[];
  beforeAll(async () => ({ resources } = await runK8s(k8sStack(modern))));

  it("drops every capability but baseline's, with RuntimeDefault seccomp, and lets sudo work (privilege escalation allowed)", () => {
    const manager = containerOf(resources, "manager");
    expect(manager.securityContext).toMatchObject({
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    // The all-in-one image's management worker restarts the REST service through sudo: no_new_privs would break it.
    expect(manager.securityContext.allowPrivilegeEscalation).toBeUndefined();
    expect(manager.securityContext.capabilities.add).toEqual(expect.arrayContaining(["SETUID", "SETGID"]));
    expect(manager.command).toEqual(["/bin/bash", "/etc/cmom/scripts/start-manager.sh", "--", "/usr/bin/supervisord", "-n", "-c", "/etc/supervisord.conf"]);
    const volumes = podSpecOf(resources).volumes.map((v: Container) => v.name);
    for (const systemdOnly of ["run", "run-lock", "cgroup"]) expect(volumes).not.toContain(systemdOnly);
    expect(JSON.stringify(podSpecOf(resources))).not.toContain("hostPath");
    expect(manager.lifecycle).toBeUndefined();
  });

  it("persists the 7.0 row's data-only list", () => {
    const env = Object.fromEntries(containerOf(resources, "seed").env.map((e: Container) => [e.name, e.value]));
    expect(env.CMOM_PERSIST_PATHS).toBe(imageRowFor("7.0.0")!.persisted.join("\n"));
    expect(env.CMOM_IMAGE_VERSION).toBe("7.0.0");
  });

});

describe("other settings under mocks", () => {
  it("uses an existing namespace, the ambient provider, an in-cluster kubeconfig, and a cluster IP address", async () => {
    const { resources, exports } = await runK8s(k8sStack((ns) => {
      ns.kubernetes.namespace = { name: "platform" };
      delete ns.kubernetes.provider;
      delete ns.kubernetes.kubeconfig;
      delete ns.kubernetes.ingress;
      delete ns.kubernetes.configTxt;
      ns.kubernetes.service = { type: "ClusterIP" };
      ns.kubernetes.storage.bindingMode = "Immediate";
      ns.kubernetes.storage.fsGroup = 1500;
      ns.kubernetes.storage.seLinuxLevel = "s0:c123,c456";
    }));
    expect(ofType(resources, "kubernetes:core/v1:Namespace")).toEqual([]);
    // Existing namespaces are only labelled for Pod Security, through a patch.
    expect(ofType(resources, "kubernetes:core/v1:NamespacePatch").map((r) => manifestOf(r).metadata.name).sort()).toEqual(["platform", "platform-workloads"]);
    expect(ofType(resources, "pulumi:providers:kubernetes")).toEqual([]);
    expect(ofType(resources, "kubernetes:networking.k8s.io/v1:Ingress")).toEqual([]);
    expect(resources.filter((r) => r.name === "test-config-txt")).toEqual([]);
    for (const r of resources.filter(isKubernetesObject).filter((o) => !o.type.includes("NamespacePatch") && !o.type.includes("rbac"))) {
      expect(manifestOf(r).metadata.namespace, r.name).toBe("platform");
    }
    expect(manifestOf(named(resources, "test-data")).metadata.annotations).toBeUndefined();

    const kubeconfig = manifestOf(named(resources, "test-credentials")).stringData.kubeconfig as string;
    expect(kubeconfig).toContain("tokenFile: /etc/cmom/serviceaccount/token");
    expect(kubeconfig).toContain("certificate-authority: /etc/cmom/serviceaccount/ca.crt");
    expect(kubeconfig).toContain("namespace: platform-workloads");

    const spec = podSpecOf(resources);
    expect(spec.securityContext).toEqual({ fsGroupChangePolicy: "OnRootMismatch", fsGroup: 1500, seLinuxOptions: { level: "s0:c123,c456" } });
    expect(spec.volumes.map((v: Container) => v.name)).not.toContain("config-txt");

    const { clusterIps, nodes } = (await resolveExports(exports)) as { clusterIps: { master: string }; nodes: { privateIp: string; fqdn: string }[] };
    expect(clusterIps.master).toMatch(/^192\.0\.2\.\d+$/);
    expect(nodes[0]).toMatchObject({ privateIp: clusterIps.master, fqdn: "cloudify-manager.platform.svc.cluster.local" });
  });

  it("refuses a second replica before creating anything, naming the key", async () => {
    const message = await runRejection(k8sStack((ns) => { ns.kubernetes.replicas = 2; }));
    expect(message).toContain("cmom:kubernetes.replicas: more than 1 replica needs storage.accessMode ReadWriteMany and haCapable: true");
  });

  it("runs the configured replicas only on ReadWriteMany with an HA-capable image", async () => {
    const { resources } = await runK8s(k8sStack((ns) => {
      ns.kubernetes.replicas = 3;
      ns.kubernetes.haCapable = true;
      ns.kubernetes.storage.accessMode = "ReadWriteMany";
    }));
    expect(manifestOf(named(resources, "test-statefulset")).spec.replicas).toBe(3);
    expect(manifestOf(named(resources, "test-data")).spec.accessModes).toEqual(["ReadWriteMany"]);
  });
});

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { imageRowOf, managerPodSecurityOf, pluginNamespaceOf, type KubernetesConfig } from "../config/kubernetesSchema";
import { inClusterKubeconfig } from "./inClusterKubeconfig";
import { managerConfigYaml } from "./managerConfig";
import { podSecurityLabels } from "./podSecurity";
import { managerPodTemplate } from "./managerPod";
import { createManagerService } from "./managerService";
import { labelsOf, objectNames, SECRET_KEYS, selectorOf, serviceDnsName } from "./objectNames";
import { createPluginAccess } from "./pluginAccess";
import { scriptFiles } from "./scriptFiles";

export interface CloudifyManagerArgs {
  /** The validated `cmom:kubernetes` config. */
  readonly kubernetes: KubernetesConfig;
}

/** Minutes Pulumi waits for the StatefulSet beyond the startup budget (image pull, scheduling, volume attach). */
const ROLLOUT_MARGIN_SECONDS = 15 * 60;

/**
 * One Cloudify Manager on Kubernetes whose state survives any pod: a retained PVC seeded by the init container, a
 * one-replica StatefulSet with a fixed host name, its Services, and the plugin's namespaced identity.
 */
export class CloudifyManager extends pulumi.ComponentResource {
  /** The address the operator reaches (LoadBalancer IP/host name, else the cluster IP). */
  readonly address: pulumi.Output<string>;
  /** The Service's cluster IP. */
  readonly clusterIp: pulumi.Output<string>;
  /** The pod's fixed host name. */
  readonly hostname: string;
  /** The name users and agents should use: the Ingress host if any, else the Service's cluster DNS name. */
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: CloudifyManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:kubernetes:CloudifyManager", name, {}, opts);
    const k = args.kubernetes;
    const names = objectNames(k.name);
    const labels = labelsOf(k.name);
    const child: pulumi.CustomResourceOptions = { parent: this };

    const row = imageRowOf(k);
    // Deleting a namespace deletes every claim in it: a namespace we create is retained like the claim it holds. Its
    // Pod Security labels admit the image's pod (a systemd image needs privileged) on clusters that enforce a default.
    const namespace = ensureNamespace(`${name}-namespace`, k.namespace.name, k.namespace.create, managerPodSecurityOf(k), labels, child);
    const plugin = pluginNamespaceOf(k);
    const pluginNamespace = ensureNamespace(`${name}-plugin-namespace`, plugin.name, plugin.create, plugin.podSecurity, labels, child);
    const inNamespace = (object: string) => ({ name: object, namespace, labels });

    const access = createPluginAccess(name, k, names, namespace, pluginNamespace, child);

    const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, { metadata: inNamespace(names.scripts), data: scriptFiles() }, child);
    const configTxt = k.configTxt !== undefined
      ? new k8s.core.v1.ConfigMap(`${name}-config-txt`, { metadata: inNamespace(names.configTxt), data: { "config.txt": k.configTxt } }, child)
      : undefined;
    // Everything that carries a credential, and nothing else, is in this Secret (and so never in a ConfigMap or the pod spec).
    const credentials = new k8s.core.v1.Secret(`${name}-credentials`, {
      metadata: inNamespace(names.credentials),
      type: "Opaque",
      stringData: {
        [SECRET_KEYS.adminPassword]: k.adminPassword,
        [SECRET_KEYS.kubeconfig]: k.kubeconfig ?? pluginNamespace.apply(inClusterKubeconfig),
      },
    }, child);

    const data = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
      metadata: {
        ...inNamespace(names.dataClaim),
        // The claim stays Pending until the pod is scheduled on a WaitForFirstConsumer class; awaiting it would hang.
        ...(k.storage.bindingMode === "WaitForFirstConsumer" ? { annotations: { "pulumi.com/skipAwait": "true" } } : {}),
      },
      spec: {
        storageClassName: k.storage.className,
        accessModes: [k.storage.accessMode],
        resources: { requests: { storage: k.storage.size } },
      },
      // The manager's state: never deleted by Pulumi, not even by `pulumi destroy` (a lost claim is a lost manager).
    }, { ...child, protect: true, retainOnDelete: true });

    const network = createManagerService(name, k, names, namespace, child);
    const fqdn = k.ingress ? pulumi.output(k.ingress.host) : pulumi.all([network.service.metadata.name, namespace]).apply(([service, ns]) => serviceDnsName(service, ns));
    const managerConfig = row.firstBoot === "configure-on-start"
      ? new k8s.core.v1.ConfigMap(`${name}-manager-config`, {
        metadata: inNamespace(names.managerConfig),
        data: { "config.yaml": managerConfigYaml(row, names, namespace, fqdn) },
      }, child)
      : undefined;

    const rollout = `${Math.ceil((k.startupBudgetSeconds + ROLLOUT_MARGIN_SECONDS) / 60)}m`;
    new k8s.apps.v1.StatefulSet(`${name}-statefulset`, {
      metadata: inNamespace(names.statefulSet),
      spec: {
        replicas: k.replicas,
        serviceName: network.headless.metadata.name,
        selector: { matchLabels: selectorOf(k.name) },
        // With one replica, a rolling update deletes the old pod before creating the new one: never two managers on
        // one volume; OrderedReady keeps it that way if replicas are ever allowed to grow.
        podManagementPolicy: "OrderedReady",
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
        template: managerPodTemplate(k, names),
      },
    }, {
      ...child,
      dependsOn: [scripts, credentials, data, access.roleBinding, ...(configTxt ? [configTxt] : []), ...(managerConfig ? [managerConfig] : [])],
      customTimeouts: { create: rollout, update: rollout, delete: "10m" },
    });

    this.address = network.address;
    this.clusterIp = network.service.spec.clusterIP;
    this.hostname = names.podHostname;
    this.fqdn = fqdn;
    this.registerOutputs({ address: this.address, clusterIp: this.clusterIp, hostname: this.hostname, fqdn: this.fqdn });
  }
}

/**
 * A namespace labelled for the Pod Security level it enforces: created (and retained) when asked, else the existing
 * one gets the labels through a server-side patch.
 */
function ensureNamespace(name: string, namespace: string, create: boolean, level: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  const metadata = { name: namespace, labels: { ...labels, ...podSecurityLabels(level) } };
  return create
    ? new k8s.core.v1.Namespace(name, { metadata }, { ...opts, retainOnDelete: true }).metadata.name
    : new k8s.core.v1.NamespacePatch(name, { metadata: { name: namespace, labels: podSecurityLabels(level) } }, opts).metadata.apply((m) => m?.name ?? namespace);
}

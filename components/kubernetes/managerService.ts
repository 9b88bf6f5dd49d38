import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesConfig } from "../config/kubernetesSchema";
import { labelsOf, selectorOf, type ObjectNames } from "./objectNames";

/** Service port names → the container port names they forward to. */
const PORTS = [
  { key: "http", name: "http" },
  { key: "https", name: "https" },
  { key: "internalRest", name: "internal-rest" },
  { key: "amqp", name: "amqp" },
] as const;

/**
 * How the manager is reached: the Service (80/443/53333/5671, the address the operator and agents use), a headless
 * Service that gives the StatefulSet's pod its stable DNS name, and optionally an Ingress for the web and REST ports.
 */
export function createManagerService(name: string, k: KubernetesConfig, names: ObjectNames, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
  const labels = labelsOf(k.name);
  const ports = PORTS.map((p) => ({ name: p.name, port: k.service.ports[p.key], targetPort: p.name, protocol: "TCP" }));

  const service = new k8s.core.v1.Service(`${name}-service`, {
    metadata: { name: names.service, namespace, labels, annotations: k.service.annotations },
    spec: {
      type: k.service.type,
      selector: selectorOf(k.name),
      ports,
      ...(k.service.loadBalancerSourceRanges ? { loadBalancerSourceRanges: k.service.loadBalancerSourceRanges } : {}),
    },
  }, opts);

  const headless = new k8s.core.v1.Service(`${name}-headless-service`, {
    metadata: { name: names.headlessService, namespace, labels },
    // Resolvable before the manager is ready: its own components look up its host name during the first boot.
    spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: selectorOf(k.name), ports },
  }, opts);

  const ingress = k.ingress && new k8s.networking.v1.Ingress(`${name}-ingress`, {
    metadata: { name: names.ingress, namespace, labels, annotations: k.ingress.annotations },
    spec: {
      ingressClassName: k.ingress.className,
      rules: [{
        host: k.ingress.host,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: "http" } } } }] },
      }],
      ...(k.ingress.tlsSecret ? { tls: [{ hosts: [k.ingress.host], secretName: k.ingress.tlsSecret }] } : {}),
    },
  }, opts);

  return { service, headless, ingress, address: serviceAddress(service, k.service.type) };
}

/**
 * The address the operator reaches: a LoadBalancer's external IP (or host name), else the cluster IP (reached from inside
 * the cluster, through a VPN, or `kubectl port-forward`).
 */
function serviceAddress(service: k8s.core.v1.Service, type: KubernetesConfig["service"]["type"]): pulumi.Output<string> {
  return pulumi.all([service.spec, service.status]).apply(([spec, status]) => {
    const ingress = status?.loadBalancer?.ingress?.[0];
    const external = type === "LoadBalancer" ? ingress?.ip || ingress?.hostname : undefined;
    return external || spec.clusterIP;
  });
}

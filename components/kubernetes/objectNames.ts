/** Fixed Kubernetes object names derived from `cmom:kubernetes.name` (fixed, not auto-named: the pod's host name and every reference depend on them). */
export function objectNames(name: string) {
  return {
    statefulSet: name,
    /** The pod is `<name>-0` in every life: the manager's host name (RabbitMQ's node directory is named after it). */
    podHostname: `${name}-0`,
    service: name,
    /** Governs the StatefulSet's network identity (`<name>-0.<name>-headless`). */
    headlessService: `${name}-headless`,
    serviceAccount: name,
    role: `${name}-plugin`,
    roleBinding: `${name}-plugin`,
    scripts: `${name}-scripts`,
    configTxt: `${name}-config-txt`,
    managerConfig: `${name}-manager-config`,
    credentials: `${name}-credentials`,
    dataClaim: `${name}-data`,
    ingress: name,
  };
}

export type ObjectNames = ReturnType<typeof objectNames>;

/**
 * The pod's DNS name through the headless Service: the same in every life of the pod, unlike its IP, so it is the
 * address the manager's configuration, agents and internal certificates use.
 */
export function stablePodName(names: Pick<ObjectNames, "podHostname" | "headlessService">, namespace: string): string {
  return `${names.podHostname}.${serviceDnsName(names.headlessService, namespace)}`;
}

/** A Service's name in the cluster's DNS. */
export function serviceDnsName(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** The labels that select the manager's pod (immutable in a StatefulSet: never add to them). */
export function selectorOf(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": "cloudify-manager", "app.kubernetes.io/instance": name };
}

/** Labels on every object. */
export function labelsOf(name: string): Record<string, string> {
  return { ...selectorOf(name), "app.kubernetes.io/managed-by": "cmom" };
}

/** Keys of the credentials Secret. */
export const SECRET_KEYS = { adminPassword: "admin-password", kubeconfig: "kubeconfig" } as const;

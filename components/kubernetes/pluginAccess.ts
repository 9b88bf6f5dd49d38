import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesConfig } from "../config/kubernetesSchema";
import { labelsOf, type ObjectNames } from "./objectNames";

/**
 * The identity of the manager's own Kubernetes plugin: a dedicated ServiceAccount (in the manager's namespace, where
 * the pod runs), allowed only the configured rules and only in the plugin's namespace (a Role there, never a
 * ClusterRole): nothing in the manager's namespace, so not its Secret, its pod or its claim. Its token reaches the pod
 * through a projected volume.
 */
export function createPluginAccess(name: string, k: KubernetesConfig, names: ObjectNames, namespace: pulumi.Input<string>, pluginNamespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
  const labels = labelsOf(k.name);
  const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-service-account`, {
    metadata: { name: names.serviceAccount, namespace, labels },
    // Tokens come only from the projected volume of the pod spec.
    automountServiceAccountToken: false,
  }, opts);
  const role = new k8s.rbac.v1.Role(`${name}-plugin-role`, {
    metadata: { name: names.role, namespace: pluginNamespace, labels },
    rules: k.pluginRules,
  }, opts);
  const roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-plugin-role-binding`, {
    metadata: { name: names.roleBinding, namespace: pluginNamespace, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
    subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
  }, opts);
  return { serviceAccount, role, roleBinding };
}

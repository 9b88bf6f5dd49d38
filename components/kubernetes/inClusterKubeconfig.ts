import { stringify } from "yaml";
import { SERVICE_ACCOUNT_DIR } from "./mountPaths";

/**
 * A kubeconfig for the manager's Kubernetes plugin when the stack gives none: the cluster's own API server with the
 * projected service-account token. It names files, not credentials: the kubelet rotates the token in place and the
 * client re-reads tokenFile, which the legacy /var/run/secrets location (hidden by a tmpfs /run) never allowed.
 */
export function inClusterKubeconfig(namespace: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "in-cluster", cluster: { server: "https://kubernetes.default.svc", "certificate-authority": `${SERVICE_ACCOUNT_DIR}/ca.crt` } }],
    users: [{ name: "cloudify-manager", user: { tokenFile: `${SERVICE_ACCOUNT_DIR}/token` } }],
    contexts: [{ name: "in-cluster", context: { cluster: "in-cluster", user: "cloudify-manager", namespace } }],
    "current-context": "in-cluster",
  });
}

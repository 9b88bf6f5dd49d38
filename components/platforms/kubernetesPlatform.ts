import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CloudifyResources } from "../cloudify/cloudifyResources";
import { clusterConnection } from "../cloudify/clusterConnection";
import { declaresObjects } from "../config/resourcesSchema";
import type { StackConfig } from "../config/loadStackConfig";
import { CloudifyManager } from "../kubernetes/cloudifyManager";
import { clusterIpsOf } from "../outputs/clusterIps";
import type { StackOutputs } from "./stackOutputs";

/**
 * One Cloudify Manager on a Kubernetes cluster. The REST-driven resources and backups reach it at `clusterIps.master`:
 * the Service address the operator reaches.
 */
export function deployOnKubernetes(config: StackConfig): StackOutputs {
  const kubernetes = config.kubernetes!;
  const name = config.stack;
  // Pulumi's own access to the cluster, when the stack names it; otherwise the ambient kubeconfig.
  const provider = kubernetes.provider && new k8s.Provider(`${name}-kubernetes`, {
    kubeconfig: kubernetes.provider.kubeconfig,
    context: kubernetes.provider.context,
  });
  const manager = new CloudifyManager(name, { kubernetes }, provider ? { providers: [provider] } : undefined);

  if (declaresObjects(config.resources)) {
    const connection = clusterConnection([manager.address], { username: kubernetes.adminUsername, password: kubernetes.adminPassword, caCert: kubernetes.managerCaCert! });
    new CloudifyResources(`${name}-resources`, { resources: config.resources, connection, after: [manager] });
  }

  return {
    clusterIps: clusterIpsOf([manager.address]),
    nodes: pulumi.all([manager.clusterIp, manager.address, manager.fqdn]).apply(([privateIp, publicIp, fqdn]) => [{
      name: manager.hostname, privateIp, publicIp, fqdn,
    }]),
  };
}

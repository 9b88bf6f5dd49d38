import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CloudifyResources } from "../cloudify/cloudifyResources";
import { clusterConnection } from "../cloudify/clusterConnection";
import { declaresObjects } from "../config/resourcesSchema";
import type { KubernetesStackConfig } from "../config/loadStackConfig";
import { clusterDay2, restoreOnFirstNode } from "../day2/cluster-day2";
import { CloudifyManager } from "../kubernetes/cloudifyManager";
import type { StackOutputs } from "./stackOutputs";

/**
 * One Cloudify Manager on a Kubernetes cluster. The REST-driven resources, the restore, the status and backups reach it at
 * `clusterIps.master`: the Service address the operator reaches, with TLS verified against `managerCaCert`.
 */
export function deployOnKubernetes(config: KubernetesStackConfig): StackOutputs {
  const { kubernetes } = config;
  const name = config.stack;
  // Pulumi's own access to the cluster, when the stack names it; otherwise the ambient kubeconfig.
  const provider = kubernetes.provider && new k8s.Provider(`${name}-kubernetes`, {
    kubeconfig: kubernetes.provider.kubeconfig,
    context: kubernetes.provider.context,
    renderYamlToDirectory: kubernetes.provider.renderYamlToDirectory,
  });
  const manager = new CloudifyManager(name, { kubernetes }, provider ? { providers: [provider] } : undefined);

  // Without the CA of the manager's certificate nothing is sent to it (config requires it for resources, restore and backups).
  const connection = kubernetes.managerCaCert === undefined
    ? undefined
    : clusterConnection([manager.address], { username: kubernetes.adminUsername, password: kubernetes.adminPassword, caCert: kubernetes.managerCaCert });
  const restore = config.restore && connection && restoreOnFirstNode(name, config.restore, connection, [manager]);
  const ready = [manager, ...(restore ? [restore] : [])];
  if (connection && declaresObjects(config.resources)) {
    new CloudifyResources(`${name}-resources`, { resources: config.resources, connection, after: ready });
  }
  const day2 = clusterDay2({
    name,
    backup: config.backup,
    connection,
    unreachableBecause: "cmom:kubernetes.managerCaCert is not set: cmom reads the manager's status only over verified TLS",
    addresses: [manager.address],
    after: ready,
  });

  return {
    ...day2,
    nodes: pulumi.all([manager.clusterIp, manager.address, manager.fqdn]).apply(([privateIp, publicIp, fqdn]) => [{
      name: manager.hostname, privateIp, publicIp, fqdn,
    }]),
  };
}

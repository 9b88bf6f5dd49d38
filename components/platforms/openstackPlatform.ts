import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/loadStackConfig";
import { nodeNames } from "../config/nodeNames";
import { declaresObjects } from "../config/resourcesSchema";
import { CloudifyResources } from "../cloudify/cloudifyResources";
import { clusterConnection } from "../cloudify/clusterConnection";
import { clusterDay2, restoreOnFirstNode } from "../day2/cluster-day2";
import { ClusterDns } from "../dns/clusterDns";
import { ClusterInstall } from "../install/clusterInstall";
import { OpenStackCluster } from "../openstack/openstackCluster";
import type { StackOutputs } from "./stackOutputs";

/**
 * A Cloudify Manager cluster on OpenStack VMs: servers, DNS, then the managers installed on them (a restore on node 0 before
 * it starts the cluster), clustered, its REST objects, its live status and backups.
 */
export function deployOnOpenStack(config: StackConfig): StackOutputs {
  const openstack = config.openstack!;
  const cluster = config.cluster!;
  const name = config.stack;
  const names = nodeNames(cluster.instances, cluster.namePrefix, openstack);
  const infra = new OpenStackCluster(name, { openstack, nodeNames: names, stack: config.stack });
  const dns = config.dns && new ClusterDns(`${name}-dns`, {
    dns: config.dns,
    nodes: infra.nodes.map((node, index) => ({ recordName: config.dns!.nodeRecords?.[index] ?? names[index]!, address: node.publicIp })),
  });
  const credentials = { username: cluster.adminUsername, password: cluster.adminPassword, caCert: cluster.caCert };
  const { restore } = config;
  const install = new ClusterInstall(`${name}-install`, {
    cluster,
    nodes: infra.nodes.map((node, index) => ({
      name: names[index]!, privateIp: node.privateIp, publicIp: node.publicIp, fqdn: dns?.nodeFqdns[index], serverId: node.server.id, infrastructure: node,
    })),
    // The upgrade path: node 0 gets the snapshot after its own install, before the others join.
    beforeClustering: restore && ((leader) => restoreOnFirstNode(name, restore, clusterConnection([infra.nodes[0]!.publicIp], credentials), [leader.stages.test])),
  });
  const formed = [install.formation, ...(install.beforeClustering ? [install.beforeClustering] : [])];

  const connection = clusterConnection(infra.nodes.map((node) => node.publicIp), credentials);
  if (declaresObjects(config.resources)) {
    new CloudifyResources(`${name}-resources`, { resources: config.resources, connection, after: formed });
  }
  const day2 = clusterDay2({
    name,
    backup: config.backup,
    connection,
    addresses: infra.nodes.map((node) => node.publicIp),
    after: formed,
  });

  return {
    ...day2,
    nodes: pulumi.all(infra.nodes.map((node, index) => pulumi.all([node.privateIp, node.publicIp]).apply(([privateIp, publicIp]) => ({
      name: names[index]!, privateIp, publicIp, fqdn: dns?.nodeFqdns[index] ?? null,
    })))),
  };
}

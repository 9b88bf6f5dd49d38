import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config/clusterSchema";
import type { HostsStackConfig, OpenStackStackConfig } from "../config/loadStackConfig";
import { declaresObjects } from "../config/resourcesSchema";
import { CloudifyResources } from "../cloudify/cloudifyResources";
import { clusterConnection } from "../cloudify/clusterConnection";
import { clusterDay2, restoreOnFirstNode } from "../day2/cluster-day2";
import { ClusterDns } from "../dns/clusterDns";
import { ClusterInstall } from "../install/clusterInstall";
import type { InstallTarget } from "../install/nodeInstall";
import type { StackOutputs } from "./stackOutputs";
import { childName } from "../naming/resourceNames";

/** A machine a manager is installed on, however it came to exist. */
export type Server = Omit<InstallTarget, "fqdn">;

/**
 * Everything after the servers exist, the same on every platform that has machines: DNS (optional), the managers installed
 * on them (a restore on node 0 before it starts the cluster), clustered, their REST objects, live status and backups.
 */
export function managersOnServers(config: OpenStackStackConfig | HostsStackConfig, cluster: ClusterConfig, servers: readonly Server[]): StackOutputs {
  const name = config.stack;
  const dns = config.dns && new ClusterDns(`${name}-dns`, {
    dns: config.dns,
    nodes: servers.map((server, index) => ({ recordName: config.dns?.nodeRecords?.[index] ?? server.name, address: server.publicIp })),
  });
  const credentials = { username: cluster.adminUsername, password: cluster.adminPassword, caCert: cluster.caCert };
  const { restore } = config;
  const install = new ClusterInstall(childName.clusterInstall(name), {
    cluster,
    nodes: servers.map((server, index) => ({ ...server, fqdn: dns?.nodeFqdns[index] })),
    // The upgrade path: node 0 gets the snapshot after its own install, before the others join.
    beforeClustering: restore && ((leader) => restoreOnFirstNode(name, restore, clusterConnection([servers[0]!.publicIp], credentials), [leader.stages.test])),
  });
  const formed = [install.formation, ...(install.beforeClustering ? [install.beforeClustering] : [])];

  const connection = clusterConnection(servers.map((server) => server.publicIp), credentials);
  if (declaresObjects(config.resources)) {
    new CloudifyResources(`${name}-resources`, { resources: config.resources, connection, after: formed });
  }
  const day2 = clusterDay2({
    name,
    backup: config.backup,
    connection,
    addresses: servers.map((server) => server.publicIp),
    after: formed,
  });

  return {
    ...day2,
    nodes: pulumi.all(servers.map((server, index) => pulumi.all([server.privateIp, server.publicIp]).apply(([privateIp, publicIp]) => ({
      name: server.name, privateIp, publicIp, fqdn: dns?.nodeFqdns[index] ?? null,
    })))),
  };
}

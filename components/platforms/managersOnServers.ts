import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config/clusterSchema";
import { installPathOf } from "../config/clusterVersion";
import type { HostsStackConfig, OpenStackStackConfig } from "../config/loadStackConfig";
import { declaresObjects } from "../config/resourcesSchema";
import { CloudifyResources } from "../cloudify/cloudifyResources";
import { clusterConnection } from "../cloudify/clusterConnection";
import { clusterDay2, restoreOnFirstNode } from "../day2/cluster-day2";
import { ClusterDns } from "../dns/clusterDns";
import { ClusterInstall } from "../install/clusterInstall";
import { RoleClusterInstall } from "../install/modern/roleClusterInstall";
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
  const nodes = servers.map((server, index) => ({ ...server, fqdn: dns?.nodeFqdns[index] }));
  const { formed, managers } = installPathOf(cluster.version) === "roles"
    ? installByRoles()
    : installWholeManagers();

  function installWholeManagers() {
    const install = new ClusterInstall(childName.clusterInstall(name), {
      cluster,
      nodes,
      // The upgrade path: node 0 gets the snapshot after its own install, before the others join.
      beforeClustering: restore && ((leader) => restoreOnFirstNode(name, restore, clusterConnection([servers[0]!.publicIp], credentials), [leader.stages.test])),
    });
    return { formed: [install.formation, ...(install.beforeClustering ? [install.beforeClustering] : [])], managers: servers };
  }

  // 5.1+: the cluster shares one database, so a snapshot is restored through the first manager once every manager is installed.
  function installByRoles() {
    const install = new RoleClusterInstall(childName.clusterInstall(name), { cluster: { ...cluster, version: cluster.version! }, nodes });
    const managers = install.managers.map((m) => servers[m.instance.nodeIndex]!);
    const installed = install.managers.map((m) => m.step);
    const restored = restore && restoreOnFirstNode(name, restore, clusterConnection([managers[0]!.publicIp], credentials), installed);
    return { formed: [...installed, ...(install.health ? [install.health] : []), ...(restored ? [restored] : [])], managers };
  }

  const connection = clusterConnection(managers.map((server) => server.publicIp), credentials);
  if (declaresObjects(config.resources)) {
    new CloudifyResources(`${name}-resources`, { resources: config.resources, connection, after: formed });
  }
  const day2 = clusterDay2({
    name,
    backup: config.backup,
    connection,
    addresses: managers.map((server) => server.publicIp),
    after: formed,
  });

  return {
    ...day2,
    nodes: pulumi.all(servers.map((server, index) => pulumi.all([server.privateIp, server.publicIp]).apply(([privateIp, publicIp]) => ({
      name: server.name, privateIp, publicIp, fqdn: dns?.nodeFqdns[index] ?? null,
    })))),
  };
}

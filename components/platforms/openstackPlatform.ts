import type { OpenStackStackConfig } from "../config/loadStackConfig";
import { nodeNames } from "../config/nodeNames";
import { OpenStackCluster } from "../openstack/openstackCluster";
import { managersOnServers } from "./managersOnServers";
import type { StackOutputs } from "./stackOutputs";
import { childName } from "../naming/resourceNames";

/**
 * A Cloudify Manager cluster on OpenStack VMs: the servers, then everything a cluster on existing machines gets (DNS, the
 * managers installed and clustered, REST objects, status, backups).
 */
export function deployOnOpenStack(config: OpenStackStackConfig): StackOutputs {
  const { openstack, cluster } = config;
  const names = nodeNames(cluster.instances, cluster.namePrefix, openstack);
  const infra = new OpenStackCluster(childName.openstackCluster(config.stack), { openstack, nodeNames: names, stack: config.stack });
  return managersOnServers(config, cluster, infra.nodes.map((node, index) => ({
    name: names[index]!, privateIp: node.privateIp, publicIp: node.publicIp, serverId: node.server.id, infrastructure: node,
  })));
}

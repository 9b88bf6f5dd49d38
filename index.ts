// Entry point: read the stack's config once, compose the components it asks for, export the outputs.
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./components/config/loadStackConfig";
import { nodeNames } from "./components/config/nodeNames";
import { ClusterDns } from "./components/dns/clusterDns";
import { OpenStackCluster } from "./components/openstack/openstackCluster";
import { clusterIpsOf, type ClusterIps } from "./components/outputs/clusterIps";

interface NodeOutput { name: string; privateIp: string; publicIp: string; fqdn: string | null }

const config = loadStackConfig();
const name = `${config.stack}`;

let clusterIps: pulumi.Output<ClusterIps> | undefined;
let nodes: pulumi.Output<NodeOutput[]> | undefined;

if (config.platform === "openstack") {
  const openstack = config.openstack!;
  const cluster = config.cluster!;
  const names = nodeNames(cluster.instances, cluster.namePrefix, openstack);
  const infra = new OpenStackCluster(name, { openstack, nodeNames: names, stack: config.stack });
  const dns = config.dns && new ClusterDns(`${name}-dns`, {
    dns: config.dns,
    nodes: infra.nodes.map((node, index) => ({ recordName: config.dns!.nodeRecords?.[index] ?? names[index]!, address: node.publicIp })),
  });

  clusterIps = clusterIpsOf(infra.nodes.map((node) => node.publicIp));
  nodes = pulumi.all(infra.nodes.map((node, index) => pulumi.all([node.privateIp, node.publicIp]).apply(([privateIp, publicIp]) => ({
    name: names[index]!, privateIp, publicIp, fqdn: dns?.nodeFqdns[index] ?? null,
  }))));
}

export { clusterIps, nodes };

import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { OpenStackConfig } from "../config/openstackSchema";
import { ClusterSecurityGroup } from "./clusterSecurityGroup";
import * as lookup from "./lookups";
import { ManagerNode } from "./managerNode";
import { childName, TYPES } from "../naming/resourceNames";

export interface OpenStackClusterArgs {
  readonly openstack: OpenStackConfig;
  /** Server name of each node, in order; node 0 is the initial master. */
  readonly nodeNames: readonly string[];
  readonly stack: string;
}

/** The VMs of one Cloudify Manager cluster: a server group, the members' security group, and one independent ManagerNode per instance. */
export class OpenStackCluster extends pulumi.ComponentResource {
  readonly serverGroup: openstack.compute.ServerGroup;
  readonly securityGroup: ClusterSecurityGroup;
  readonly nodes: readonly ManagerNode[];

  constructor(name: string, args: OpenStackClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.openstackCluster, name, {}, opts);
    const os = args.openstack;
    const invokeOpts = { parent: this };

    this.serverGroup = new openstack.compute.ServerGroup(`${name}-servers`, { name: `${name}-servers`, policies: [os.serverGroupPolicy] }, { parent: this });
    const subnet = lookup.subnet(os.subnet, invokeOpts);
    this.securityGroup = new ClusterSecurityGroup(`${name}-members`, { allowedCidrs: os.allowedCidrs, subnetCidr: subnet.cidr }, { parent: this });
    const securityGroupIds = [this.securityGroup.group.id, ...os.securityGroups.map((g) => lookup.securityGroupId(g, invokeOpts))];
    const networkId = lookup.networkId(os.network, invokeOpts);

    // Each node depends only on the shared pieces above, never on another node, so all are created in parallel and one can be
    // replaced (healed) alone. Pool entries are bound to nodes by index: no race for addresses as in the reference.
    this.nodes = args.nodeNames.map((serverName, index) => new ManagerNode(childName.managerNode(name, index), {
      serverName,
      networkId,
      subnetId: subnet.id,
      fixedIp: os.resourcePool?.[index]?.ipAddress,
      floatingNetwork: os.ipMode === "floating" ? os.floatingNetwork : undefined,
      securityGroupIds,
      serverGroupId: this.serverGroup.id,
      image: os.image,
      flavor: os.flavor,
      keypair: os.keypair,
      availabilityZone: os.availabilityZone,
      blockDevices: os.blockDevices,
      metadata: { "cmom-stack": args.stack, "cmom-node-index": String(index) },
    }, { parent: this }));

    this.registerOutputs({ serverGroupId: this.serverGroup.id });
  }
}

import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { BlockDevice } from "../config/openstackSchema";
import { isOpenStackId } from "./lookups";
import { childName, TYPES } from "../naming/resourceNames";

export interface ManagerNodeArgs {
  /** Server and host name. */
  readonly serverName: string;
  readonly networkId: pulumi.Input<string>;
  readonly subnetId: pulumi.Input<string>;
  /** Pool mode: the node's fixed address. */
  readonly fixedIp?: string;
  /** Floating mode: the external network to allocate the public address from. */
  readonly floatingNetwork?: string;
  readonly securityGroupIds: pulumi.Input<string>[];
  readonly serverGroupId: pulumi.Input<string>;
  readonly image?: string;
  readonly flavor: string;
  readonly keypair: string;
  readonly availabilityZone?: string;
  readonly blockDevices?: readonly BlockDevice[];
  /** Labels the server with the stack and role, for operators browsing the cloud. */
  readonly metadata: Record<string, string>;
}

/** One Cloudify Manager VM: its port (which keeps the address across a server's replacement), optional floating IP, and server. */
export class ManagerNode extends pulumi.ComponentResource {
  readonly port: openstack.networking.Port;
  readonly server: openstack.compute.Instance;
  readonly floatingIp?: openstack.networking.FloatingIp;
  readonly privateIp: pulumi.Output<string>;
  /** The address operators and the install steps reach: the floating IP, else the private one. */
  readonly publicIp: pulumi.Output<string>;

  constructor(name: string, args: ManagerNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.managerNode, name, {}, opts);

    this.port = new openstack.networking.Port(`${name}-port`, {
      name: args.serverName,
      networkId: args.networkId,
      fixedIps: [{ subnetId: args.subnetId, ipAddress: args.fixedIp }],
      securityGroupIds: args.securityGroupIds,
      adminStateUp: true,
    }, { parent: this });
    this.privateIp = args.fixedIp !== undefined ? pulumi.output(args.fixedIp) : this.port.allFixedIps.apply((ips) => ips[0]);

    if (args.floatingNetwork !== undefined) {
      this.floatingIp = new openstack.networking.FloatingIp(`${name}-fip`, { pool: args.floatingNetwork, description: args.serverName }, { parent: this });
      new openstack.networking.FloatingIpAssociate(`${name}-fip-assoc`, { floatingIp: this.floatingIp.address, portId: this.port.id }, { parent: this });
      this.publicIp = this.floatingIp.address;
    } else {
      this.publicIp = this.privateIp;
    }

    this.server = new openstack.compute.Instance(childName.server(name), {
      name: args.serverName,
      ...(args.image === undefined ? {} : isOpenStackId(args.image) ? { imageId: args.image } : { imageName: args.image }),
      ...(isOpenStackId(args.flavor) ? { flavorId: args.flavor } : { flavorName: args.flavor }),
      keyPair: args.keypair,
      availabilityZone: args.availabilityZone,
      networks: [{ port: this.port.id }],
      schedulerHints: [{ group: args.serverGroupId }],
      blockDevices: args.blockDevices?.map((d) => ({
        bootIndex: d.bootIndex,
        uuid: d.uuid,
        volumeSize: d.volumeSize,
        sourceType: d.sourceType,
        destinationType: d.destinationType,
        deleteOnTermination: d.deleteOnTermination,
      })),
      metadata: args.metadata,
    }, { parent: this });

    this.registerOutputs({ privateIp: this.privateIp, publicIp: this.publicIp, serverId: this.server.id });
  }
}

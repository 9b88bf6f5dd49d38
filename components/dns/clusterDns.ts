import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { DnsConfig } from "../config/dnsSchema";
import { bareAddress, recordTypeOf } from "./recordValue";

interface DnsNode {
  /** Record name of the node, relative to the zone. */
  readonly recordName: string;
  readonly address: pulumi.Input<string>;
}

export interface ClusterDnsArgs {
  readonly dns: DnsConfig;
  readonly nodes: readonly DnsNode[];
}

/** Publishes each manager and the cluster entry point in Designate, in an existing zone or one it creates. */
export class ClusterDns extends pulumi.ComponentResource {
  /** Fully qualified name of each node (no trailing dot), in node order. */
  readonly nodeFqdns: readonly string[];
  readonly entryPointFqdn: string;

  constructor(name: string, args: ClusterDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:dns:ClusterDns", name, {}, opts);
    const { dns } = args;
    const zoneId = dns.createZone
      ? new openstack.dns.Zone(`${name}-zone`, { name: dns.zone, email: dns.email, ttl: dns.ttl, description: "cmom: Cloudify Manager cluster" }, { parent: this }).id
      : openstack.dns.getDnsZoneOutput({ name: dns.zone }, { parent: this }).id;

    const record = (recordName: string, addresses: pulumi.Input<string>[]) => {
      const bare = pulumi.all(addresses).apply((all) => all.map(bareAddress));
      new openstack.dns.RecordSet(`${name}-${recordName}`, {
        zoneId,
        name: `${recordName}.${dns.zone}`,
        type: bare.apply(recordTypeOf),
        records: bare,
        ttl: dns.ttl,
      }, { parent: this });
      return `${recordName}.${dns.zone}`.slice(0, -1);
    };

    this.nodeFqdns = args.nodes.map((node) => record(node.recordName, [node.address]));
    // The entry point lists every member: clients (ours included) fail over between them.
    this.entryPointFqdn = record(dns.entryPoint, args.nodes.map((node) => node.address));
    this.registerOutputs({ nodeFqdns: this.nodeFqdns, entryPointFqdn: this.entryPointFqdn });
  }
}

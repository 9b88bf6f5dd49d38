import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";

export interface ClusterSecurityGroupArgs {
  /** Who may reach SSH and the manager's web/REST ports. */
  readonly allowedCidrs: readonly string[];
  /** CIDR of the managers' subnet, where agents live. */
  readonly subnetCidr: pulumi.Input<string>;
}

interface Rule { readonly port: number; readonly protocol: "tcp" | "udp"; readonly why: string }

/** Operator access, from allowedCidrs. */
const OPERATOR_RULES: readonly Rule[] = [
  { port: 22, protocol: "tcp", why: "SSH for the install lifecycle" },
  { port: 80, protocol: "tcp", why: "web UI and REST (redirects to 443)" },
  { port: 443, protocol: "tcp", why: "web UI and REST over TLS" },
];
/** Agents on the subnet talking to the managers. */
const AGENT_RULES: readonly Rule[] = [
  { port: 5671, protocol: "tcp", why: "RabbitMQ over TLS" },
  { port: 53229, protocol: "tcp", why: "file server for agents" },
  { port: 53333, protocol: "tcp", why: "internal REST endpoint for agents" },
];
/** Cloudify 4.x HA between members (the reference forgot 8301/udp, so Consul's gossip failed). */
const MEMBER_RULES: readonly Rule[] = [
  { port: 8300, protocol: "tcp", why: "Consul server RPC" },
  { port: 8301, protocol: "tcp", why: "Consul LAN gossip" },
  { port: 8301, protocol: "udp", why: "Consul LAN gossip" },
  { port: 8500, protocol: "tcp", why: "Consul HTTP API" },
  { port: 15432, protocol: "tcp", why: "PostgreSQL replication" },
  { port: 22000, protocol: "tcp", why: "Syncthing file replication" },
];

/** The security group every manager's port carries: exactly what a Cloudify 4.x HA cluster needs, nothing more. */
export class ClusterSecurityGroup extends pulumi.ComponentResource {
  readonly group: openstack.networking.SecGroup;

  constructor(name: string, args: ClusterSecurityGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:openstack:ClusterSecurityGroup", name, {}, opts);
    this.group = new openstack.networking.SecGroup(name, { description: "cmom: Cloudify Manager HA cluster members" }, { parent: this });

    const rule = (ruleName: string, r: Rule, source: { remoteIpPrefix: pulumi.Input<string> } | { remoteGroupId: pulumi.Input<string> }) =>
      new openstack.networking.SecGroupRule(`${name}-${ruleName}`, {
        securityGroupId: this.group.id,
        direction: "ingress",
        ethertype: "IPv4",
        protocol: r.protocol,
        portRangeMin: r.port,
        portRangeMax: r.port,
        description: r.why,
        ...source,
      }, { parent: this });

    // Named by CIDR, not position, so reordering allowedCidrs replaces nothing.
    for (const cidr of args.allowedCidrs) {
      for (const r of OPERATOR_RULES) rule(`operator-${r.port}-${r.protocol}-${cidr.replace("/", "_")}`, r, { remoteIpPrefix: cidr });
    }
    for (const r of AGENT_RULES) rule(`agents-${r.port}-${r.protocol}`, r, { remoteIpPrefix: args.subnetCidr });
    for (const r of MEMBER_RULES) rule(`members-${r.port}-${r.protocol}`, r, { remoteGroupId: this.group.id });

    this.registerOutputs({ id: this.group.id });
  }
}

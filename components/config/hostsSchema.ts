import { isIPv4 } from "node:net";
import { z } from "zod";
import type { ClusterConfig } from "./clusterSchema";
import { hostname, ipv4, MAX_NODES, nonEmpty } from "./primitives";

/**
 * `cmom:hosts`: machines that already exist (bare metal, another cloud, VMware), one manager each, in order (the first
 * starts the cluster). Everything else comes from `cmom:cluster`, as on OpenStack.
 */
export const hostsSchema = z.array(z.strictObject({
  /** Host name of the machine: the node's name in the cluster and the key of cmom:cluster.hostKeys. */
  name: hostname,
  /** Where the operator reaches it by SSH (and its REST API): an address or a DNS name. */
  address: nonEmpty,
  /** Its address inside the cluster (the managers' HA traffic); defaults to address, which must then be an IPv4 address. */
  privateAddress: ipv4.optional(),
  /** Pinned SSH host key (`ssh-ed25519 AAAA…`); the same as cmom:cluster.hostKeys.<name>. */
  hostKey: nonEmpty.optional(),
})).min(1, "needs at least one host").max(MAX_NODES);

export type HostsConfig = z.output<typeof hostsSchema>;
export type HostConfig = HostsConfig[number];

/** The cluster address of a host. */
export const privateAddressOf = (host: HostConfig): string => host.privateAddress ?? host.address;

/** Problems between cmom:hosts and cmom:cluster; `clusterInstances` is cmom:cluster.instances when it was set. */
export function hostsProblems(hosts: HostsConfig, cluster: ClusterConfig, clusterInstances: unknown): string[] {
  const problems: string[] = [];
  const seen = { name: new Set<string>(), address: new Set<string>(), privateAddress: new Set<string>() };
  hosts.forEach((host, index) => {
    const key = `cmom:hosts[${index}]`;
    if (host.privateAddress === undefined && !isIPv4(host.address)) {
      problems.push(`${key}.privateAddress: required when address is not an IPv4 address (found '${host.address}')`);
    }
    for (const [field, value] of [["name", host.name], ["address", host.address], ["privateAddress", privateAddressOf(host)]] as const) {
      if (seen[field].has(value)) problems.push(`${key}.${field}: '${value}' is used by an earlier host`);
      seen[field].add(value);
    }
    const pinned = cluster.hostKeys[host.name];
    if (host.hostKey !== undefined && pinned !== undefined && pinned !== host.hostKey) {
      problems.push(`${key}.hostKey: differs from cmom:cluster.hostKeys.${host.name}`);
    }
  });
  for (const name of Object.keys(cluster.hostKeys)) {
    if (!seen.name.has(name)) problems.push(`cmom:cluster.hostKeys.${name}: no such host (hosts: ${[...seen.name].join(", ")})`);
  }
  if (clusterInstances !== undefined && clusterInstances !== hosts.length) {
    problems.push(`cmom:cluster.instances: ${String(clusterInstances)} but cmom:hosts lists ${hosts.length} (leave it out: the hosts decide)`);
  }
  return problems;
}

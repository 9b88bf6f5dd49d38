import type { HostsStackConfig } from "../config/loadStackConfig";
import { privateAddressOf } from "../config/hostsSchema";
import { managersOnServers } from "./managersOnServers";
import type { StackOutputs } from "./stackOutputs";

/**
 * A Cloudify Manager cluster on machines that already exist (cmom:hosts), reached by SSH: everything the OpenStack
 * platform does once its servers exist. A host's identity is its name, address and pinned key: changing one reinstalls it.
 */
export function deployOnHosts(config: HostsStackConfig): StackOutputs {
  const { hosts, cluster } = config;
  const hostKeys = { ...cluster.hostKeys, ...Object.fromEntries(hosts.flatMap((host) => host.hostKey ? [[host.name, host.hostKey]] : [])) };
  return managersOnServers(config, { ...cluster, hostKeys }, hosts.map((host) => ({
    name: host.name,
    privateIp: privateAddressOf(host),
    publicIp: host.address,
    serverId: [host.name, host.address, privateAddressOf(host), host.hostKey ?? ""].join(" "),
  })));
}

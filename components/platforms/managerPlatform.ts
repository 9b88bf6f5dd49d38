import * as pulumi from "@pulumi/pulumi";
import { CloudifyResources } from "../cloudify/cloudifyResources";
import { caCertEntry } from "../cloudify/client/connection";
import { endpointAddress } from "../cloudify/client/endpoints";
import { declaresObjects } from "../config/resourcesSchema";
import type { ManagerStackConfig } from "../config/loadStackConfig";
import { clusterDay2, restoreOnFirstNode } from "../day2/cluster-day2";
import type { StackOutputs } from "./stackOutputs";

/**
 * A Cloudify manager or cluster that runs already (installed by hand, by another tool or by another cmom stack): cmom creates
 * no machine and installs nothing; it manages the content (`cmom:resources`), a restore, backups and the live status, over
 * the members' endpoints in the order configured.
 */
export function manageExistingManager(config: ManagerStackConfig): StackOutputs {
  const { manager } = config;
  const name = config.stack;
  const connection = {
    endpoints: [...manager.endpoints],
    username: manager.username,
    password: manager.password,
    ...caCertEntry(manager.caCert),
  };
  const restore = config.restore && restoreOnFirstNode(name, config.restore, connection, []);
  const ready = restore ? [restore] : [];
  if (declaresObjects(config.resources)) {
    new CloudifyResources(`${name}-resources`, { resources: config.resources, connection, after: ready });
  }
  const addresses = manager.endpoints.map(endpointAddress);
  const day2 = clusterDay2({ name, backup: config.backup, connection, addresses, after: ready });
  return {
    ...day2,
    // cmom knows the members only by their endpoints: the address serves as both, and no DNS name is claimed.
    nodes: pulumi.output(addresses.map((address) => ({ name: address, privateIp: address, publicIp: address, fqdn: null }))),
  };
}

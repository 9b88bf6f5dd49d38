// Entry point: read the stack's config once, compose the platform's components, export the outputs.
import { loadStackConfig } from "./components/config/loadStackConfig";
import { aggregateFleet, type FleetOutputs } from "./components/platforms/fleetPlatform";
import { deployOnHosts } from "./components/platforms/hostsPlatform";
import { deployOnKubernetes } from "./components/platforms/kubernetesPlatform";
import { deployOnOpenStack } from "./components/platforms/openstackPlatform";
import type { StackOutputs } from "./components/platforms/stackOutputs";

const config = loadStackConfig();
const deploy = { openstack: deployOnOpenStack, kubernetes: deployOnKubernetes, fleet: aggregateFleet, hosts: deployOnHosts }[config.platform];
const outputs: Partial<StackOutputs & FleetOutputs> = deploy(config);

export const clusterIps = outputs.clusterIps;
export const clusterStatus = outputs.clusterStatus;
export const nodes = outputs.nodes;
export const backup = outputs.backup;
export const fleet = outputs.fleet;

// Entry point: read the stack's config once, compose the platform's components, export the outputs.
import { loadStackConfig } from "./components/config/loadStackConfig";
import { deployOnKubernetes } from "./components/platforms/kubernetesPlatform";
import { deployOnOpenStack } from "./components/platforms/openstackPlatform";

const config = loadStackConfig();
const outputs = config.platform === "openstack" ? deployOnOpenStack(config) : deployOnKubernetes(config);

export const clusterIps = outputs?.clusterIps;
export const nodes = outputs?.nodes;

import { loadStackConfig } from "../config/loadStackConfig";
import { aggregateFleet, type FleetOutputs } from "./fleetPlatform";
import { deployOnHosts } from "./hostsPlatform";
import { deployOnKubernetes } from "./kubernetesPlatform";
import { manageExistingManager } from "./managerPlatform";
import { deployOnOpenStack } from "./openstackPlatform";
import type { StackOutputs } from "./stackOutputs";

export type ProgramOutputs = Partial<StackOutputs & FleetOutputs>;

/**
 * The whole cmom program: reads the running stack's config once and composes its platform. `index.ts` exports what it returns;
 * the Automation API runs it as an inline program (inlineProgram.ts).
 */
export function deployStack(): ProgramOutputs {
  const config = loadStackConfig();
  switch (config.platform) {
    case "openstack": return deployOnOpenStack(config);
    case "hosts": return deployOnHosts(config);
    case "kubernetes": return deployOnKubernetes(config);
    case "manager": return manageExistingManager(config);
    case "fleet": return aggregateFleet(config);
  }
}

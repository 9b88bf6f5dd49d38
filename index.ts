// Entry point: compose the stack's platform (components/platforms/deployStack.ts) and export its outputs.
import { deployStack } from "./components/platforms/deployStack";

const outputs = deployStack();

export const clusterIps = outputs.clusterIps;
export const clusterStatus = outputs.clusterStatus;
export const nodes = outputs.nodes;
export const backup = outputs.backup;
export const fleet = outputs.fleet;

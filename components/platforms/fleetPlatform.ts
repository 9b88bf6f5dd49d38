import type * as pulumi from "@pulumi/pulumi";
import type { FleetStackConfig } from "../config/loadStackConfig";
import { FleetView, type FleetRow } from "../fleet/fleetView";

export interface FleetOutputs {
  readonly fleet: pulumi.Output<FleetRow[]>;
}

/** Fleet mode: one table of the listed stacks' clusterIps and clusterStatus; builds nothing. */
export function aggregateFleet(config: FleetStackConfig): FleetOutputs {
  return { fleet: new FleetView(config.stack, { stacks: config.fleet.stacks }).table };
}

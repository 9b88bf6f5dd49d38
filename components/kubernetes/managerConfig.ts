import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { ImageRow } from "./imageTable";
import { stablePodName } from "./objectNames";

/**
 * The manager's config.yaml for an image that configures on start, rendered on every start by start-manager.sh (which
 * appends the volume's REST keys): its addresses are stable names, not the pod's IP, which changes with every pod.
 * Agents and certificates use the pod's headless-Service name; users the public name.
 */
export function managerConfigYaml(row: ImageRow, names: { podHostname: string; headlessService: string }, namespace: pulumi.Input<string>, publicName: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.all([namespace, publicName]).apply(([ns, publicAddress]) => stringify({
    manager: {
      private_ip: stablePodName(names, ns),
      public_ip: publicAddress,
      hostname: names.podHostname,
      // The admin password is set (and kept current) from the Secret by the keeper, never written here.
    },
    ...row.imageConfig,
  }));
}

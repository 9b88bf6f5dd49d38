import * as pulumi from "@pulumi/pulumi";
import { endpointFor } from "./client/endpoints";
import type { CloudifyConnectionArgs } from "./providers";

/** How cmom reaches a cluster's REST API: https on every node's address (leader first), admin credentials, the CA to verify. */
export function clusterConnection(
  addresses: readonly pulumi.Input<string>[],
  credentials: { username: pulumi.Input<string>; password: pulumi.Input<string>; caCert: pulumi.Input<string> },
): Omit<CloudifyConnectionArgs, "tenant"> {
  return {
    endpoints: pulumi.all([...addresses]).apply((all) => all.map(endpointFor)),
    ...credentials,
  };
}

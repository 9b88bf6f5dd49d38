import * as pulumi from "@pulumi/pulumi";
import { CONNECTION_SECRET_OUTPUTS, connectionInput, withSecretOutputs, type CloudifyConnectionArgs } from "../providers/connection-args";
import type { ClusterIps } from "../../outputs/clusterIps";
import { createClusterStatusProvider } from "./cluster-status-provider";
import type { ClusterStatusValue } from "./cluster-status-read";
import { CLOUDIFY_DYNAMIC_MODULE } from "../../naming/resourceNames";

export interface CloudifyClusterStatusArgs {
  /** Every node, in configured order: `clusterIps` lists them so, leader first. */
  readonly connection: CloudifyConnectionArgs;
}

const provider = createClusterStatusProvider();

/**
 * The live status of a cluster (the reference's `get_status`, here on every `pulumi up` and `pulumi refresh`), and
 * `clusterIps` from the actual leader. It only reads.
 */
export class CloudifyClusterStatus extends pulumi.dynamic.Resource {
  declare readonly clusterStatus: pulumi.Output<ClusterStatusValue>;
  declare readonly clusterIps: pulumi.Output<ClusterIps>;

  constructor(name: string, args: CloudifyClusterStatusArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      { connection: connectionInput(args.connection), clusterStatus: undefined, clusterIps: undefined },
      withSecretOutputs(opts, CONNECTION_SECRET_OUTPUTS),
      CLOUDIFY_DYNAMIC_MODULE,
      "ClusterStatus",
    );
  }
}

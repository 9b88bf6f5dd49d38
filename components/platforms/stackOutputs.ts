import type * as pulumi from "@pulumi/pulumi";
import type { ClusterIps } from "../outputs/clusterIps";

export interface NodeOutput {
  readonly name: string;
  readonly privateIp: string;
  readonly publicIp: string;
  readonly fqdn: string | null;
}

/** What a platform deployment exports, whatever it runs on. */
export interface StackOutputs {
  readonly clusterIps: pulumi.Output<ClusterIps>;
  readonly nodes: pulumi.Output<NodeOutput[]>;
}

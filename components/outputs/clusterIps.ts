import * as pulumi from "@pulumi/pulumi";

/** The reference's `cluster_ips` output: the master's address and the others'. */
export interface ClusterIps {
  readonly master: string;
  readonly slaves: string[];
}

export function clusterIpsOf(addresses: readonly pulumi.Input<string>[]): pulumi.Output<ClusterIps> {
  return pulumi.all([...addresses]).apply(([master, ...slaves]) => ({ master: master!, slaves }));
}

import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config/clusterSchema";
import { ClusterFormation } from "./clusterFormation";
import { NodeInstall, type InstallTarget } from "./nodeInstall";
import { readNodeSetupTool } from "./nodeSetupTool";
import { childName, TYPES } from "../naming/resourceNames";

export interface ClusterInstallArgs {
  readonly cluster: ClusterConfig;
  /** The servers, in order; node 0 starts the cluster. */
  readonly nodes: readonly InstallTarget[];
  /** How long init waits for every manager service; default 900 s. */
  readonly statusTimeoutSeconds?: number;
  /**
   * Work on node 0 after its install and before the cluster starts (a snapshot restore): called with node 0's install,
   * returns the resource cluster start waits for.
   */
  readonly beforeClustering?: (leader: NodeInstall) => pulumi.Resource;
}

/** Cloudify Manager on every server (NodeInstall each, in parallel), then one HA cluster of them (ClusterFormation). */
export class ClusterInstall extends pulumi.ComponentResource {
  readonly nodes: readonly NodeInstall[];
  readonly formation: ClusterFormation;
  /** What `beforeClustering` returned. */
  readonly beforeClustering?: pulumi.Resource;

  constructor(name: string, args: ClusterInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.clusterInstall, name, {}, opts);
    const leader = args.nodes[0];
    if (leader === undefined) throw new pulumi.ResourceError("ClusterInstall: nodes must not be empty", this);
    const tool = readNodeSetupTool();
    this.nodes = args.nodes.map((node, index) => new NodeInstall(childName.nodeInstall(name, index), {
      cluster: args.cluster,
      node,
      // Node 0 starts the cluster, unless it was rebuilt while the others kept running (rejoinVia): then it joins them.
      role: index > 0 ? { role: "member", leaderIp: leader.privateIp }
        : args.cluster.rejoinVia ? { role: "member", leaderIp: args.cluster.rejoinVia } : { role: "leader", leaderIp: leader.privateIp },
      tool,
      statusTimeoutSeconds: args.statusTimeoutSeconds ?? 900,
    }, { parent: this }));
    this.beforeClustering = args.beforeClustering?.(this.nodes[0]!);
    this.formation = new ClusterFormation(childName.clusterFormation(name), {
      members: this.nodes,
      startAfter: this.beforeClustering ? [this.beforeClustering] : [],
    }, { parent: this });
    this.registerOutputs({});
  }
}

import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../config/clusterSchema";
import { ClusterFormation } from "./clusterFormation";
import { NodeInstall, type InstallTarget } from "./nodeInstall";
import { readNodeSetupTool } from "./nodeSetupTool";

export interface ClusterInstallArgs {
  readonly cluster: ClusterConfig;
  /** The servers, in order; node 0 starts the cluster. */
  readonly nodes: readonly InstallTarget[];
  /** How long init waits for every manager service; default 900 s. */
  readonly statusTimeoutSeconds?: number;
}

/** Cloudify Manager on every server (NodeInstall each, in parallel), then one HA cluster of them (ClusterFormation). */
export class ClusterInstall extends pulumi.ComponentResource {
  readonly nodes: readonly NodeInstall[];
  readonly formation: ClusterFormation;

  constructor(name: string, args: ClusterInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cmom:install:ClusterInstall", name, {}, opts);
    const leader = args.nodes[0];
    if (leader === undefined) throw new pulumi.ResourceError("ClusterInstall: nodes must not be empty", this);
    const tool = readNodeSetupTool();
    this.nodes = args.nodes.map((node, index) => new NodeInstall(`${name}-node-${index}`, {
      cluster: args.cluster,
      node,
      role: { role: index === 0 ? "leader" : "member", leaderIp: leader.privateIp },
      tool,
      statusTimeoutSeconds: args.statusTimeoutSeconds ?? 900,
    }, { parent: this }));
    this.formation = new ClusterFormation(`${name}-cluster`, { members: this.nodes }, { parent: this });
    this.registerOutputs({});
  }
}

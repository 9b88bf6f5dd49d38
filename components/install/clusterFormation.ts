import * as pulumi from "@pulumi/pulumi";
import type { NodeInstall } from "./nodeInstall";
import { stageCommand } from "./nodePaths";
import { remoteStep, type RemoteStep } from "./remoteStep";
import { childName, TYPES } from "../naming/resourceNames";

export interface ClusterFormationArgs {
  /** Installed nodes in order; the first starts the cluster. */
  readonly members: readonly NodeInstall[];
  /** What else must finish before cluster_start (e.g. a restore on node 0); the joins follow the start. */
  readonly startAfter?: readonly pulumi.Resource[];
}

/**
 * Cloudify 4.x HA: node 0 runs cluster_start; every other node runs cluster_join against it (the tool first removes a
 * stale entry of the node), after the start and after the previous join — one join at a time, as Cloudify's own
 * procedure does, because each join reconfigures the leader's membership and database replication (see README).
 * A node added later (instances 3 → 4) only adds its own join, behind the last one.
 */
export class ClusterFormation extends pulumi.ComponentResource {
  readonly start: RemoteStep;
  readonly joins: readonly RemoteStep[];

  constructor(name: string, args: ClusterFormationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TYPES.clusterFormation, name, {}, opts);
    const [leader, ...others] = args.members;
    if (leader === undefined) throw new pulumi.ResourceError("ClusterFormation: members must not be empty", this);

    // A rebuilt node 0 (its role is member: cluster.rejoinVia) joins the live cluster; the step keeps its name so nothing else moves.
    this.start = remoteStep(childName.clusterStart(name), {
      route: leader.route,
      // The peers let a rebuilt leader find the cluster the others still run and join it rather than start a second one.
      create: leader.settings.cluster.role === "member"
        ? stageCommand("cluster_join")
        : pulumi.all(others.map((m) => m.settings.privateIp)).apply((peers) => [stageCommand("cluster_start"), ...(peers.length ? [peers.join(",")] : [])].join(" ")),
      triggers: [{ after: leader.stages.test.id, cluster: leader.settings.cluster }],
      secret: true,
    }, { parent: this, dependsOn: [leader.stages.test, ...(args.startAfter ?? [])] });

    const joins: RemoteStep[] = [];
    others.forEach((member, index) => {
      const previous = joins[joins.length - 1] ?? this.start;
      joins.push(remoteStep(childName.clusterJoin(name, index + 1), {
        route: member.route,
        create: stageCommand("cluster_join"),
        triggers: [{ after: member.stages.test.id, leader: this.start.id, cluster: member.settings.cluster }],
        secret: true,
      }, { parent: this, dependsOn: [member.stages.test, this.start, previous] }));
    });
    this.joins = joins;
    this.registerOutputs({});
  }
}

import type { ClusterMemberStatus, ClusterStatusValue } from "../../cloudify/day2/cluster-status-read";
import type { InstallPath } from "../../config/clusterVersion";
import { childName, nameOfUrn, nodeResourceNames, stackUrns, TYPES, type UrnScope } from "../../naming/resourceNames";

/** One resource of the stack's state. */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
}

/** A node as the stack exports it (`nodes` output), in configured order. */
export interface StackNode {
  readonly name: string;
  readonly privateIp: string;
  readonly publicIp: string;
}

/** What the planner looks at, right after a refresh. */
export interface HealView {
  /** The stack (resource names start with its name) and its project, to name resources that are not in the state yet. */
  readonly scope: UrnScope;
  readonly platform: string;
  /** How the stack's cluster is installed (cmom:cluster.version); undefined for a version cmom does not support. */
  readonly installPath: InstallPath | undefined;
  readonly nodes: readonly StackNode[];
  /** The ClusterStatus resource's output as the refresh read it; undefined when the stack has none. */
  readonly status: ClusterStatusValue | undefined;
  readonly resources: readonly StateResource[];
}

interface HealTarget {
  readonly index: number;
  readonly name: string;
  /** Why it is healed, for people. */
  readonly reason: string;
  /** Its server in the state; undefined when the refresh found it deleted. */
  readonly serverUrn: string | undefined;
}

export type HealPlan =
  | { readonly kind: "refuse"; readonly reason: string }
  | { readonly kind: "healthy"; readonly reason: string }
  | {
      readonly kind: "heal";
      readonly targets: readonly HealTarget[];
      /** Addresses of members that answered, leader first: the stale nodes are removed through them. */
      readonly liveMembers: readonly string[];
      /** Servers still in the state to replace (those the refresh found deleted are created anyway). */
      readonly replace: readonly string[];
      readonly backupUrn: string;
      /** When node 0 is rebuilt: the live leader's private address it must join (cmom:cluster.rejoinVia) instead of starting a cluster. */
      readonly rejoinVia?: string;
    };

const CHECKS = ["consul", "database", "services", "heartbeat"] as const;
const answers = (m: ClusterMemberStatus) => m.state === "leader" || m.state === "replica";

function memberOf(status: ClusterStatusValue, node: StackNode): ClusterMemberStatus | undefined {
  return status.clusterStatus.find((m) => m.name === node.name) ?? status.clusterStatus.find((m) => m.hostIp === node.privateIp);
}

/** Why a node needs healing, or undefined when it is fine. */
function sickness(status: ClusterStatusValue, node: StackNode, serverUrn: string | undefined): string | undefined {
  if (serverUrn === undefined) return "its server is gone (the refresh found it deleted)";
  const member = memberOf(status, node);
  if (member === undefined) return "it is not a member of the cluster";
  if (member.state === "offline") return "the cluster reports it offline";
  const failing = CHECKS.filter((check) => member[check] === "FAIL");
  if (failing.length > 0) return `failing checks: ${failing.join(", ")}`;
  return undefined;
}

/** Who brings back a lost manager on the platforms heal does not rebuild. */
const WHO_HEALS: Readonly<Record<string, string>> = {
  kubernetes: "Kubernetes restarts its manager pod itself",
  manager: "cmom did not create its machines: heal them with the tool that made them",
};

/**
 * Decides what `npm run heal` does, from the state and the status a refresh just read: which nodes to heal (server gone,
 * offline, failing checks, or not a member), through which live members, or why it refuses. Pure: no I/O.
 */
export function planHeal(view: HealView): HealPlan {
  if (view.platform !== "openstack") {
    return { kind: "refuse", reason: `heal rebuilds OpenStack servers; this stack's platform is ${view.platform} (${WHO_HEALS[view.platform] ?? "cmom rebuilds no machine for it"})` };
  }
  if (view.installPath !== "ha4") {
    // Its members are not leader and replicas, and a lost node of a role leaves its database or broker cluster too.
    return { kind: "refuse", reason: "heal rebuilds nodes of 4.x HA clusters; this stack installs Cloudify 5.1 or later by roles (cmom:cluster.version), which it does not heal yet" };
  }
  const { status } = view;
  if (status === undefined) return { kind: "refuse", reason: "the state holds no cluster status: run pulumi up once first" };
  if (view.nodes.length === 0) return { kind: "refuse", reason: "the stack exports no nodes: run pulumi up once first" };
  const servers = new Map(view.resources.filter((r) => r.type === TYPES.server).map((r) => [nameOfUrn(r.urn), r.urn]));

  const targets: HealTarget[] = [];
  view.nodes.forEach((node, index) => {
    const serverUrn = servers.get(nodeResourceNames(view.scope.stack, index).server);
    const reason = sickness(status, node, serverUrn);
    if (reason !== undefined) targets.push({ index, name: node.name, reason, serverUrn });
  });

  const healed = new Set(targets.map((t) => t.name));
  const live = status.clusterStatus
    .filter((m) => answers(m) && !healed.has(m.name))
    .sort((a, b) => Number(b.state === "leader") - Number(a.state === "leader"))
    .map((m) => view.nodes.find((n) => n.name === m.name || n.privateIp === m.hostIp)?.publicIp)
    .filter((address): address is string => address !== undefined);
  if (live.length === 0) {
    const why = status.error ?? `no member is up (${status.clusterStatus.map((m) => `${m.name}: ${m.state}`).join(", ") || "none listed"})`;
    return { kind: "refuse", reason: `no cluster member answers (${why}); cmom never heals a wholly unreachable cluster: bring one member back first` };
  }
  if (targets.length === 0) return { kind: "healthy", reason: `every node is a healthy member (${view.nodes.map((n) => n.name).join(", ")})` };
  const leader = targets.find((t) => memberOf(status, view.nodes[t.index]!)?.state === "leader");
  if (leader !== undefined) {
    return {
      kind: "refuse",
      reason: `${leader.name} needs healing (${leader.reason}) but leads the cluster, and a member is removed through the leader: ` +
        "fail over first (cfy cluster set-active <another node>), then heal",
    };
  }
  // A rebuilt node 0 must join the live leader, never start a second cluster.
  const liveLeader = status.clusterStatus.find((m) => m.state === "leader" && !healed.has(m.name));
  const rejoinVia = targets.some((t) => t.index === 0) ? liveLeader?.hostIp : undefined;
  if (targets.some((t) => t.index === 0) && rejoinVia === undefined) {
    return { kind: "refuse", reason: "node 0 needs healing, and no live leader answers for it to join: fail over to a live member first" };
  }
  return {
    kind: "heal",
    targets,
    liveMembers: live,
    replace: targets.flatMap((t) => (t.serverUrn === undefined ? [] : [t.serverUrn])),
    backupUrn: stackUrns(view.scope).backup,
    ...(rejoinVia === undefined ? {} : { rejoinVia }),
  };
}

/** A resource step of a preview or an update. */
export interface ResourceStep {
  readonly urn: string;
  readonly op: string;
}

/** Steps that change nothing. */
const NO_CHANGE = ["same", "read", "refresh", "discard"];
const RAN = ["create", "replace", "create-replacement"];

/** The steps that would change anything beyond the healed nodes' servers, installs and joins (and the status read, the backup). */
export function unexpectedChanges(steps: readonly ResourceStep[], plan: Extract<HealPlan, { kind: "heal" }>, stack: string): string[] {
  const allowed = (name: string): boolean =>
    name === childName.clusterStatus(stack) ||
    name === childName.backup(stack) ||
    plan.targets.some((t) => {
      const names = nodeResourceNames(stack, t.index);
      return name === names.server || name === names.join || name.startsWith(names.installPrefix);
    });
  return steps.filter((s) => !NO_CHANGE.includes(s.op) && !s.urn.includes(TYPES.stack) && !allowed(nameOfUrn(s.urn))).map((s) => `${s.op} ${s.urn}`);
}

/** What the update should have done for each healed node, in this order: new server, install (test stage last), join. Missing or out of order → a line each. */
export function healingGaps(completed: readonly ResourceStep[], plan: Extract<HealPlan, { kind: "heal" }>, stack: string): string[] {
  const position = (name: string): number => completed.findIndex((s) => RAN.includes(s.op) && nameOfUrn(s.urn) === name);
  return plan.targets.flatMap((t) => {
    const names = nodeResourceNames(stack, t.index);
    const steps = [["server recreated", names.server], ["install test stage run", names.test], ["joined", names.join]] as const;
    const at = steps.map(([, name]) => position(name));
    const gaps = steps.filter((_, i) => at[i]! < 0).map(([what]) => `${t.name}: not ${what}`);
    if (gaps.length === 0 && !(at[0]! < at[1]! && at[1]! < at[2]!)) gaps.push(`${t.name}: server, install and join did not happen in that order`);
    return gaps;
  });
}

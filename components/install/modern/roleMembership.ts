import * as pulumi from "@pulumi/pulumi";
import type { SshRoute } from "../nodeConnection";
import { membershipProvider } from "./membershipProvider";
import type { RoleInstance } from "./roleLayout";

/** A node, as the membership commands reach it. */
export interface MemberNode {
  readonly route: SshRoute;
  /** cmom-role on it, as root: `(...words) => command line`. */
  readonly tool: (...words: string[]) => string;
}

export interface RoleMembershipArgs {
  readonly instance: RoleInstance;
  /** The node the instance is on, its name (a manager's hostname in the cluster) and private address. */
  readonly node: MemberNode & { readonly name: string; readonly privateIp: pulumi.Input<string> };
  /** Nodes of the official layout that stay: the first database node, the first broker node, every manager node. */
  readonly firstDatabase: MemberNode;
  readonly firstBroker: MemberNode;
  readonly managers: readonly MemberNode[];
}

/**
 * What joining and leaving the cluster takes for an instance added to the official layout, per role, in the order the
 * official tools require (cloudify-manager-install cfy_manager/main.py and cloudify-cli commands/cluster.py @5.1.0 … 7.0.0):
 * - manager: joins by its own install; leaves by `cfy cluster remove` on a manager that stays ("unregister": the node is
 *   then torn down by the user), then its cleanup;
 * - broker: registered once with the managers (`cfy cluster brokers add`, they share one database); leaves by its cleanup
 *   first (`cfy_manager brokers remove` refuses a broker that still runs), then the broker cluster and the managers forget it;
 * - database: every manager adds it to its own database list (`cfy_manager dbs add`, per manager); leaves by `dbs remove`
 *   on a database node (etcd, Patroni) and on every manager, then its cleanup.
 * cmom-role's join and forget recognise work already done, so an interrupted scale-out or scale-in converges on a rerun.
 */
export function membershipCommands(args: RoleMembershipArgs) {
  const { instance, node } = args;
  const step = (on: MemberNode, leavingNode: boolean, words: pulumi.Input<string>[]) =>
    ({ connection: on.route, command: pulumi.all(words).apply((w) => on.tool(...w)), leavingNode });
  const cleanup = step(node, true, ["cleanup"]);
  const distinct = (nodes: readonly MemberNode[]) => nodes.filter((n, i) => nodes.indexOf(n) === i);
  switch (instance.role) {
    case "manager":
      return { join: [], leave: [step(args.managers[0]!, false, ["forget", "manager", node.name, node.privateIp]), cleanup] };
    case "broker": {
      const forget = (on: MemberNode) => step(on, false, ["forget", "broker", instance.name, node.privateIp]);
      return {
        join: [step(args.managers[0]!, false, ["join", "broker", instance.name, node.privateIp])],
        leave: [cleanup, ...distinct([args.firstBroker, args.managers[0]!]).map(forget)],
      };
    }
    case "database": {
      const on = (verb: string) => (member: MemberNode) => step(member, false, [verb, "database", instance.name, node.privateIp]);
      return {
        join: args.managers.map(on("join")),
        leave: [...distinct([args.firstDatabase, ...args.managers]).map(on("forget")), cleanup],
      };
    }
    case "whole":
      throw new Error(`${instance.name}: a single all-in-one node has no cluster to join`);
  }
}

/** The membership of an added instance: joins when created, leaves (and cleans its node up) when deleted. */
export class RoleMembership extends pulumi.dynamic.Resource {
  constructor(name: string, args: RoleMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    // The routes hold keys: kept secret in the state.
    super(membershipProvider, name, membershipCommands(args), { ...opts, additionalSecretOutputs: ["join", "leave"] }, "cmom", "RoleMembership");
  }
}

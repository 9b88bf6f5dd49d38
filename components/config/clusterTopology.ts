import { z } from "zod";
import type { ClusterConfig } from "./clusterSchema";
import { majorMinor } from "../cloudify/client/versions";
import { installerFileVersion, installPathOf, SUPPORTED_VERSIONS_TEXT } from "./clusterVersion";
import { roleInstallerFacts } from "../install/modern/installerVersions";
import { MAX_NODES } from "./primitives";

/** The roles of the cluster-manager layout (5.1+): what `cfy_manager install` installs from a role's config.yaml. */
const ROLES = ["database", "broker", "manager"] as const;
export type Role = (typeof ROLES)[number];

/** What a node of `roles` runs: one role, or (`all`, all-in-one only) every role. */
const NODE_ROLES = [...ROLES, "all"] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/** `all-in-one`: every node runs all three roles (1 or 3 nodes); `split`: three nodes of each role, nine in all. */
const TOPOLOGIES = ["all-in-one", "split"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** The topology keys of cmom:cluster (they apply from 5.1: a 4.x cluster is made of whole managers). */
export const topologyKeys = {
  /** The installer's version (`7.0.0`), which must be the one of installRpm's file name when that names one. */
  version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, "expected a Cloudify version such as 7.0.0").optional(),
  topology: z.enum(TOPOLOGIES).optional(),
  /**
   * The role of each node, in node order. Default: every node `all` (all-in-one), or three database nodes, then three
   * brokers, then three managers (split). Nodes added to a cluster (scale-out) are listed after those with their one role.
   */
  roles: z.array(z.enum(NODE_ROLES)).max(MAX_NODES).optional(),
};

/**
 * Nodes per topology, and how many of each role a cluster has at least (the official cluster manager's three- and nine-node
 * layouts): nodes beyond those are added ones, which join the cluster (and can leave it again).
 */
const AIO_SIZES = [1, 3];
export const BASE_PER_ROLE = 3;
const DEFAULT_SPLIT_ROLES: readonly Role[] = ROLES.flatMap((role) => Array.from({ length: BASE_PER_ROLE }, () => role));

/** The role of each node: cmom:cluster.roles, or the topology's default. */
export function nodeRoles(topology: Topology, nodeCount: number, roles: readonly NodeRole[] | undefined): readonly NodeRole[] {
  return roles ?? (topology === "all-in-one" ? Array.from({ length: nodeCount }, () => "all" as const) : DEFAULT_SPLIT_ROLES);
}

const at = (key: string) => `cmom:cluster.${key}`;

/**
 * Problems of the version and topology keys against the number of nodes the stack has (cmom:cluster.instances or the length
 * of cmom:hosts), each naming its key, what was expected and what was found.
 */
export function topologyProblems(cluster: ClusterConfig, nodeCount: number, nodeCountKey: string): string[] {
  const problems: string[] = [];
  const { version, topology, roles } = cluster;
  const path = installPathOf(version);
  if (path === undefined) {
    return [`${at("version")}: Cloudify ${version} is not supported (supported: ${SUPPORTED_VERSIONS_TEXT})`];
  }
  const fileVersion = installerFileVersion(cluster.installRpm);
  if (version !== undefined && fileVersion !== undefined && !`${fileVersion}.`.startsWith(`${version}.`)) {
    problems.push(`${at("version")}: ${version} but ${at("installRpm")} is the ${fileVersion} installer`);
  }
  if (path === "ha4") {
    const which = version === undefined ? "without cmom:cluster.version (a 4.x cluster)" : `for Cloudify ${majorMinor(version)}`;
    if (topology !== undefined) problems.push(`${at("topology")}: not used ${which}: 4.x nodes are whole managers (set cmom:cluster.version to 5.1 or later)`);
    if (roles !== undefined) problems.push(`${at("roles")}: not used ${which}`);
    return problems;
  }
  if (cluster.rejoinVia !== undefined) problems.push(`${at("rejoinVia")}: only for 4.x HA clusters (found version ${version})`);
  if (cluster.ldap !== undefined && !roleInstallerFacts(version!).ldapInConfig) {
    problems.push(`${at("ldap")}: Cloudify ${version} takes LDAP through its REST API, not the installer's config.yaml (which has it up to 6.2); cmom does not set it there yet`);
  }
  const chosen = topology ?? "all-in-one";
  if (roles !== undefined && roles.length !== nodeCount) problems.push(`${at("roles")}: one role per node, expected ${nodeCount} entries, found ${roles.length}`);
  if (chosen === "all-in-one") {
    const whole = (roles ?? []).filter((r) => r === "all").length;
    if (roles === undefined) {
      if (!AIO_SIZES.includes(nodeCount)) problems.push(`${nodeCountKey}: an all-in-one cluster has 1 or 3 nodes (list added nodes' roles in ${at("roles")}), found ${nodeCount}`);
    } else if (whole !== BASE_PER_ROLE || roles.slice(0, BASE_PER_ROLE).some((r) => r !== "all")) {
      // A single all-in-one node has no database or broker cluster a node could join.
      problems.push(`${at("roles")}: an all-in-one cluster with added nodes starts with 3 \`all\` nodes and has no other, found ${JSON.stringify(roles)}`);
    }
    return problems;
  }
  if (roles === undefined) {
    if (nodeCount !== DEFAULT_SPLIT_ROLES.length) problems.push(`${nodeCountKey}: a split cluster has ${DEFAULT_SPLIT_ROLES.length} nodes (3 database, 3 broker, 3 manager), found ${nodeCount}`);
    return problems;
  }
  if (roles.includes("all")) problems.push(`${at("roles")}: \`all\` is for topology all-in-one (a split node has one role)`);
  for (const role of ROLES) {
    const count = roles.filter((r) => r === role).length;
    if (count < BASE_PER_ROLE) problems.push(`${at("roles")}: expected at least ${BASE_PER_ROLE} ${role} nodes, found ${count}`);
  }
  return problems;
}

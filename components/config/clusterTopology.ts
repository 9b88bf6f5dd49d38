import { z } from "zod";
import type { ClusterConfig } from "./clusterSchema";
import { majorMinor } from "../cloudify/client/versions";
import { installerFileVersion, installPathOf, SUPPORTED_VERSIONS_TEXT } from "./clusterVersion";
import { roleInstallerFacts } from "../install/modern/installerVersions";
import { MAX_NODES } from "./primitives";

/** The roles of the cluster-manager layout (5.1+): what `cfy_manager install` installs from a role's config.yaml. */
const ROLES = ["database", "broker", "manager"] as const;
export type Role = (typeof ROLES)[number];

/** `all-in-one`: every node runs all three roles (1 or 3 nodes); `split`: three nodes of each role, nine in all. */
const TOPOLOGIES = ["all-in-one", "split"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/** The topology keys of cmom:cluster (they apply from 5.1: a 4.x cluster is made of whole managers). */
export const topologyKeys = {
  /** The installer's version (`7.0.0`), which must be the one of installRpm's file name when that names one. */
  version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, "expected a Cloudify version such as 7.0.0").optional(),
  topology: z.enum(TOPOLOGIES).optional(),
  /** The role of each node, in node order (split only); default: three database nodes, then three brokers, then three managers. */
  roles: z.array(z.enum(ROLES)).max(MAX_NODES).optional(),
};

/** Nodes per topology, and how many of each role a split cluster has (the official cluster manager's nine-node layout). */
const AIO_SIZES = [1, 3];
const SPLIT_PER_ROLE = 3;
export const DEFAULT_SPLIT_ROLES: readonly Role[] = ROLES.flatMap((role) => Array.from({ length: SPLIT_PER_ROLE }, () => role));

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
  // Each node downloads the installer itself; uploading a local one is not there yet for this layout.
  if (!cluster.installRpm.startsWith("https://")) problems.push(`${at("installRpm")}: an https:// URL for Cloudify ${version} (each node downloads it), found a local path`);
  if (cluster.ldap !== undefined && !roleInstallerFacts(version!).ldapInConfig) {
    problems.push(`${at("ldap")}: Cloudify ${version} takes LDAP through its REST API, not the installer's config.yaml (which has it up to 6.2); cmom does not set it there yet`);
  }
  const chosen = topology ?? "all-in-one";
  if (chosen === "all-in-one") {
    if (!AIO_SIZES.includes(nodeCount)) problems.push(`${nodeCountKey}: an all-in-one cluster has 1 or 3 nodes, found ${nodeCount}`);
    if (roles !== undefined) problems.push(`${at("roles")}: only for topology split (every all-in-one node runs every role)`);
    return problems;
  }
  const expected = DEFAULT_SPLIT_ROLES.length;
  if (nodeCount !== expected) problems.push(`${nodeCountKey}: a split cluster has ${expected} nodes (3 database, 3 broker, 3 manager), found ${nodeCount}`);
  if (roles !== undefined) {
    if (roles.length !== nodeCount) problems.push(`${at("roles")}: one role per node, expected ${nodeCount} entries, found ${roles.length}`);
    for (const role of ROLES) {
      const count = roles.filter((r) => r === role).length;
      if (count !== SPLIT_PER_ROLE) problems.push(`${at("roles")}: expected ${SPLIT_PER_ROLE} ${role} nodes, found ${count}`);
    }
  }
  return problems;
}

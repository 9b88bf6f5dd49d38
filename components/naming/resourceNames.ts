/**
 * How cmom names its resources and where they sit, in one place: the components name their children with these, and
 * `npm run heal` finds the same resources in a stack's state (and asks Pulumi to replace or target them) with these.
 * A rename here moves both at once; a name built anywhere else would silently stop matching.
 */

/**
 * The module of the type token of every Cloudify object (and day-2 resource) cmom manages through its dynamic providers:
 * `pulumi-nodejs:dynamic/<module>:<kind>`, the kind being the resource class's own name (Blueprint, Backup, …).
 */
export const CLOUDIFY_DYNAMIC_MODULE = "cloudify";
const cloudifyType = (kind: string): string => `pulumi-nodejs:dynamic/${CLOUDIFY_DYNAMIC_MODULE}:${kind}`;

/** Type tokens cmom looks resources up by, or that parent the resources it looks up. */
export const TYPES = {
  stack: "pulumi:pulumi:Stack",
  openstackCluster: "cmom:openstack:Cluster",
  managerNode: "cmom:openstack:ManagerNode",
  server: "openstack:compute/instance:Instance",
  clusterInstall: "cmom:install:ClusterInstall",
  nodeInstall: "cmom:install:NodeInstall",
  clusterFormation: "cmom:install:ClusterFormation",
  /** One command run on a node over SSH (cmom's RemoteStep dynamic provider): every install stage, upload, cluster start and join. */
  installStep: "pulumi-nodejs:dynamic/cmom:RemoteStep",
  clusterStatus: cloudifyType("ClusterStatus"),
  backup: cloudifyType("Backup"),
} as const;

/** A resource's name from its parent's name (or the stack's, for resources at the top). */
export const childName = {
  /** The servers of an OpenStack stack (OpenStackCluster). */
  openstackCluster: (stack: string) => stack,
  managerNode: (cluster: string, index: number) => `${cluster}-node-${index}`,
  server: (managerNode: string) => `${managerNode}-server`,
  clusterInstall: (stack: string) => `${stack}-install`,
  nodeInstall: (clusterInstall: string, index: number) => `${clusterInstall}-node-${index}`,
  /** One step of a NodeInstall: `prepare`, `post-install`, `config`, `init`, `test`, file uploads, … */
  installStep: (nodeInstall: string, part: string) => `${nodeInstall}-${part}`,
  clusterFormation: (clusterInstall: string) => `${clusterInstall}-cluster`,
  clusterStart: (formation: string) => `${formation}-start`,
  /** The join of node `index` (1 and up; node 0 starts the cluster). */
  clusterJoin: (formation: string, index: number) => `${formation}-join-${index}`,
  clusterStatus: (stack: string) => `${stack}-status`,
  backup: (stack: string) => `${stack}-backup`,
} as const;

/** The names of node `index`'s resources in stack `stack`, as the OpenStack platform and the install create them. */
export function nodeResourceNames(stack: string, index: number) {
  const install = childName.clusterInstall(stack);
  const nodeInstall = childName.nodeInstall(install, index);
  const formation = childName.clusterFormation(install);
  return {
    server: childName.server(childName.managerNode(childName.openstackCluster(stack), index)),
    /** Every install step of the node starts with this. */
    installPrefix: childName.installStep(nodeInstall, ""),
    test: childName.installStep(nodeInstall, "test"),
    // Node 0's cluster step is the start (or, rebuilt, its join through cmom:cluster.rejoinVia).
    join: index === 0 ? childName.clusterStart(formation) : childName.clusterJoin(formation, index),
  };
}

/** Which stack of which project a URN belongs to. */
export interface UrnScope {
  readonly stack: string;
  readonly project: string;
}

/** Pulumi's URN of a resource: its scope, the types of its parents (outermost first, the stack itself left out), its type and name. */
export function urnOf(scope: UrnScope, parents: readonly string[], type: string, name: string): string {
  return `urn:pulumi:${scope.stack}::${scope.project}::${[...parents, type].join("$")}::${name}`;
}

/** The parts of a URN that urnOf puts together. */
export function parseUrn(urn: string): UrnScope & { readonly types: readonly string[]; readonly name: string } {
  const match = /^urn:pulumi:([^:]+)::([^:]+)::(.+?)::(.*)$/s.exec(urn);
  if (match === null) throw new Error(`not a Pulumi URN: ${urn}`);
  return { stack: match[1]!, project: match[2]!, types: match[3]!.split("$"), name: match[4]! };
}

/** The name part of a URN. */
export const nameOfUrn = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

/** The URNs of the resources heal replaces, targets or checks, in one stack. */
export function stackUrns(scope: UrnScope) {
  const { stack } = scope;
  const install = [TYPES.clusterInstall, TYPES.nodeInstall];
  const formation = [TYPES.clusterInstall, TYPES.clusterFormation];
  const installName = childName.clusterInstall(stack);
  return {
    root: urnOf(scope, [], TYPES.stack, `${scope.project}-${stack}`),
    server: (index: number) => urnOf(scope, [TYPES.openstackCluster, TYPES.managerNode], TYPES.server, nodeResourceNames(stack, index).server),
    installStep: (index: number, part: string) => urnOf(scope, install, TYPES.installStep, childName.installStep(childName.nodeInstall(installName, index), part)),
    clusterStart: urnOf(scope, formation, TYPES.installStep, childName.clusterStart(childName.clusterFormation(installName))),
    clusterJoin: (index: number) => urnOf(scope, formation, TYPES.installStep, childName.clusterJoin(childName.clusterFormation(installName), index)),
    clusterStatus: urnOf(scope, [], TYPES.clusterStatus, childName.clusterStatus(stack)),
    backup: urnOf(scope, [], TYPES.backup, childName.backup(stack)),
  };
}

import { CloudifyClient } from "../client";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import { endpointAddress } from "../client/endpoints";
import { isApiError } from "../client/errors";
import type { ManagerNode } from "../client/manager";
import type { ClusterNode, ClusterStatusAnswer } from "../client/types";
import type { ClusterIps } from "../../outputs/clusterIps";
import { serviceStatuses, type ServiceStatus } from "./manager-health";

/** One cluster member, as the reference's `cluster_status` lists it (the 4.x CLI's `cfy cluster nodes list`). */
export interface ClusterMemberStatus {
  readonly name: string;
  readonly hostIp: string;
  /**
   * `leader` | `replica` | `offline` (4.x); `active` | `offline` (5.0.5+, where every manager serves); `listed` (5.0, whose
   * `/managers` names the members but says nothing of their health).
   */
  readonly state: string;
  /** `OK` | `FAIL`, null when the manager does not report it. */
  readonly consul: string | null;
  readonly database: string | null;
  readonly services: string | null;
  readonly heartbeat: string | null;
}

/** The `clusterStatus` output: what the cluster said when it was last read. */
export interface ClusterStatusValue {
  readonly leaderStatus: ServiceStatus[];
  readonly clusterStatus: ClusterMemberStatus[];
  /** Why (part of) the status could not be read, e.g. no member answered; null when it was read completely. */
  readonly error: string | null;
}

/** A read of the status, and which endpoint (index into the connection's) served it: the leader. */
export interface ClusterObservation {
  readonly status: ClusterStatusValue;
  readonly leaderIndex: number | undefined;
}

/** 4.x `/cluster/nodes` items carry the checks the CLI shows (`_prepare_node` in cloudify-cli 4.x). */
type ClusterNodeWithChecks = ClusterNode & { readonly checks?: Partial<Record<"consul" | "database" | "services" | "heartbeat", boolean>> };

const okOrFail = (passing: boolean | undefined): string | null => (passing === undefined ? null : passing ? "OK" : "FAIL");

function membersFrom4x(nodes: readonly ClusterNodeWithChecks[]): ClusterMemberStatus[] {
  return nodes.map((n) => ({
    name: n.name,
    hostIp: n.host_ip,
    state: n.online ? (n.master ? "leader" : "replica") : "offline",
    consul: okOrFail(n.checks?.consul),
    database: okOrFail(n.checks?.database),
    services: okOrFail(n.checks?.services),
    heartbeat: okOrFail(n.checks?.heartbeat),
  }));
}

function membersFrom5x(answer: ClusterStatusAnswer): ClusterMemberStatus[] {
  const { manager, db } = answer.services;
  return Object.entries(manager?.nodes ?? {}).map(([name, node]) => {
    const database = db?.nodes?.[name]?.status ?? db?.status;
    return {
      name,
      hostIp: node.private_ip ?? "",
      state: node.status === "OK" ? "active" : "offline",
      consul: null,
      database: database === undefined ? null : okOrFail(database === "OK"),
      services: okOrFail(node.status === "OK"),
      heartbeat: null,
    };
  });
}

function membersFromManagers(managers: readonly ManagerNode[]): ClusterMemberStatus[] {
  return managers.map((m) => ({ name: m.hostname, hostIp: m.private_ip, state: "listed", consul: null, database: null, services: null, heartbeat: null }));
}

/** Cluster members from what this manager's version has; a community manager (no cluster API) has none. */
async function clusterMembers(client: CloudifyClient): Promise<ClusterMemberStatus[]> {
  try {
    switch ((await client.manager.profile()).clusterMembers) {
      case "cluster-nodes":
        return membersFrom4x(await client.manager.clusterNodes());
      case "managers":
        return membersFromManagers(await client.manager.managers());
      case "cluster-status":
        return membersFrom5x(await client.manager.clusterStatus());
    }
  } catch (error) {
    if (isApiError(error, 404, "missing_premium_package_error")) return [];
    throw error;
  }
}

/**
 * Reads the status without ever failing: what could not be read is said in `error`. Only GET requests. The nodes are
 * asked one by one, in order: the first that serves `/status` is the leader (4.x replicas refuse with
 * `not_cluster_master`; on 5.x, where every manager serves, it is the first one up).
 */
export async function observeCluster(connection: CloudifyConnection, tuning: Partial<ClientTuning>): Promise<ClusterObservation> {
  const refusals: string[] = [];
  for (const [index, endpoint] of connection.endpoints.entries()) {
    const client = new CloudifyClient({ ...connection, endpoints: [endpoint] }, tuning);
    let leaderStatus: ServiceStatus[];
    try {
      leaderStatus = serviceStatuses(await client.manager.status());
    } catch (error) {
      refusals.push((error as Error).message);
      continue;
    }
    try {
      return { status: { leaderStatus, clusterStatus: await clusterMembers(client), error: null }, leaderIndex: index };
    } catch (error) {
      return { status: { leaderStatus, clusterStatus: [], error: (error as Error).message }, leaderIndex: index };
    }
  }
  return { status: { leaderStatus: [], clusterStatus: [], error: `no cluster member answered: ${refusals.join("; ")}` }, leaderIndex: undefined };
}


/** The reference's `cluster_ips`: the leader's address, then the others in configured order; node 0 first when no leader answered. */
export function clusterIpsFrom(endpoints: readonly string[], leaderIndex: number | undefined): ClusterIps {
  const addresses = endpoints.map(endpointAddress);
  const master = leaderIndex ?? 0;
  return { master: addresses[master] ?? "", slaves: addresses.filter((_, i) => i !== master) };
}

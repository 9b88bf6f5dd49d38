import type * as pulumi from "@pulumi/pulumi";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import { connectionFailures, plainConnection } from "../providers/connection-props";
import { sameValue } from "../providers/same-value";
import type { ClusterIps } from "../../outputs/clusterIps";
import { clusterIpsFrom, observeCluster, type ClusterStatusValue } from "./cluster-status-read";

interface ClusterStatusInputs {
  /** Every node, in configured order (node 0 first). */
  readonly connection: CloudifyConnection;
}

interface ClusterStatusOuts extends ClusterStatusInputs {
  readonly clusterStatus: ClusterStatusValue;
  readonly clusterIps: ClusterIps;
}

/** A status read gives up sooner than a change would: two tries per node, short backoff. */
const STATUS_TUNING: Partial<ClientTuning> = { maxAttempts: 2, baseDelayMs: 250, maxDelayMs: 1_000 };

async function observe(inputs: ClusterStatusInputs, tuning: Partial<ClientTuning>): Promise<ClusterStatusOuts> {
  const { status, leaderIndex } = await observeCluster(inputs.connection, tuning);
  return { connection: plainConnection(inputs.connection), clusterStatus: status, clusterIps: clusterIpsFrom(inputs.connection.endpoints, leaderIndex) };
}

/**
 * Dynamic provider of `pulumi-nodejs:dynamic/cloudify:ClusterStatus`: create, update, read and diff only read the cluster (GET
 * requests, never a change). Diff reads the live status and reports a change only when it differs from the recorded one (or
 * the cluster is reached another way): a stable cluster leaves `pulumi up --expect-no-changes` and `pulumi refresh` quiet,
 * and a changed one is recorded by the next `pulumi up` or `pulumi refresh`. An unreachable cluster is reported in
 * `clusterStatus.error`, never as a failed update.
 */
export function createClusterStatusProvider(tuning: Partial<ClientTuning> = STATUS_TUNING): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: ClusterStatusInputs, news: ClusterStatusInputs) {
      return { inputs: news, failures: connectionFailures(news.connection) };
    },
    async diff(_id: string, olds: ClusterStatusOuts, news: ClusterStatusInputs) {
      if (!sameValue(plainConnection(olds.connection), plainConnection(news.connection))) return { changes: true };
      const now = await observe(news, tuning);
      return { changes: !sameValue([olds.clusterStatus, olds.clusterIps], [now.clusterStatus, now.clusterIps]) };
    },
    async create(inputs: ClusterStatusInputs) {
      return { id: "cluster-status", outs: await observe(inputs, tuning) };
    },
    async update(_id: string, _olds: ClusterStatusOuts, news: ClusterStatusInputs) {
      return { outs: await observe(news, tuning) };
    },
    async read(id: string, state: ClusterStatusOuts) {
      return { id, props: await observe(state, tuning) };
    },
    async delete() {
      // Reading changed nothing: nothing to undo.
    },
  };
}

import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import { DEFAULT_TUNING, type ClientTuning, type CloudifyConnection } from "../client/connection";
import { sha256OfFile } from "../client/content-hash";
import { isApiError } from "../client/errors";
import { booleanFailures, positiveNumberFailures, type CheckFailure } from "../providers/check-rules";
import { connectionFailures, plainConnection, recordOnlyUpdate } from "../providers/connection-props";
import { diffInputs, type DiffRules } from "../providers/diff-inputs";
import { containsUnknown } from "../providers/unknown";
import { probeHealth } from "./manager-health";
import { assertRestorable, finishedRestore, installNewAgents, recordRestore, restoreOnce, restoreRequest, uploadOnce, waitUntilHealthy, type AgentsRun, type AgentsSkip, type RestoreParams } from "./restore-steps";
import { restoreSnapshotId } from "./snapshot-ids";
import { readSnapshotMetadata } from "./snapshot-metadata";

interface SnapshotRestoreInputs {
  /** The first node only: the restore happens before the others join. */
  readonly connection: CloudifyConnection;
  /** Absolute path of the snapshot archive. */
  readonly snapshotPath: string;
  /** Set by check: the archive's sha256, which names its upload and makes the restore happen once. */
  readonly sha256?: string;
  readonly transferAgents: boolean;
  readonly params: RestoreParams;
  /** Seconds for the whole restore: upload, restore execution, health, agents. */
  readonly timeout: number;
}

export interface SnapshotRestoreOuts extends SnapshotRestoreInputs {
  readonly restored: {
    readonly snapshotId: string;
    readonly executionId: string;
    readonly endedAt: string | null;
    readonly agents: AgentsRun[];
    /** Deployments left out of the agents' installation, and why. */
    readonly agentsSkipped: AgentsSkip[];
  };
}

const RULES: DiffRules = {
  inputs: ["snapshotPath", "sha256", "transferAgents", "params", "timeout"],
  // A restore happens once: nothing replaces it (check refuses another snapshot), other changes are only recorded.
  replaceOn: [],
  tenantScoped: false,
  deleteBeforeReplace: false,
};

/** Healthy `/status` answers in a row before the restored manager counts as up. */
const HEALTHY_IN_A_ROW = 3;

const DEFAULT_PARAMS: RestoreParams = { withoutDeploymentEnvs: false, force: false, restoreCertificates: false, noReboot: false };

async function snapshotDigest(olds: Partial<SnapshotRestoreInputs>, inputs: SnapshotRestoreInputs): Promise<{ sha256?: string; failures: CheckFailure[] }> {
  let sha256: string;
  try {
    sha256 = await sha256OfFile(inputs.snapshotPath);
  } catch (error) {
    // The archive may go once it was restored: what was restored is known.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && olds.sha256 !== undefined && olds.snapshotPath === inputs.snapshotPath) return { sha256: olds.sha256, failures: [] };
    return { failures: [{ property: "snapshotPath", reason: `${inputs.snapshotPath}: ${(error as Error).message}` }] };
  }
  if (olds.sha256 !== undefined && olds.sha256 !== sha256) {
    return {
      failures: [{
        property: "snapshotPath",
        reason: `holds another snapshot (sha256 ${sha256.slice(0, 16)}…) than the one this cluster restored (${olds.sha256.slice(0, 16)}…); ` +
          "a restore runs once, before the cluster forms: remove cmom:restore, or restore into a new stack",
      }],
    };
  }
  return { sha256, failures: [] };
}

/**
 * Dynamic provider of `pulumi-nodejs:dynamic/cloudify:SnapshotRestore`: uploads the archive (streamed) as
 * `restore_<sha256 prefix>` unless already there, restores it with the mapped params, follows the execution to its end
 * (failed → error with the execution's error), records it on the manager (secret `cmom_restored_<snapshot id>`: the
 * restore itself erased every execution that could tell), waits for 3 healthy answers in a row and, with transferAgents,
 * runs `install_new_agents` on every installed deployment of every tenant. Each step adopts what an earlier attempt did,
 * and a finished restore is never repeated.
 */
export function createSnapshotRestoreProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  const fullTuning: ClientTuning = { ...DEFAULT_TUNING, ...tuning };
  return {
    async check(olds: Partial<SnapshotRestoreInputs>, news: SnapshotRestoreInputs) {
      const inputs: SnapshotRestoreInputs = {
        ...news,
        transferAgents: news.transferAgents ?? true,
        params: { ...DEFAULT_PARAMS, ...news.params },
        timeout: news.timeout ?? 3600,
      };
      const path: typeof import("node:path") = require("node:path");
      const failures: CheckFailure[] = [
        ...connectionFailures(inputs.connection),
        ...booleanFailures(inputs.transferAgents, "transferAgents"),
        ...(["withoutDeploymentEnvs", "force", "restoreCertificates", "noReboot"] as const).flatMap((k) => booleanFailures(inputs.params[k], `params.${k}`)),
        ...positiveNumberFailures(inputs.timeout, "timeout"),
      ];
      if (inputs.params.noReboot === true && inputs.params.restoreCertificates !== true) failures.push({ property: "params.noReboot", reason: "requires params.restoreCertificates" });
      if (containsUnknown(inputs.snapshotPath)) return { inputs, failures };
      if (typeof inputs.snapshotPath !== "string" || !path.isAbsolute(inputs.snapshotPath)) {
        return { inputs, failures: [...failures, { property: "snapshotPath", reason: `must be an absolute path; got ${JSON.stringify(inputs.snapshotPath)}` }] };
      }
      const digest = await snapshotDigest(olds ?? {}, inputs);
      return { inputs: { ...inputs, sha256: digest.sha256 }, failures: [...failures, ...digest.failures] };
    },
    async diff(_id: string, olds: SnapshotRestoreOuts, news: SnapshotRestoreInputs) {
      return diffInputs(olds, news, RULES);
    },
    async create(inputs: SnapshotRestoreInputs) {
      const deadline = Date.now() + inputs.timeout * 1000;
      const left = (): number => Math.max(0, deadline - Date.now());
      const client = new CloudifyClient(inputs.connection, fullTuning);
      const snapshotId = restoreSnapshotId(inputs.sha256 ?? "");
      // A finished restore is never repeated, even when what followed it failed and this is a rerun.
      let execution = await finishedRestore(client, snapshotId);
      const restoredNow = execution === undefined;
      if (execution === undefined) {
        await assertRestorable(client, await readSnapshotMetadata(inputs.snapshotPath), inputs.params.force);
        await uploadOnce(client, snapshotId, inputs.snapshotPath);
        execution = await restoreOnce(client, snapshotId, restoreRequest(inputs.params, inputs.timeout), left());
      }
      let agents: { runs: AgentsRun[]; skipped: AgentsSkip[] } = { runs: [], skipped: [] };
      try {
        if (restoredNow) await recordRestore(client, snapshotId, execution, left());
        await waitUntilHealthy(() => probeHealth(client), { inARow: HEALTHY_IN_A_ROW, intervalMs: fullTuning.pollIntervalMs, timeoutMs: left() });
        if (inputs.transferAgents) agents = await installNewAgents(inputs.connection, fullTuning, execution.created_at, left());
      } catch (error) {
        if (!isApiError(error, 401)) throw error;
        throw new Error(
          `the restored manager refuses the stack's admin credentials (a restore brings back the snapshot's users): ` +
            `set the admin password to that of the manager the snapshot came from, then run pulumi up again. ${(error as Error).message}`,
        );
      }
      const outs: SnapshotRestoreOuts = {
        ...inputs,
        connection: plainConnection(inputs.connection),
        restored: { snapshotId, executionId: execution.id, endedAt: execution.ended_at, agents: agents.runs, agentsSkipped: agents.skipped },
      };
      return { id: snapshotId, outs };
    },
    async update(_id: string, olds: SnapshotRestoreOuts, news: SnapshotRestoreInputs) {
      // The restore happened once; later changes to its settings are only recorded.
      return recordOnlyUpdate(olds, news);
    },
    async delete() {
      // A restore cannot be undone; the uploaded snapshot stays on the manager.
    },
  };
}

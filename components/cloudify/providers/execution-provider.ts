import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import { backoffDelayMs, sleep } from "../client/backoff";
import { DEFAULT_TUNING, type ClientTuning, type CloudifyConnection } from "../client/connection";
import { isApiError } from "../client/errors";
import type { Execution } from "../client/types";
import { booleanFailures, mappingFailures, nonEmptyStringFailures, positiveNumberFailures, resourceIdFailures } from "./check-rules";
import { connectionFailures, plainConnection, recordOnlyUpdate } from "./connection-props";
import { diffInputs, type DiffRules } from "./diff-inputs";

interface ExecutionInputs {
  readonly connection: CloudifyConnection;
  readonly deploymentId: string;
  readonly workflowId: string;
  readonly parameters: Record<string, unknown>;
  readonly allowCustomParameters: boolean;
  readonly force: boolean;
  readonly queue: boolean;
  /** Seconds to wait for the execution to end (its start included). */
  readonly timeout: number;
  /** Any value; changing it runs the workflow again. */
  readonly trigger?: string | number;
}

interface ExecutionOuts extends ExecutionInputs {
  readonly executionId: string;
  readonly status: string;
  readonly createdAt: string;
  readonly endedAt: string | null;
}

const RULES: DiffRules = {
  inputs: ["deploymentId", "workflowId", "parameters", "allowCustomParameters", "force", "queue", "timeout", "trigger"],
  replaceOn: ["deploymentId", "workflowId", "parameters", "allowCustomParameters", "force", "queue", "trigger"],
  tenantScoped: true,
  deleteBeforeReplace: false,
};

/** Refusals that pass once the deployment is free: retried until the timeout. */
const BUSY_ERRORS = ["existing_running_execution_error", "deployment_environment_creation_pending_error", "deployment_environment_creation_in_progress_error"];

function outs(inputs: ExecutionInputs, execution: Execution): ExecutionOuts {
  return {
    connection: plainConnection(inputs.connection),
    deploymentId: inputs.deploymentId,
    workflowId: inputs.workflowId,
    parameters: inputs.parameters,
    allowCustomParameters: inputs.allowCustomParameters,
    force: inputs.force,
    queue: inputs.queue,
    timeout: inputs.timeout,
    ...(inputs.trigger !== undefined ? { trigger: inputs.trigger } : {}),
    executionId: execution.id,
    status: execution.status,
    createdAt: execution.created_at,
    endedAt: execution.ended_at,
  };
}

/** Starts the workflow, waiting while the deployment is busy with another execution or its environment. */
async function startWhenFree(client: CloudifyClient, inputs: ExecutionInputs, deadline: number, tuning: ClientTuning): Promise<Execution> {
  for (let round = 1; ; round++) {
    try {
      return await client.executions.start(inputs);
    } catch (error) {
      if (!isApiError(error, 400) || !BUSY_ERRORS.includes(error.errorCode ?? "") || Date.now() >= deadline) throw error;
      await sleep(Math.min(backoffDelayMs(round, { ...tuning, baseDelayMs: tuning.pollIntervalMs }), Math.max(0, deadline - Date.now())));
    }
  }
}

/**
 * Dynamic provider of `pulumi-nodejs:dynamic/cloudify:Execution`: runs a workflow once and waits for its end; `failed`/`cancelled`
 * fail the resource with the execution's error. A changed `trigger` (or workflow, parameters…) runs it again.
 * Deleting forgets the execution (the manager keeps its history).
 */
export function createExecutionProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  const fullTuning: ClientTuning = { ...DEFAULT_TUNING, ...tuning };
  return {
    async check(_olds: ExecutionInputs, news: ExecutionInputs) {
      const inputs: ExecutionInputs = {
        ...news,
        parameters: news.parameters ?? {},
        allowCustomParameters: news.allowCustomParameters ?? false,
        force: news.force ?? false,
        queue: news.queue ?? false,
        timeout: news.timeout ?? 3600,
      };
      const failures = [
        ...connectionFailures(inputs.connection),
        ...resourceIdFailures(inputs.deploymentId, "deploymentId"),
        ...nonEmptyStringFailures(inputs.workflowId, "workflowId"),
        ...mappingFailures(inputs.parameters, "parameters"),
        ...booleanFailures(inputs.allowCustomParameters, "allowCustomParameters"),
        ...booleanFailures(inputs.force, "force"),
        ...booleanFailures(inputs.queue, "queue"),
        ...positiveNumberFailures(inputs.timeout, "timeout"),
      ];
      return { inputs, failures };
    },
    async diff(_id: string, olds: ExecutionOuts, news: ExecutionInputs) {
      return diffInputs(olds, news, RULES);
    },
    async create(inputs: ExecutionInputs) {
      const client = new CloudifyClient(inputs.connection, fullTuning);
      const deadline = Date.now() + inputs.timeout * 1000;
      const started = await startWhenFree(client, inputs, deadline, fullTuning);
      const ended = await client.executions.waitForSuccess(started.id, Math.max(0, deadline - Date.now()));
      return { id: ended.id, outs: outs(inputs, ended) };
    },
    async read(id: string, state: ExecutionOuts) {
      const execution = await new CloudifyClient(state.connection, fullTuning).executions.get(id);
      return execution ? { id, props: outs(state, execution) } : {};
    },
    async update(_id: string, olds: ExecutionOuts, news: ExecutionInputs) {
      // Only the timeout or connection details changed: the execution itself stays as it ran.
      return recordOnlyUpdate(olds, news);
    },
    async delete() {
      // Executions are history on the manager: nothing to delete.
    },
  };
}

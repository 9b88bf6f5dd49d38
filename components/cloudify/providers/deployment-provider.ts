import type * as pulumi from "@pulumi/pulumi";
import { CloudifyClient } from "../client";
import type { ClientTuning, CloudifyConnection } from "../client/connection";
import { CREATE_ENVIRONMENT_WORKFLOW } from "../client/deployments";
import { isApiError } from "../client/errors";
import { ExecutionFailedError } from "../client/executions";
import type { Deployment, Execution, Visibility } from "../client/types";
import { booleanFailures, mappingFailures, oneOfFailures, positiveNumberFailures, resourceIdFailures, VISIBILITIES } from "./check-rules";
import { connectionFailures, plainConnection, recordOnlyUpdate } from "./connection-props";
import { diffInputs, type DiffRules } from "./diff-inputs";
import { createOrAdopt, ExistsDifferentError } from "./existing-object";
import { sameValue } from "./same-value";

interface DeploymentInputs {
  readonly connection: CloudifyConnection;
  readonly deploymentId: string;
  readonly blueprintId: string;
  /** Deployment inputs; the blueprint's defaults fill the others. */
  readonly inputs: Record<string, unknown>;
  readonly visibility: Visibility;
  readonly skipPluginsValidation: boolean;
  /** Seconds to wait for the environment's creation, and for the row to go on delete. */
  readonly timeout: number;
}

interface DeploymentOuts extends DeploymentInputs {
  readonly createdAt: string;
}

const RULES: DiffRules = {
  inputs: ["deploymentId", "blueprintId", "inputs", "visibility", "skipPluginsValidation", "timeout"],
  replaceOn: ["deploymentId", "blueprintId", "inputs", "visibility"],
  tenantScoped: true,
  deleteBeforeReplace: true,
};

function outs(inputs: DeploymentInputs, deployment: Deployment): DeploymentOuts {
  return {
    connection: plainConnection(inputs.connection),
    deploymentId: inputs.deploymentId,
    blueprintId: inputs.blueprintId,
    inputs: inputs.inputs,
    visibility: inputs.visibility,
    skipPluginsValidation: inputs.skipPluginsValidation,
    timeout: inputs.timeout,
    createdAt: deployment.created_at,
  };
}

/** Waits for the deployment's create_deployment_environment execution; throws its error unless it terminated. */
async function waitForEnvironment(client: CloudifyClient, deploymentId: string, timeoutMs: number): Promise<Execution> {
  const [environment] = await client.executions.list({ deploymentId, workflowId: CREATE_ENVIRONMENT_WORKFLOW, includeSystem: true });
  if (!environment) throw new Error(`Cloudify deployment \`${deploymentId}\` has no ${CREATE_ENVIRONMENT_WORKFLOW} execution`);
  return client.executions.waitForSuccess(environment.id, timeoutMs);
}

/** Whether the deployment's only execution is a failed create_deployment_environment (the manager's own test, 6.0 … 7.0). */
async function onlyFailedCreation(client: CloudifyClient, deploymentId: string): Promise<boolean> {
  const executions = await client.executions.list({ deploymentId, includeSystem: true });
  return executions.length === 1 && executions[0].workflow_id === CREATE_ENVIRONMENT_WORKFLOW && executions[0].status === "failed";
}

/** Whether a node instance makes the manager refuse a delete: one neither `uninitialized` nor `deleted` (resource manager, 4.3 … 7.0). */
async function hasLiveNodes(client: CloudifyClient, deploymentId: string): Promise<boolean> {
  return (await client.nodeInstances.ofDeployment(deploymentId)).some((ni) => ni.state !== "uninitialized" && ni.state !== "deleted");
}

/** Dynamic provider of `pulumi-nodejs:dynamic/cloudify:Deployment`: creation waits for the environment, deletion for the row to go. */
export function createDeploymentProvider(tuning: Partial<ClientTuning> = {}): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: DeploymentInputs, news: DeploymentInputs) {
      const inputs: DeploymentInputs = {
        ...news,
        inputs: news.inputs ?? {},
        visibility: news.visibility ?? "tenant",
        skipPluginsValidation: news.skipPluginsValidation ?? false,
        timeout: news.timeout ?? 1800,
      };
      const failures = [
        ...connectionFailures(inputs.connection),
        ...resourceIdFailures(inputs.deploymentId, "deploymentId"),
        ...resourceIdFailures(inputs.blueprintId, "blueprintId"),
        ...mappingFailures(inputs.inputs, "inputs"),
        ...oneOfFailures(inputs.visibility, VISIBILITIES, "visibility"),
        ...booleanFailures(inputs.skipPluginsValidation, "skipPluginsValidation"),
        ...positiveNumberFailures(inputs.timeout, "timeout"),
      ];
      return { inputs, failures };
    },
    async diff(_id: string, olds: DeploymentOuts, news: DeploymentInputs) {
      return diffInputs(olds, news, RULES);
    },
    async create(inputs: DeploymentInputs) {
      const client = new CloudifyClient(inputs.connection, tuning);
      const timeoutMs = inputs.timeout * 1000;
      const removeFailed = async (): Promise<void> => {
        if (await client.deployments.delete(inputs.deploymentId)) await client.deployments.waitGone(inputs.deploymentId, timeoutMs);
      };
      const createNew = async (): Promise<Deployment> => {
        const created = await client.deployments.create(inputs.deploymentId, inputs);
        try {
          await waitForEnvironment(client, inputs.deploymentId, timeoutMs);
        } catch (error) {
          // Leave nothing half-made behind: the next run creates it again.
          if (error instanceof ExecutionFailedError) await removeFailed();
          throw error;
        }
        return created;
      };
      const deployment = await createOrAdopt(
        createNew,
        async () => {
          const existing = await client.deployments.get(inputs.deploymentId);
          if (!existing) throw new Error(`Cloudify deployment \`${inputs.deploymentId}\` was reported to exist but cannot be read`);
          // A creation that failed and was not removed (a run stopped first): 6.0+ managers replace such a row on the next
          // PUT (resource manager's cleanup_failed_deployment), older ones answer 409; either way it is created again.
          if (await onlyFailedCreation(client, inputs.deploymentId)) {
            await removeFailed();
            return createNew();
          }
          const blueprint = await client.blueprints.get(existing.blueprint_id);
          const defaults = Object.fromEntries(
            Object.entries(blueprint?.plan.inputs ?? {})
              .filter(([, declared]) => declared !== null && typeof declared === "object" && "default" in declared)
              .map(([name, declared]) => [name, declared.default]),
          );
          const found: string[] = [];
          if (existing.blueprint_id !== inputs.blueprintId) found.push(`blueprint ${existing.blueprint_id} instead of ${inputs.blueprintId}`);
          if (!sameValue(existing.inputs, { ...defaults, ...inputs.inputs })) found.push("its inputs differ");
          if (existing.visibility !== inputs.visibility) found.push(`visibility ${existing.visibility} instead of ${inputs.visibility}`);
          if (found.length > 0) throw new ExistsDifferentError("deployment", inputs.deploymentId, inputs.connection.tenant, found);
          await waitForEnvironment(client, inputs.deploymentId, timeoutMs);
          return existing;
        },
      );
      return { id: inputs.deploymentId, outs: outs(inputs, deployment) };
    },
    async read(id: string, state: DeploymentOuts) {
      const deployment = await new CloudifyClient(state.connection, tuning).deployments.get(id);
      return deployment ? { id, props: outs({ ...state, blueprintId: deployment.blueprint_id, visibility: deployment.visibility }, deployment) } : {};
    },
    async update(_id: string, olds: DeploymentOuts, news: DeploymentInputs) {
      // Only the timeout, the plugin-validation flag or connection details changed: nothing to do on the manager.
      return recordOnlyUpdate(olds, news);
    },
    async delete(id: string, state: DeploymentOuts) {
      const client = new CloudifyClient(state.connection, tuning);
      const deadline = Date.now() + state.timeout * 1000;
      const timeLeft = (): number => Math.max(0, deadline - Date.now());
      // The manager refuses to delete a deployment while an execution of it runs or is queued.
      await client.executions.waitIdle(id, timeLeft());
      const deleted = await client.deployments.delete(id).catch(async (error: unknown) => {
        // Every refusal answers 400 `dependent_exists_error`, whether an execution started meanwhile, other installations
        // depend on it (6.0+) or its nodes are live (resource manager's delete checks, 4.3 … 7.0): what is in the way is read
        // from the manager, not from the message. Live nodes are torn down first, as `cfy uninstall` does; otherwise the
        // executions are waited for once more; a refusal that remains is the user's to resolve.
        if (!isApiError(error, 400, "dependent_exists_error")) throw error;
        if (await hasLiveNodes(client, id)) {
          const uninstall = await client.executions.start({ deploymentId: id, workflowId: "uninstall" });
          await client.executions.waitForSuccess(uninstall.id, timeLeft());
        } else {
          await client.executions.waitIdle(id, timeLeft());
        }
        return client.deployments.delete(id);
      });
      if (deleted) await client.deployments.waitGone(id, timeLeft());
    },
  };
}

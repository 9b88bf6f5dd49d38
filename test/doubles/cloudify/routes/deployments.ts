import { fail, ManagerError, parseBoolean, requireField, timestamp, validateId } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import { present, type DeploymentRecord, type ExecutionRecord } from "../state";
import { END_STATES } from "../workflows";
import { deleteReply, visibilityOf } from "./common";

const FIELDS = [
  "id", "blueprint_id", "created_at", "updated_at", "description", "inputs", "outputs", "capabilities", "groups", "policy_types",
  "policy_triggers", "scaling_groups", "workflows", "permalink", "visibility", "tenant_name", "created_by",
];

export const CREATE_ENVIRONMENT = "create_deployment_environment";
const DELETE_ENVIRONMENT = "delete_deployment_environment";

/** Evaluates an output value: literals, `{get_input}` and `{get_secret}`. */
function evaluate(value: unknown, inputs: Record<string, unknown>, secret: (key: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, inputs, secret));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === "get_input") return inputs[String(entries[0][1])] ?? null;
  if (entries.length === 1 && entries[0][0] === "get_secret") {
    const found = secret(String(entries[0][1]));
    if (found === undefined) throw new ManagerError(400, "deployment_outputs_evaluation_error", `Secret ${String(entries[0][1])} does not exist`);
    return found;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, evaluate(v, inputs, secret)]));
}

/**
 * 6.0+ without `async_create`: the request waits for the create workflow (rest_utils.wait_for_execution polls, then the
 * retry library gives up: an unhandled 500); a failed one answers `deployment_creation_error` with its last error line,
 * one still running when the wait ends `deployment_environment_creation_in_progress_error`
 * (resources_v3_1/deployments.py _error_from_create @7.0.0). The row stays either way.
 */
async function holdForCreation(creation: ExecutionRecord, waitMs: number): Promise<void> {
  const ended = await Promise.race([
    (async () => {
      while (!END_STATES.includes(creation.status)) await new Promise((r) => setTimeout(r, 5));
      return true;
    })(),
    new Promise<false>((r) => setTimeout(() => r(false), waitMs)),
  ]);
  if (!ended) throw new ManagerError(500, "internal_server_error", "RetryError[Attempts: 120, Value: <Execution create_deployment_environment>]");
  if (creation.status === "failed") throw new ManagerError(400, "deployment_creation_error", creation.error.trim().split("\n").at(-1) ?? "");
  if (creation.status !== "terminated") throw new ManagerError(400, "deployment_environment_creation_in_progress_error", "Deployment environment creation is still in progress");
}

/** Removes a deployment whose only execution is a failed create_deployment_environment (Features.failedDeploymentReplaced). */
function cleanupFailedCreation(d: DoubleContext, tenant: string, id: string): void {
  const deployment = d.state.deployments.get(tenant, id);
  if (!deployment) return;
  const executions = d.state.executions.list(tenant).filter((e) => e.deployment_id === id);
  if (executions.length !== 1 || executions[0].workflow_id !== CREATE_ENVIRONMENT || executions[0].status !== "failed") return;
  d.state.deployments.delete(tenant, id);
  d.state.executions.delete(tenant, executions[0].id);
}

/** /deployments: creation and deletion run asynchronously in `create/delete_deployment_environment` executions. */
export function deploymentRoutes(d: DoubleContext): Route[] {
  const view = (deployment: DeploymentRecord): Record<string, unknown> => present(deployment, []);
  const find = (tenant: string, id: string): DeploymentRecord => {
    const deployment = d.state.deployments.get(tenant, id);
    if (!deployment) throw fail.notFound("Deployment", id);
    return deployment;
  };
  const outputsOf = (tenant: string, deployment: DeploymentRecord): Record<string, unknown> => {
    const plan = d.state.blueprints.get(tenant, deployment.blueprint_id)?.plan;
    const secret = (key: string) => d.state.secrets.get(tenant, key)?.value;
    return Object.fromEntries(Object.entries(plan?.outputs ?? {}).map(([name, o]) => [name, evaluate(o.value, deployment.inputs, secret)]));
  };

  return [
    {
      method: "PUT",
      pattern: "/deployments/:id",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const { id } = ctx.params;
        validateId(id, "deployment_id");
        const visibility = visibilityOf(body.visibility);
        // resources_v3_1/deployments.py @4.3 … 4.5.1 accept only private and tenant (every visibility from 4.5.5).
        if (visibility === "global" && !d.features.globalDeployments) {
          throw fail.badParameters("Invalid visibility: `global`. Valid visibility's values are: ['private', 'tenant']");
        }
        const asyncCreate = d.features.deploymentCreateWaits ? parseBoolean(ctx.query.get("async_create") ?? undefined, "async_create", false) : true;
        const blueprintId = requireField(body, "blueprint_id");
        if (typeof blueprintId !== "string") throw fail.badParameters("blueprint_id must be a string");
        const blueprint = d.state.blueprints.get(ctx.tenant, blueprintId);
        if (!blueprint) throw fail.notFound("Blueprint", blueprintId);
        if (!blueprint.plan) throw fail.badParameters(`Blueprint ${blueprintId} is not uploaded yet (state ${blueprint.state})`);
        if (d.features.failedDeploymentReplaced) cleanupFailedCreation(d, ctx.tenant, id);
        if (d.state.deployments.get(ctx.tenant, id)) throw fail.conflict("Deployment", id, ctx.tenant);
        const given = (body.inputs ?? {}) as Record<string, unknown>;
        if (typeof given !== "object" || Array.isArray(given)) throw fail.badParameters("inputs must be a mapping");
        const declared = blueprint.plan.inputs;
        const unknown = Object.keys(given).filter((k) => !(k in declared));
        if (unknown.length > 0) throw new ManagerError(400, "unknown_deployment_input_error", `Unknown input(s) specified: ${unknown.join(", ")}`);
        const missing = Object.keys(declared).filter((k) => !(k in given) && !("default" in declared[k]));
        if (missing.length > 0) {
          throw new ManagerError(400, "missing_required_deployment_input_error", `Required inputs ${missing.join(", ")} were not specified - expected inputs: ${Object.keys(declared).join(", ")}`);
        }
        const inputs = { ...Object.fromEntries(Object.entries(declared).filter(([, v]) => "default" in v).map(([k, v]) => [k, v.default])), ...given };
        const now = timestamp();
        const deployment: DeploymentRecord = {
          id,
          blueprint_id: blueprintId,
          description: blueprint.plan.description,
          inputs,
          outputs: Object.fromEntries(Object.entries(blueprint.plan.outputs).map(([k, v]) => [k, { description: v.description ?? "", value: v.value ?? null }])),
          capabilities: {},
          groups: {},
          policy_types: {},
          policy_triggers: {},
          scaling_groups: {},
          workflows: Object.entries(blueprint.plan.workflows).map(([name, w]) => ({ name, plugin: w.plugin, operation: w.operation, parameters: w.parameters })),
          permalink: null,
          visibility,
          tenant_name: ctx.tenant,
          created_by: ctx.user,
          created_at: now,
          updated_at: now,
        };
        parseBoolean(body.skip_plugins_validation, "skip_plugins_validation", false);
        d.state.deployments.set(ctx.tenant, id, deployment);
        const creation = d.engine.run({ workflowId: CREATE_ENVIRONMENT, deploymentId: id, blueprintId, parameters: {}, isSystem: false, tenant: ctx.tenant, user: ctx.user });
        if (!asyncCreate) await holdForCreation(creation, d.features.deploymentCreateWaitMs);
        return { status: 201, json: view(deployment) };
      },
    },
    {
      method: "GET",
      pattern: "/deployments/:id",
      handler: async (ctx) => ({ status: 200, json: view(find(ctx.tenant, ctx.params.id)) }),
    },
    {
      method: "GET",
      pattern: "/deployments",
      handler: async (ctx) => {
        const all = parseBoolean(ctx.query.get("_all_tenants"), "_all_tenants", false);
        return listReply(d.state.deployments.list(ctx.tenant, all).map(view), ctx.query, FIELDS, { searchField: "id" });
      },
    },
    {
      method: "GET",
      pattern: "/deployments/:id/outputs",
      handler: async (ctx) => {
        const deployment = find(ctx.tenant, ctx.params.id);
        return { status: 200, json: { deployment_id: deployment.id, outputs: outputsOf(ctx.tenant, deployment) } };
      },
    },
    {
      method: "DELETE",
      pattern: "/deployments/:id",
      handler: async (ctx) => {
        const deployment = find(ctx.tenant, ctx.params.id);
        const overrideParameter = d.features.deleteAnswers204 ? "force" : "ignore_live_nodes";
        const override = parseBoolean(ctx.query.get(overrideParameter) ?? undefined, overrideParameter, false);
        const running = d.state.executions
          .list(ctx.tenant)
          .filter((e) => e.deployment_id === deployment.id && !END_STATES.includes(e.status));
        if (running.length > 0) {
          throw new ManagerError(400, "dependent_exists_error", `Can't delete deployment ${deployment.id} - There are running or queued executions for this deployment. Running executions ids: ${running.map((e) => e.id).join(",")}`);
        }
        // resource_manager.py delete_deployment @4.3 … 5.0.5, check_deployment_delete @6.0 … 7.0.0: a node instance neither
        // uninitialized nor deleted is live; the same error code as for running executions, only the wording differs.
        const live = d.state.nodeInstances.list(ctx.tenant).filter((ni) => ni.deployment_id === deployment.id && !["uninitialized", "deleted"].includes(ni.state));
        if (live.length > 0 && !override) {
          throw new ManagerError(400, "dependent_exists_error", `Can't delete deployment ${deployment.id} - There are live nodes for this deployment. Live nodes ids: ${live.map((ni) => ni.id).join(",")}`);
        }
        d.engine.run(
          { workflowId: DELETE_ENVIRONMENT, deploymentId: deployment.id, blueprintId: deployment.blueprint_id, parameters: {}, isSystem: false, tenant: ctx.tenant, user: ctx.user },
          {
            onSuccess: () => {
              d.state.deployments.delete(deployment.tenant_name, deployment.id);
              for (const ni of d.state.nodeInstances.list(deployment.tenant_name)) {
                if (ni.deployment_id === deployment.id) d.state.nodeInstances.delete(deployment.tenant_name, ni.id);
              }
              for (const e of d.state.executions.list(deployment.tenant_name)) {
                if (e.deployment_id === deployment.id && END_STATES.includes(e.status)) d.state.executions.delete(deployment.tenant_name, e.id);
              }
            },
          },
        );
        return deleteReply(d, view(deployment));
      },
    },
  ];
}

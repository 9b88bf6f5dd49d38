import { BUILT_IN_WORKFLOW_PLUGIN } from "../blueprint-parser";
import { fail, ManagerError, parseBoolean, requireField } from "../http";
import { listReply } from "../listing";
import type { DoubleContext, Route } from "../router";
import type { ExecutionRecord } from "../state";
import { END_STATES } from "../workflows";
import { CREATE_ENVIRONMENT } from "./deployments";

const FIELDS = [
  "id", "workflow_id", "deployment_id", "blueprint_id", "status", "status_display", "error", "parameters", "is_system_workflow", "is_dry_run",
  "created_at", "started_at", "ended_at", "scheduled_for", "visibility", "tenant_name", "created_by",
];
const EVENT_FIELDS = [
  "timestamp", "reported_timestamp", "execution_id", "deployment_id", "workflow_id", "message", "type", "event_type", "level", "node_instance_id", "tenant_name",
];
const CANCEL_ACTIONS = ["cancel", "force-cancel", "kill"];
const NODE_INSTANCE_FIELDS = ["id", "node_id", "host_id", "deployment_id", "state", "visibility", "tenant_name"];

/** /executions and /events. */
export function executionRoutes(d: DoubleContext): Route[] {
  const find = (tenant: string, id: string): ExecutionRecord => {
    const execution = d.state.executions.get(tenant, id);
    if (!execution) throw fail.notFound("Execution", id);
    return execution;
  };

  return [
    {
      method: "POST",
      pattern: "/executions",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const deploymentId = String(requireField(body, "deployment_id"));
        const workflowId = String(requireField(body, "workflow_id"));
        const deployment = d.state.deployments.get(ctx.tenant, deploymentId);
        if (!deployment) throw fail.notFound("Deployment", deploymentId);
        const force = parseBoolean(body.force, "force", false);
        // resources_v1/executions.py @4.3/4.4 read no `queue`: a busy deployment refuses the execution anyway.
        const queue = d.features.executionQueue && parseBoolean(body.queue, "queue", false);
        const dryRun = parseBoolean(body.dry_run, "dry_run", false);
        const allowCustom = parseBoolean(body.allow_custom_parameters, "allow_custom_parameters", false);
        const parameters = (body.parameters ?? {}) as Record<string, unknown>;
        if (typeof parameters !== "object" || Array.isArray(parameters)) throw fail.badParameters("parameters must be a mapping");

        const ofDeployment = d.state.executions.list(ctx.tenant).filter((e) => e.deployment_id === deploymentId);
        const environment = ofDeployment.find((e) => e.workflow_id === CREATE_ENVIRONMENT);
        if (environment?.status === "pending") {
          throw new ManagerError(400, "deployment_environment_creation_pending_error", `Deployment environment creation for ${deploymentId} is still pending`);
        }
        if (environment?.status === "started") {
          throw new ManagerError(400, "deployment_environment_creation_in_progress_error", `Deployment environment creation for ${deploymentId} is in progress`);
        }
        const workflow = deployment.workflows.find((w) => w.name === workflowId);
        if (!workflow) throw new ManagerError(400, "nonexistent_workflow_error", `Workflow ${workflowId} does not exist in the deployment ${deploymentId}`);
        if (workflow.plugin !== BUILT_IN_WORKFLOW_PLUGIN) {
          const declared = workflow.parameters as Record<string, { default?: unknown }>;
          const missing = Object.keys(declared).filter((p) => !(p in parameters) && !("default" in (declared[p] ?? {})));
          const custom = Object.keys(parameters).filter((p) => !(p in declared));
          if (missing.length > 0) {
            throw new ManagerError(400, "illegal_execution_parameters_error", `Workflow "${workflowId}" must be provided with the following parameters to execute: ${missing.join(", ")}`);
          }
          if (custom.length > 0 && !allowCustom) {
            throw new ManagerError(400, "illegal_execution_parameters_error", `Workflow "${workflowId}" does not have the following parameters declared: ${custom.join(", ")}. Remove these parameters or use the flag for allowing custom parameters`);
          }
        }
        const request = { workflowId, deploymentId, blueprintId: deployment.blueprint_id, parameters, isSystem: false, dryRun, tenant: ctx.tenant, user: ctx.user };
        const effects = {
          onSuccess: () => {
            // cloudify-common cloudify/plugins/workflows.py @5.1.0: install_new_agents fails on a host that is not started.
            const unstarted = workflowId === "install_new_agents"
              ? d.state.nodeInstances.list(ctx.tenant).find((ni) => ni.deployment_id === deploymentId && ni.id === ni.host_id && ni.state !== "started")
              : undefined;
            if (unstarted) throw new Error(`RuntimeError: Node ${unstarted.id} is not started (state: ${unstarted.state})`);
            if (dryRun) return;
            // The double's deployments hold one Compute node instance: install starts it, uninstall deletes it.
            if (workflowId === "install" || workflowId === "uninstall") {
              const id = `${deployment.id}_app`;
              const state = workflowId === "install" ? "started" : "deleted";
              d.state.nodeInstances.set(ctx.tenant, id, { id, node_id: "app", host_id: id, deployment_id: deployment.id, state, visibility: deployment.visibility, tenant_name: deployment.tenant_name });
            }
          },
        };
        const running = ofDeployment.some((e) => !END_STATES.includes(e.status) && !e.is_system_workflow);
        if (running && !force) {
          if (queue) return { status: 201, json: d.engine.enqueue(request, effects) };
          throw new ManagerError(400, "existing_running_execution_error", `The following executions are currently running for deployment ${deploymentId}; use force or queue to run anyway`);
        }
        return { status: 201, json: d.engine.run(request, effects) };
      },
    },
    {
      method: "GET",
      pattern: "/executions",
      handler: async (ctx) => {
        const all = parseBoolean(ctx.query.get("_all_tenants"), "_all_tenants", false);
        const system = parseBoolean(ctx.query.get("_include_system_workflows") ?? undefined, "_include_system_workflows", false);
        const items = d.state.executions.list(ctx.tenant, all).filter((e) => system || !e.is_system_workflow);
        return listReply(items as unknown as Record<string, unknown>[], ctx.query, FIELDS, { searchField: "id" });
      },
    },
    {
      method: "GET",
      pattern: "/executions/:id",
      handler: async (ctx) => ({ status: 200, json: find(ctx.tenant, ctx.params.id) }),
    },
    {
      method: "POST",
      pattern: "/executions/:id",
      handler: async (ctx) => {
        const body = await ctx.readJson();
        const action = String(requireField(body, "action"));
        if (!CANCEL_ACTIONS.includes(action)) throw fail.badParameters(`Unknown action ${action}; valid actions: ${CANCEL_ACTIONS.join(", ")}`);
        const execution = find(ctx.tenant, ctx.params.id);
        if (END_STATES.includes(execution.status)) {
          throw new ManagerError(400, "illegal_action_error", `Can't ${action} execution ${execution.id} because it is in status ${execution.status}`);
        }
        d.engine.requestCancel(execution);
        return { status: 200, json: execution };
      },
    },
    {
      method: "GET",
      pattern: "/node-instances",
      handler: async (ctx) => listReply(d.state.nodeInstances.list(ctx.tenant) as unknown as Record<string, unknown>[], ctx.query, NODE_INSTANCE_FIELDS),
    },
    {
      method: "GET",
      pattern: "/events",
      handler: async (ctx) => {
        const visible = d.state.events.filter((e) => e.tenant_name === ctx.tenant);
        return listReply(visible as unknown as Record<string, unknown>[], ctx.query, EVENT_FIELDS, { searchField: "message" });
      },
    },
  ];
}

import { BUILT_IN_WORKFLOW_PLUGIN } from "./blueprint-parser";
import type { CloudifyDouble } from "./index";
import type { DeploymentRecord, NodeInstanceRecord, Visibility } from "./state";

/** A deployment row as the manager would hold it after its environment was created (built-in workflows only). */
export function seedDeployment(d: CloudifyDouble, tenant: string, id: string, visibility: Visibility = "tenant"): DeploymentRecord {
  const now = new Date().toISOString();
  const record: DeploymentRecord = {
    id,
    blueprint_id: `${id}-bp`,
    description: null,
    inputs: {},
    outputs: {},
    capabilities: {},
    groups: {},
    policy_types: {},
    policy_triggers: {},
    scaling_groups: {},
    workflows: ["install", "uninstall", "install_new_agents"].map((name) => ({ name, plugin: BUILT_IN_WORKFLOW_PLUGIN, operation: `cloudify.plugins.workflows.${name}`, parameters: {} })),
    permalink: null,
    visibility,
    tenant_name: tenant,
    created_by: "admin",
    created_at: now,
    updated_at: now,
  };
  d.state.deployments.set(tenant, id, record);
  return record;
}

/** A Compute node instance (its own host) of a deployment, in `state` (e.g. `started`, `uninitialized`, `deleted`). */
export function seedHost(d: CloudifyDouble, tenant: string, deploymentId: string, id: string, state: string): NodeInstanceRecord {
  const record: NodeInstanceRecord = { id, node_id: id.replace(/_[^_]+$/, ""), host_id: id, deployment_id: deploymentId, state, visibility: "tenant", tenant_name: tenant };
  d.state.nodeInstances.set(tenant, id, record);
  return record;
}

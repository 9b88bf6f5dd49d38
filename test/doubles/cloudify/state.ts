/** The double's data model: the manager's tables, per tenant where the manager scopes them. */

export type Visibility = "private" | "tenant" | "global";

export interface TenantRecord {
  name: string;
  created_at: string;
  rabbitmq_username: string;
  rabbitmq_password: string;
  rabbitmq_vhost: string;
}

export interface SecretRecord {
  key: string;
  value: string;
  visibility: Visibility;
  is_hidden_value: boolean;
  tenant_name: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface PluginRecord {
  id: string;
  package_name: string;
  package_version: string;
  archive_name: string;
  package_source: string | null;
  supported_platform: string | null;
  distribution: string | null;
  distribution_version: string | null;
  distribution_release: string | null;
  wheels: string[];
  excluded_wheels: string[];
  supported_py_versions: string[];
  uploaded_at: string;
  visibility: Visibility;
  tenant_name: string;
  created_by: string;
  title: string | null;
  /** The stored wagon (served by GET /plugins/{id}/archive). */
  wagonFile: string;
}

export interface BlueprintPlan {
  description: string | null;
  inputs: Record<string, { default?: unknown; description?: string; type?: string }>;
  outputs: Record<string, { value?: unknown; description?: string }>;
  workflows: Record<string, { operation: string; plugin: string; parameters: Record<string, { default?: unknown }> }>;
  /** package_name of every plugin the blueprint declares. */
  plugin_packages: string[];
}

export interface BlueprintRecord {
  id: string;
  main_file_name: string;
  description: string | null;
  plan: BlueprintPlan | null;
  visibility: Visibility;
  tenant_name: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** 5.2+ only: pending, uploading, extracting, parsing, uploaded, failed_* or invalid. */
  state?: string;
  error?: string | null;
  /** 5.2+: id of the latest `upload_blueprint` execution (answered as the nested `upload_execution` from 6.2). */
  uploadExecutionId?: string;
  archiveFile: string;
}

export interface DeploymentRecord {
  id: string;
  blueprint_id: string;
  description: string | null;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  capabilities: Record<string, unknown>;
  groups: Record<string, unknown>;
  policy_types: Record<string, unknown>;
  policy_triggers: Record<string, unknown>;
  scaling_groups: Record<string, unknown>;
  workflows: { name: string; plugin: string; operation: string; parameters: Record<string, unknown> }[];
  permalink: string | null;
  visibility: Visibility;
  tenant_name: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A node instance: `host_id` names the Compute instance it runs on (a Compute instance's is its own id). */
export interface NodeInstanceRecord {
  id: string;
  node_id: string;
  host_id: string | null;
  deployment_id: string;
  state: string;
  visibility: Visibility;
  tenant_name: string;
}

export interface ExecutionRecord {
  id: string;
  workflow_id: string;
  deployment_id: string | null;
  blueprint_id: string | null;
  status: string;
  status_display: string;
  error: string;
  parameters: Record<string, unknown>;
  is_system_workflow: boolean;
  is_dry_run: boolean;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  scheduled_for: string | null;
  visibility: Visibility;
  tenant_name: string;
  created_by: string;
}

export interface SnapshotRecord {
  id: string;
  created_at: string;
  status: "creating" | "created" | "failed" | "uploaded";
  error: string | null;
  visibility: Visibility;
  tenant_name: string;
  created_by: string;
  archiveFile: string | null;
}

export interface EventRecord {
  timestamp: string;
  reported_timestamp: string;
  execution_id: string;
  deployment_id: string | null;
  workflow_id: string;
  message: string;
  type: "cloudify_event" | "cloudify_log";
  event_type: string | null;
  level: string | null;
  node_instance_id: string | null;
  tenant_name: string;
}

export interface ClusterNodeRecord {
  name: string;
  host_ip: string;
  public_ip: string;
  master: boolean;
  online: boolean;
  initialized: boolean;
  credentials: string | null;
  required: boolean;
  remote_database: boolean;
  /** 4.x per-node health checks (what `cfy cluster nodes list` shows as consul, database, cloudify services, heartbeat: OK/FAIL). */
  checks: { consul: boolean; database: boolean; services: boolean; heartbeat: boolean };
}

/** Objects of one type, kept per tenant; `global` ones are visible from every tenant. */
export class TenantScoped<T extends { visibility: Visibility }> {
  private readonly byTenant = new Map<string, Map<string, T>>();

  private table(tenant: string): Map<string, T> {
    let table = this.byTenant.get(tenant);
    if (!table) this.byTenant.set(tenant, (table = new Map()));
    return table;
  }

  /** The object as seen from `tenant`, with the tenant that owns it. */
  find(tenant: string, id: string): { owner: string; record: T } | undefined {
    const own = this.byTenant.get(tenant)?.get(id);
    if (own) return { owner: tenant, record: own };
    for (const [owner, table] of this.byTenant) {
      const record = table.get(id);
      if (record && record.visibility === "global") return { owner, record };
    }
    return undefined;
  }

  get(tenant: string, id: string): T | undefined {
    return this.find(tenant, id)?.record;
  }

  set(tenant: string, id: string, record: T): void {
    this.table(tenant).set(id, record);
  }

  delete(tenant: string, id: string): void {
    const found = this.find(tenant, id);
    if (found) this.byTenant.get(found.owner)?.delete(id);
  }

  /** Objects visible from `tenant` (own and global), or of every tenant. */
  list(tenant: string, allTenants = false): T[] {
    const result: T[] = [];
    for (const [owner, table] of this.byTenant) {
      for (const record of table.values()) {
        if (allTenants || owner === tenant || record.visibility === "global") result.push(record);
      }
    }
    return result;
  }

  /** Every object of every tenant. */
  all(): T[] {
    return this.list("", true);
  }

  dropTenant(tenant: string): void {
    this.byTenant.delete(tenant);
  }

  clear(): void {
    this.byTenant.clear();
  }
}

/** Tables the double serves; tests read them to check what the manager holds (e.g. no duplicate plugin). */
export class DoubleState {
  readonly tenants = new Map<string, TenantRecord>();
  readonly secrets = new TenantScoped<SecretRecord>();
  readonly plugins = new TenantScoped<PluginRecord>();
  readonly blueprints = new TenantScoped<BlueprintRecord>();
  readonly deployments = new TenantScoped<DeploymentRecord>();
  readonly executions = new TenantScoped<ExecutionRecord>();
  readonly nodeInstances = new TenantScoped<NodeInstanceRecord>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  readonly events: EventRecord[] = [];
  readonly tokens = new Map<string, string>();
  clusterNodes: ClusterNodeRecord[] = [];
  /** 503 `maintenance_mode_active` on every endpoint but /status, /version and /maintenance. */
  maintenance = false;
  /** A restore_snapshot execution is running: guarded endpoints answer 503 `in_snapshot_restore_error`. */
  restoring = false;
  /** Display names of services `GET /status` reports as down (4.x instance state `failed`; 5.0.5+ `Inactive`, overall `Fail`). */
  readonly inactiveServices = new Set<string>();
  /** The database runs on another host (an external PostgreSQL): 4.x/5.0 `GET /status` shows it `remote`. */
  remoteDatabase = false;
}

/** Drops internal fields (file paths, flags) from a record before it is sent. */
export function present<T extends object>(record: T, internal: readonly (keyof T)[]): Record<string, unknown> {
  const copy = { ...record } as Record<string, unknown>;
  for (const key of internal) delete copy[key as string];
  return copy;
}

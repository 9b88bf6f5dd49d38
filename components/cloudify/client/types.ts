/** Shapes of the manager's REST API v3.1 objects (the fields this project reads; the server sends more). */

export type Visibility = "private" | "tenant" | "global";

export interface ListPage<T> {
  readonly items: T[];
  readonly metadata: { readonly pagination: { readonly total: number; readonly size: number; readonly offset: number } };
}

export interface Tenant {
  readonly name: string;
  readonly groups?: unknown;
  readonly users?: unknown;
}

export interface Secret {
  readonly key: string;
  readonly value: string;
  readonly visibility: Visibility;
  readonly is_hidden_value?: boolean;
  readonly created_at: string;
  readonly updated_at: string;
  readonly tenant_name: string;
}

export interface Plugin {
  readonly id: string;
  readonly package_name: string;
  readonly package_version: string;
  readonly archive_name: string;
  readonly distribution: string | null;
  readonly supported_platform: string | null;
  readonly uploaded_at: string;
  readonly visibility: Visibility;
  readonly tenant_name: string;
  readonly installation_state?: unknown;
}

/** 5.2+ asynchronous upload states of a blueprint row. */
export const BLUEPRINT_UPLOADED = "uploaded";
export const BLUEPRINT_FAILED_STATES: readonly string[] = [
  "failed_uploading",
  "failed_extracting",
  "failed_parsing",
  "failed_extracting_to_file_server",
  "invalid",
];

export interface Blueprint {
  readonly id: string;
  readonly main_file_name: string;
  readonly description: string | null;
  readonly plan: { readonly inputs?: Record<string, { readonly default?: unknown }> } & Record<string, unknown>;
  readonly visibility: Visibility;
  readonly tenant_name: string;
  readonly created_at: string;
  /** 5.2+ only. */
  readonly state?: string;
  readonly error?: string | null;
  /**
   * The `upload_blueprint` execution of the latest upload (storage/resource_models.py Blueprint.response_fields @6.2.0 …
   * 7.0.4; absent before 6.2). Null once that execution is deleted.
   */
  readonly upload_execution?: Pick<Execution, "id" | "status" | "error"> | null;
}

export interface Deployment {
  readonly id: string;
  readonly blueprint_id: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
  readonly visibility: Visibility;
  readonly tenant_name: string;
  readonly created_at: string;
  readonly workflows: { readonly name: string }[];
}

export const EXECUTION_END_STATES: readonly string[] = ["terminated", "failed", "cancelled"];

export interface Execution {
  readonly id: string;
  readonly workflow_id: string;
  readonly deployment_id: string | null;
  readonly blueprint_id: string | null;
  readonly status: string;
  readonly error: string;
  readonly parameters: Record<string, unknown> | null;
  readonly is_system_workflow: boolean;
  readonly created_at: string;
  readonly ended_at: string | null;
}

export interface Snapshot {
  readonly id: string;
  readonly status: "creating" | "created" | "failed" | "uploaded";
  readonly error: string | null;
  readonly created_at: string;
}

/** `GET /status`: 4.3–5.0 and 5.0.5+ shapes. */
export type ManagerStatus =
  | { readonly status: "running"; readonly services: { readonly display_name: string; readonly instances: { readonly state: string }[] }[] }
  | { readonly status: "OK" | "Fail"; readonly services: Record<string, { readonly status: "Active" | "Inactive"; readonly is_remote?: boolean }> };

export interface ManagerVersion {
  readonly edition: string;
  readonly version: string;
  readonly build?: string;
  readonly date?: string;
  readonly commit?: string;
  readonly distribution?: string;
  readonly distro_release?: string;
}

/** 4.x `GET /cluster/nodes` item. */
export interface ClusterNode {
  readonly name: string;
  readonly host_ip: string;
  readonly public_ip?: string;
  readonly master: boolean;
  readonly online: boolean;
  readonly initialized: boolean;
}

/** 5.0.5+ `GET /cluster-status` (premium). */
export interface ClusterStatusAnswer {
  readonly status: string;
  readonly services: Record<string, { readonly status: string; readonly nodes?: Record<string, { readonly status: string; readonly private_ip?: string }> }>;
}

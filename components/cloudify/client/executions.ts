import { pollUntil } from "./backoff";
import { CloudifyError, isNotFound } from "./errors";
import { listAll } from "./list";
import type { ManagerApi } from "./manager";
import { objectPath } from "./paths";
import type { CloudifyRest } from "./rest";
import { EXECUTION_END_STATES, type Execution } from "./types";
import { requireCapability } from "./versions";

export interface StartExecution {
  readonly deploymentId: string;
  readonly workflowId: string;
  readonly parameters?: Record<string, unknown>;
  readonly allowCustomParameters?: boolean;
  readonly force?: boolean;
  readonly queue?: boolean;
  readonly dryRun?: boolean;
}

/** An execution ended `failed` or `cancelled`; `execution.error` is the manager's account. */
export class ExecutionFailedError extends CloudifyError {
  constructor(readonly execution: Execution) {
    super(
      `Cloudify execution ${execution.id} (workflow ${execution.workflow_id}` +
        `${execution.deployment_id ? ` on deployment ${execution.deployment_id}` : ""}) ended ${execution.status}` +
        `${execution.error ? `: ${execution.error}` : ""}`,
      "ExecutionFailedError",
    );
  }
}

/** Sets of execution ids, to find the one a lost POST created. */
function idsOf(executions: readonly Execution[]): Set<string> {
  return new Set(executions.map((e) => e.id));
}

/** `/executions`. */
export class ExecutionsApi {
  constructor(
    private readonly rest: CloudifyRest,
    private readonly manager: ManagerApi,
    private readonly pollIntervalMs: number,
  ) {}

  /**
   * Starts a workflow. POST is not idempotent: after a dropped connection or 5xx the client looks for an execution of
   * this workflow on this deployment that did not exist before, and adopts it instead of starting a second one.
   * `queue` on a manager that ignores it (it would run at once, or be refused as busy) is refused before anything is sent.
   */
  async start(request: StartExecution): Promise<Execution> {
    if (request.queue) requireCapability(await this.manager.profile(), "executionQueue", "queued executions (queue: true)");
    const filter = { deploymentId: request.deploymentId, workflowId: request.workflowId, includeSystem: true };
    const before = idsOf(await this.list(filter));
    return this.rest.call<Execution>({
      method: "POST",
      path: "/executions",
      json: {
        deployment_id: request.deploymentId,
        workflow_id: request.workflowId,
        parameters: request.parameters ?? null,
        allow_custom_parameters: String(request.allowCustomParameters ?? false),
        force: String(request.force ?? false),
        dry_run: String(request.dryRun ?? false),
        queue: String(request.queue ?? false),
      },
      expect: [201],
      reconcile: async () => (await this.list(filter)).find((e) => !before.has(e.id)),
    });
  }

  async get(id: string): Promise<Execution | undefined> {
    try {
      return await this.rest.call<Execution>({ method: "GET", path: objectPath("executions", id), expect: [200] });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  list(filter: { deploymentId?: string; workflowId?: string; includeSystem?: boolean } = {}): Promise<Execution[]> {
    return listAll<Execution>(this.rest, "/executions", {
      deployment_id: filter.deploymentId,
      workflow_id: filter.workflowId,
      _include_system_workflows: filter.includeSystem ?? false,
      _sort: "created_at",
    });
  }

  /**
   * Waits until no execution of the deployment runs or waits in the queue: the manager refuses to delete a deployment
   * before that (400 `dependent_exists_error`).
   */
  async waitIdle(deploymentId: string, timeoutMs: number): Promise<void> {
    let busy: Execution[] = [];
    await pollUntil(
      async () => {
        busy = (await this.list({ deploymentId, includeSystem: true })).filter((e) => !EXECUTION_END_STATES.includes(e.status));
        return busy.length === 0 ? true : undefined;
      },
      { intervalMs: this.pollIntervalMs, timeoutMs, describe: () => `executions on deployment ${deploymentId} to end (${busy.map((e) => `${e.workflow_id} ${e.status}`).join(", ")})` },
    );
  }

  /** `action`: "cancel" | "force-cancel" | "kill". */
  cancel(id: string, action: "cancel" | "force-cancel" | "kill" = "cancel"): Promise<Execution> {
    return this.rest.call<Execution>({ method: "POST", path: objectPath("executions", id), json: { action }, expect: [200], idempotent: true });
  }

  /** Polls until the execution reaches `terminated`, `failed` or `cancelled` and returns it (whatever the end state). */
  async waitForEnd(id: string, timeoutMs: number): Promise<Execution> {
    let last: Execution | undefined;
    return pollUntil(
      async () => {
        last = await this.get(id);
        if (last === undefined) throw new Error(`Cloudify execution ${id} disappeared while waiting for its end`);
        return EXECUTION_END_STATES.includes(last.status) ? last : undefined;
      },
      { intervalMs: this.pollIntervalMs, timeoutMs, describe: () => `execution ${id} to end (still ${last?.status ?? "unknown"})` },
    );
  }

  /** Waits for the end and throws ExecutionFailedError unless it ended `terminated`. */
  async waitForSuccess(id: string, timeoutMs: number): Promise<Execution> {
    const execution = await this.waitForEnd(id, timeoutMs);
    if (execution.status !== "terminated") throw new ExecutionFailedError(execution);
    return execution;
  }
}

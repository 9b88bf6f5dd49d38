import { randomUUID } from "node:crypto";
import { timestamp } from "./http";
import type { DoubleState, ExecutionRecord, Visibility } from "./state";

/** How the next matching execution(s) of a workflow end. */
export interface WorkflowOutcome {
  /** Ends `failed` with this error (default: `terminated`). */
  readonly error?: string;
  readonly durationMs?: number;
  /** Only executions on this deployment. */
  readonly deploymentId?: string;
  /** How many executions it applies to (default 1). */
  readonly times?: number;
}

/** What an execution does to the tables when it ends; a throw from onSuccess fails the execution with that message. */
export interface WorkflowEffects {
  readonly onSuccess?: () => void | Promise<void>;
  readonly onEnd?: (execution: ExecutionRecord) => void;
}

export const END_STATES = ["terminated", "failed", "cancelled"];

export interface NewExecution {
  readonly workflowId: string;
  readonly deploymentId: string | null;
  readonly blueprintId: string | null;
  readonly parameters: Record<string, unknown>;
  readonly isSystem: boolean;
  readonly dryRun?: boolean;
  readonly tenant: string;
  readonly user: string;
  readonly visibility?: Visibility;
}

/** Runs executions on timers: pending → started → terminated | failed (| cancelled), with events and queueing. */
export class WorkflowEngine {
  private readonly outcomes: (WorkflowOutcome & { workflowId: string; used: number })[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly queued: { execution: ExecutionRecord; effects: WorkflowEffects }[] = [];
  /** Effects of executions not ended yet, by id (for cancellation). */
  private readonly pendingEffects = new Map<string, WorkflowEffects>();

  constructor(
    private readonly state: DoubleState,
    private readonly defaultDurationMs: number,
  ) {}

  /** Scripts how the next execution(s) of `workflowId` end. */
  script(workflowId: string, outcome: WorkflowOutcome): void {
    this.outcomes.push({ ...outcome, workflowId, used: 0 });
  }

  create(request: NewExecution): ExecutionRecord {
    const now = timestamp();
    const execution: ExecutionRecord = {
      id: randomUUID(),
      workflow_id: request.workflowId,
      deployment_id: request.deploymentId,
      blueprint_id: request.blueprintId,
      status: "pending",
      status_display: "pending",
      error: "",
      parameters: request.parameters,
      is_system_workflow: request.isSystem,
      is_dry_run: request.dryRun ?? false,
      created_at: now,
      started_at: null,
      ended_at: null,
      scheduled_for: null,
      visibility: request.visibility ?? "tenant",
      tenant_name: request.tenant,
      created_by: request.user,
    };
    this.state.executions.set(request.tenant, execution.id, execution);
    return execution;
  }

  /** Creates and runs an execution. */
  run(request: NewExecution, effects: WorkflowEffects = {}): ExecutionRecord {
    const execution = this.create(request);
    this.start(execution, effects);
    return execution;
  }

  /** Creates an execution left `queued` until the running one on its deployment ends. */
  enqueue(request: NewExecution, effects: WorkflowEffects = {}): ExecutionRecord {
    const execution = this.create(request);
    this.setStatus(execution, "queued");
    this.queued.push({ execution, effects });
    return execution;
  }

  /** Resolves when the execution has ended (for synchronous endpoints). */
  async finished(execution: ExecutionRecord): Promise<void> {
    while (!END_STATES.includes(execution.status)) await new Promise((r) => this.later(2, () => r(undefined)));
  }

  /** Cancels soon after the request, as a workflow reacting to it would. */
  requestCancel(execution: ExecutionRecord): void {
    this.setStatus(execution, "cancelling");
    this.later(5, () => this.end(execution, this.pendingEffects.get(execution.id) ?? {}, "cancelled", ""));
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private takeOutcome(execution: ExecutionRecord): WorkflowOutcome {
    const outcome = this.outcomes.find(
      (o) => o.workflowId === execution.workflow_id && o.used < (o.times ?? 1) && (o.deploymentId === undefined || o.deploymentId === execution.deployment_id),
    );
    if (!outcome) return {};
    outcome.used++;
    return outcome;
  }

  private setStatus(execution: ExecutionRecord, status: string): void {
    execution.status = status;
    execution.status_display = status;
  }

  private event(execution: ExecutionRecord, message: string, eventType: string): void {
    const now = timestamp();
    this.state.events.push({
      timestamp: now,
      reported_timestamp: now,
      execution_id: execution.id,
      deployment_id: execution.deployment_id,
      workflow_id: execution.workflow_id,
      message,
      type: "cloudify_event",
      event_type: eventType,
      level: null,
      node_instance_id: null,
      tenant_name: execution.tenant_name,
    });
  }

  private start(execution: ExecutionRecord, effects: WorkflowEffects): void {
    const outcome = this.takeOutcome(execution);
    this.pendingEffects.set(execution.id, effects);
    this.later(1, () => {
      if (execution.status !== "pending" && execution.status !== "queued") return; // cancelled meanwhile
      this.setStatus(execution, "started");
      execution.started_at = timestamp();
      this.event(execution, `Starting '${execution.workflow_id}' workflow execution`, "workflow_started");
      this.later(outcome.durationMs ?? this.defaultDurationMs, () => {
        if (execution.status !== "started") return; // cancelled meanwhile
        if (outcome.error !== undefined) return this.end(execution, effects, "failed", outcome.error);
        Promise.resolve()
          .then(() => effects.onSuccess?.())
          .then(
            () => this.end(execution, effects, "terminated", ""),
            (error: Error) => this.end(execution, effects, "failed", error.message),
          );
      });
    });
  }

  private end(execution: ExecutionRecord, effects: WorkflowEffects, status: string, error: string): void {
    if (END_STATES.includes(execution.status)) return;
    this.setStatus(execution, status);
    execution.error = error;
    execution.ended_at = timestamp();
    this.pendingEffects.delete(execution.id);
    const outcome = status === "terminated" ? "succeeded" : status === "cancelled" ? "cancelled" : `failed: ${error}`;
    this.event(execution, `'${execution.workflow_id}' workflow execution ${outcome}`, `workflow_${status === "terminated" ? "succeeded" : status}`);
    effects.onEnd?.(execution);
    const next = this.queued.findIndex((q) => q.execution.deployment_id === execution.deployment_id && q.execution.tenant_name === execution.tenant_name);
    if (next >= 0 && execution.deployment_id !== null) {
      const [{ execution: queued, effects: queuedEffects }] = this.queued.splice(next, 1);
      this.start(queued, queuedEffects);
    }
  }
}

import { healingGaps, planHeal, unexpectedChanges, type HealPlan, type HealView, type ResourceStep } from "./heal-plan";

/** What healing does to the world, injected: the Automation API and the REST client in use, recording fakes in tests. */
export interface HealOperations {
  /** `pulumi refresh`: servers deleted behind Pulumi's back leave the state, the status is read again. */
  refresh(): Promise<void>;
  inspect(): Promise<HealView>;
  /** `pulumi preview --replace …`: the steps an update would take. */
  preview(replace: readonly string[]): Promise<ResourceStep[]>;
  /** Sets `cmom:cluster.rejoinVia`: the rebuilt node 0 joins the live cluster through that address. */
  setRejoinVia(privateIp: string): Promise<void>;
  /** Sets `cmom:backup.trigger` and updates only the Backup resource. */
  backup(trigger: string, backupUrn: string): Promise<void>;
  /** `DELETE /cluster/nodes/{name}` through the members at `via` (leader first). */
  removeClusterNode(name: string, via: readonly string[]): Promise<void>;
  /** `pulumi up --replace …`: the steps it completed, in completion order. */
  up(replace: readonly string[]): Promise<ResourceStep[]>;
}

/** Healing refused before anything changed. */
export class HealRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HealRefusedError";
  }
}

export interface HealOptions {
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** Stop after the plan and the preview check. */
  readonly dryRun?: boolean;
}

/**
 * `npm run heal`: refresh; plan (refuse when no member answers, or when the leader itself is stale); check that the update
 * touches only the stale nodes; for a rebuilt node 0, set cmom:cluster.rejoinVia so it joins the live leader instead of
 * starting a cluster; back up; remove each stale node from the cluster through a live member; update, replacing the stale
 * servers (same port, so same address) — their install steps and join rerun because they trigger on the server id; then
 * check that each stale node got a new server, an install and a join, in that order.
 */
export async function heal(ops: HealOperations, options: HealOptions = {}): Promise<HealPlan> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  log("refreshing the state (pulumi refresh)");
  await ops.refresh();
  const view = await ops.inspect();
  const plan = planHeal(view);
  if (plan.kind === "refuse") throw new HealRefusedError(`not healing ${view.scope.stack}: ${plan.reason}`);
  if (plan.kind === "healthy") {
    log(`nothing to heal: ${plan.reason}`);
    return plan;
  }
  for (const t of plan.targets) log(`${t.name} (node ${t.index}) needs healing: ${t.reason}`);

  const unexpected = unexpectedChanges(await ops.preview(plan.replace), plan, view.scope.stack);
  if (unexpected.length > 0) {
    throw new HealRefusedError(`not healing ${view.scope.stack}: the update would also change resources of healthy nodes or shared ones:\n  ${unexpected.join("\n  ")}`);
  }
  if (options.dryRun) {
    if (plan.rejoinVia !== undefined) log(`would set cmom:cluster.rejoinVia = ${plan.rejoinVia}: node 0 joins the live leader instead of starting a cluster`);
    log("dry run: stopping before the backup");
    return plan;
  }
  // Set only once the preview passed (a refusal leaves the stack as it was); the preview already covers node 0's cluster step.
  if (plan.rejoinVia !== undefined) {
    log(`node 0 will join the live leader: cmom:cluster.rejoinVia = ${plan.rejoinVia}`);
    await ops.setRejoinVia(plan.rejoinVia);
  }
  const trigger = now().toISOString();
  log(`taking a backup first (cmom:backup.trigger = ${trigger})`);
  await ops.backup(trigger, plan.backupUrn);
  for (const t of plan.targets) {
    log(`removing ${t.name} from the cluster through ${plan.liveMembers[0]}`);
    await ops.removeClusterNode(t.name, plan.liveMembers);
  }
  log(`recreating ${plan.targets.map((t) => t.name).join(", ")}: new server, install, join (pulumi up)`);
  const gaps = healingGaps(await ops.up(plan.replace), plan, view.scope.stack);
  if (gaps.length > 0) throw new Error(`the update finished, but healing is incomplete:\n  ${gaps.join("\n  ")}`);
  log("healed");
  return plan;
}

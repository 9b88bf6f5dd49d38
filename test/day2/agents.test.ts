import { afterAll, describe, expect, it } from "vitest";
import { installNewAgents } from "../../components/cloudify/day2/restore-steps";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { seedDeployment, seedHost } from "../doubles/cloudify/seeds";
import { FAST_TUNING } from "../cloudify/fixtures";

/** New agents after a restore leave out deployments that are not installed, as `cfy agents install` of each version does. */
const doubles: CloudifyDouble[] = [];
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
});

/** ready: its host started; half: host started, a non-host instance not; down: its host never started. */
async function managerWithDeployments(version: string): Promise<CloudifyDouble> {
  const d = await startCloudifyDouble({ version, workflowDurationMs: 5 });
  doubles.push(d);
  for (const id of ["ready", "half", "down"]) seedDeployment(d, "default_tenant", id);
  seedHost(d, "default_tenant", "ready", "vm_ready1", "started");
  seedHost(d, "default_tenant", "half", "vm_half1", "started");
  d.state.nodeInstances.set("default_tenant", "app_half1", {
    id: "app_half1", node_id: "app", host_id: "vm_half1", deployment_id: "half", state: "uninitialized", visibility: "tenant", tenant_name: "default_tenant",
  });
  seedHost(d, "default_tenant", "down", "vm_down1", "uninitialized");
  return d;
}

const agentRuns = (d: CloudifyDouble) => d.state.executions.all().filter((e) => e.workflow_id === "install_new_agents");

describe("install_new_agents after a restore", () => {
  it("4.5: only deployments whose every instance is started (cloudify-cli agents.py @4.5), the others reported", async () => {
    const d = await managerWithDeployments("4.5");
    const result = await installNewAgents(d.connection(), { ...FAST_TUNING }, "", 10_000);
    expect(result.runs.map((r) => r.deploymentId)).toEqual(["ready"]);
    expect(result.skipped).toEqual([
      { tenant: "default_tenant", deploymentId: "half", reason: "node instance not started: app_half1 (uninitialized)" },
      { tenant: "default_tenant", deploymentId: "down", reason: "node instance not started: vm_down1 (uninitialized)" },
    ]);
    expect(agentRuns(d).map((e) => [e.deployment_id, e.status])).toEqual([["ready", "terminated"]]);
  });

  it.each(["4.6", "5.1", "7.0"])("%s: only deployments whose Compute instances are not all started are left out (agents.py @4.6)", async (version) => {
    const d = await managerWithDeployments(version);
    const result = await installNewAgents(d.connection(), { ...FAST_TUNING }, "", 10_000);
    expect(result.runs.map((r) => r.deploymentId)).toEqual(["ready", "half"]);
    expect(result.skipped).toEqual([{ tenant: "default_tenant", deploymentId: "down", reason: "node instance not started: vm_down1 (uninitialized)" }]);
    expect(agentRuns(d).every((e) => e.status === "terminated")).toBe(true);
  });
});

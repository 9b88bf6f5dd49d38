import { describe, expect, it } from "vitest";
import { runPlanMain } from "../support/runProgram";
import { runScriptProcessIn } from "../support/runScript";

/** `npm run plan` as a user runs it, offline: a process of its own with no kubeconfig, cluster or proxy to reach one. */
function planOffline(...args: string[]) {
  return runScriptProcessIn({ PATH: process.env.PATH, HOME: "/nonexistent", KUBECONFIG: "/nonexistent/kubeconfig" }, "plan", ...args);
}

describe("npm run plan -- k8s / k8s-modern", () => {
  it("plans the k8s example offline, with the Service address as the master", () => {
    const run = planOffline("k8s");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Stack k8s: 14 resources$/m);
    expect(run.stdout).toMatch(/^ {2}\+ kubernetes:apps\/v1:StatefulSet {2}k8s-statefulset$/m);
    expect(run.stdout).toMatch(/^ {2}clusterIps: \{"master":"203\.0\.113\.\d+","slaves":\[\]\}$/m);
    expect(run.stdout).toContain('"name":"cloudify-manager-0"');
  });

  it("plans the modern (7.0.0) example offline, with the rendered manager config and two labelled namespaces", () => {
    const run = planOffline("k8s-modern");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Stack k8s-modern: 13 resources$/m);
    expect(run.stdout).toMatch(/^ {2}\+ kubernetes:core\/v1:ConfigMap {2}k8s-modern-manager-config$/m);
    expect(run.stdout).toMatch(/^ {2}\+ kubernetes:core\/v1:Namespace {2}k8s-modern-plugin-namespace$/m);
  });

  // What is printed does not depend on the process: the script's main, run here.
  it("prints the secret-carrying Secret masked in JSON", async () => {
    const run = await runPlanMain("k8s", "--json");
    expect(run.status, run.stderr).toBe(0);
    const secret = JSON.parse(run.stdout).resources.find((r: { type: string }) => r.type === "kubernetes:core/v1:Secret");
    expect(secret.inputs.stringData).toBe("[secret]");
  });
});

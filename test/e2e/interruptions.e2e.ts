import { afterEach, describe, expect, it } from "vitest";
import { killWhen } from "./support/engineProject";
import { DECLARED_CONTENT, managerContent, managerStack, type ManagerStack } from "./support/managerStack";

/** After a rerun: the manager holds each object once, each workflow ran once, and the state matches the manager. */
async function expectConverged(s: ManagerStack): Promise<void> {
  expect(managerContent(s.double)).toEqual(DECLARED_CONTENT);
  const mark = s.mark();
  await s.project.stackOk("refresh", "--expect-no-changes");
  await s.project.stackOk("preview", "--expect-no-changes");
  expect(s.writesSince(mark)).toEqual([]);
}

describe("an update killed midway, rerun", () => {
  let s: ManagerStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  // Kill points by the number of changes the manager has received: after the tenant, amid the uploads, amid the deployments
  // and runs. The whole process group dies at once (the script, the CLI, every provider), as on a power cut.
  it.each([2, 5, 8])("converges when killed after %i changes reached the manager", async (changes) => {
    s = await managerStack(`kill${changes}`);
    const stack = s;
    const run = stack.project.startScript("stack", ["up", stack.project.stack]);
    const result = await killWhen(run, () => stack.writesSince(0).length >= changes);
    expect(result.signal, `the update finished before the kill point:\n${result.stdout}`).toBe("SIGKILL");
    expect(managerContent(stack.double)).not.toEqual(DECLARED_CONTENT);

    const rerun = await stack.project.script("stack", ["up", stack.project.stack]);
    expect(rerun.code, `${rerun.stdout}\n${rerun.stderr}`).toBe(0);
    await expectConverged(stack);
  });
});

describe("faults of the manager during an update", () => {
  let s: ManagerStack | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it("5xx bursts, dropped connections, answers lost and 502s after the manager acted end in the same objects as without", async () => {
    s = await managerStack("faults");
    const { faults } = s.double;
    const injected = [
      faults.inject({ method: "POST", path: /^\/tenants\//, times: 2, action: { kind: "status", status: 503 } }),
      faults.inject({ method: "PUT", path: /^\/secrets\//, times: 3, action: { kind: "status", status: 500 } }),
      faults.inject({ method: "POST", path: /^\/plugins/, times: 1, action: { kind: "drop-on-request" } }),
      faults.inject({ method: "PUT", path: /^\/blueprints\//, times: 2, action: { kind: "status", status: 502 } }),
      faults.inject({ method: "PUT", path: /^\/deployments\//, times: 1, action: { kind: "drop-after-processing" } }),
      faults.inject({ method: "POST", path: /^\/executions$/, times: 1, action: { kind: "drop-after-processing" } }),
      // A proxy in front of the manager timing out: the manager acted, the client sees 502.
      faults.inject({ method: "POST", path: /^\/executions$/, times: 1, action: { kind: "bad-gateway-after-processing" } }),
      faults.inject({ method: "PUT", path: /^\/secrets\//, times: 1, action: { kind: "bad-gateway-after-processing" } }),
    ];
    await s.project.stackOk("up");
    expect(injected.map((f) => f.hits), "every fault met its requests").toEqual(injected.map((f) => f.rule.times));
    await expectConverged(s);
  });
});

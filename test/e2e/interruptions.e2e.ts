import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { managerContent, managerStack, type ManagerStack } from "./support/managerStack";

/** What the manager holds after a complete `up` of the test stack (see managerStack). */
const COMPLETE = {
  tenants: ["default_tenant", "ops"],
  secrets: ["ops/api_token", "ops/db_password"],
  plugins: ["cmom-e2e-plugin"],
  blueprints: ["jobs", "web"],
  deployments: ["jobs-1", "web-1"],
  executions: ["jobs-1:install:terminated", "web-1:install:terminated"],
};

/** After a rerun: the manager holds each object once, each workflow ran once, and the state matches the manager. */
async function expectConverged(s: ManagerStack): Promise<void> {
  expect(managerContent(s.double)).toEqual(COMPLETE);
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
    let killed = false;
    const watcher = (async () => {
      while (!killed) {
        if (stack.writesSince(0).length >= changes) {
          killed = true;
          run.kill();
        }
        await sleep(5);
      }
    })();
    const result = await run.done;
    killed = true;
    await watcher;
    expect(result.signal, `the update finished before the kill point:\n${result.stdout}`).toBe("SIGKILL");
    expect(managerContent(stack.double)).not.toEqual(COMPLETE);

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

  it("5xx bursts, dropped connections and an answer lost after the manager acted end in the same objects as without", async () => {
    s = await managerStack("faults");
    const { faults } = s.double;
    faults.inject({ method: "PUT", path: /^\/tenants\//, times: 2, action: { kind: "status", status: 503 } });
    faults.inject({ method: "PUT", path: /^\/secrets$/, times: 3, action: { kind: "status", status: 500 } });
    faults.inject({ method: "POST", path: /^\/plugins$/, times: 1, action: { kind: "drop-on-request" } });
    faults.inject({ method: "PUT", path: /^\/blueprints\//, times: 2, action: { kind: "status", status: 502 } });
    faults.inject({ method: "PUT", path: /^\/deployments\//, times: 1, action: { kind: "drop-after-processing" } });
    faults.inject({ method: "POST", path: /^\/executions$/, times: 1, action: { kind: "drop-after-processing" } });
    await s.project.stackOk("up");
    await expectConverged(s);
  });
});

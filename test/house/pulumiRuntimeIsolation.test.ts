// Test files that use the Pulumi runtime share worker processes (vitest.config.mts); what one leaves behind must not reach
// the next. This file leaks on purpose and checks what the next file would get.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { freshPulumiRuntime, restoreEnvironment } from "../support/freshPulumiRuntime";

const runtimeState: { getGlobalStore(): { resourceModules: Map<string, unknown> } } = require("@pulumi/pulumi/runtime/state");

/** What the runtime says about itself that a program or a test reads. */
function runtimeView() {
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    preview: pulumi.runtime.isDryRun(),
    config: pulumi.runtime.allConfig(),
    monitor: pulumi.runtime.hasMonitor(),
  };
}
class Thing extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Thing", name, {});
  }
}
const FRESH = { project: "project", stack: "stack", preview: false, config: {}, monitor: false };

describe("a test file sharing a worker with other files that use the Pulumi runtime", () => {
  it("starts with the runtime as a fresh process has it", async () => {
    expect(runtimeView()).toEqual(FRESH);
  });

  it("gets no mocks, config, project or stack the file before it left", async () => {
    const created: string[] = [];
    await pulumi.runtime.setMocks({
      newResource: (args) => {
        created.push(args.name);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    }, "leaky", "left-over", true);
    pulumi.runtime.setAllConfig({ "leaky:password": "hunter2" }, ["leaky:password"]);
    const thing = new Thing("leaked");
    await new Promise<string>((resolve) => thing.urn.apply(resolve));
    expect(created).toEqual(["leaked"]);
    expect(runtimeView()).toEqual({ project: "leaky", stack: "left-over", preview: true, config: { "leaky:password": "hunter2" }, monitor: true });

    freshPulumiRuntime();

    expect(runtimeView()).toEqual(FRESH);
    expect(new pulumi.Config("leaky").get("password")).toBeUndefined();
  });

  it("keeps what the loaded SDKs registered when they were imported (they are not imported again)", async () => {
    await import("@pulumi/openstack");
    const registered = [...runtimeState.getGlobalStore().resourceModules.keys()];
    expect(registered.some((key) => key.startsWith("openstack:"))).toBe(true);
    freshPulumiRuntime();
    expect([...runtimeState.getGlobalStore().resourceModules.keys()]).toEqual(registered);
  });

  it("gets the environment back as it was before the file changed it", () => {
    const saved = { ...process.env };
    process.env.CMOM_LEFT_OVER = "leaked";
    process.env.PATH = "/nowhere";
    delete process.env.HOME;
    restoreEnvironment(saved);
    expect({ ...process.env }).toEqual(saved);
  });
});

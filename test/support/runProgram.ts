import { vi } from "vitest";
import { runUnderMocks, type MockRunOptions } from "../../scripts/plan/recordingMocks";
import { toPulumiConfig, type Namespaces } from "./exampleStacks";

/** Runs index.ts afresh under recording mocks with the given namespaces. */
export async function runProgram(ns: Namespaces, options: Partial<MockRunOptions> = {}) {
  vi.resetModules();
  const { config, secretKeys } = toPulumiConfig(ns);
  return runUnderMocks({ project: "cmom", stack: "test", config, secretKeys, ...options }, async () => ({ ...(await import("../../index")) }) as Record<string, unknown>);
}

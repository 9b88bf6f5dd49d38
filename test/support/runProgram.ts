import { planMain } from "../../scripts/plan";
import { runUnderMocks, type MockRunOptions } from "../../scripts/plan/recordingMocks";
import { toPulumiConfig, type Namespaces } from "./exampleStacks";
import { runScriptMain } from "./runScript";

let runs = 0;

/**
 * Evaluates index.ts anew (the program runs again) and returns its exports. Only index.ts is evaluated again: the modules
 * it imports stay loaded, as they do for every program the Automation API runs in one process, so each dynamic provider
 * is serialized once (Pulumi keeps that per provider object) instead of at every run.
 */
export async function loadProgramAfresh(): Promise<Record<string, unknown>> {
  return { ...(await import(/* @vite-ignore */ `../../index.ts?run=${++runs}`)) };
}

/** Runs index.ts afresh under recording mocks with the given namespaces. */
export async function runProgram(ns: Namespaces, options: Partial<MockRunOptions> = {}) {
  const { config, secretKeys } = toPulumiConfig(ns);
  return runUnderMocks({ project: "cmom", stack: "test", config, secretKeys, ...options }, loadProgramAfresh);
}

/** `npm run plan -- <argv>` through the script's main, in this process (the program evaluated anew): exit code and output. */
export const runPlanMain = (...argv: string[]) => runScriptMain((io) => planMain(io, loadProgramAfresh), ...argv);

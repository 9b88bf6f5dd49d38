/**
 * What a test file that uses the Pulumi runtime gets in a worker shared with other such files (see pulumiRuntimeSetup.ts):
 * the runtime's global state (mocks, config, project and stack, the stack resource) as a fresh process has it, and the
 * environment put back once it is done.
 */
interface RuntimeStore {
  resourcePackages: Map<string, unknown>;
  resourceModules: Map<string, unknown>;
}
const runtimeState: { LocalStore: new () => RuntimeStore; getGlobalStore(): RuntimeStore } = require("@pulumi/pulumi/runtime/state");
const runtimeSettings: { _reset(): void } = require("@pulumi/pulumi/runtime/settings");

/**
 * Replaces the runtime's state with a new store, as Pulumi's Automation API starts each inline program in a new one (a
 * `LocalStore`, see automation/server.js). The resource packages and modules the loaded SDKs registered when they were
 * imported are kept: they belong to the loaded code, which is not loaded again.
 */
export function freshPulumiRuntime(): void {
  const previous = runtimeState.getGlobalStore();
  // Drops the monitor and engine clients the settings module holds outside the store.
  runtimeSettings._reset();
  const store = new runtimeState.LocalStore();
  store.resourcePackages = previous.resourcePackages;
  store.resourceModules = previous.resourceModules;
  const globals = globalThis as { globalStore?: RuntimeStore; stackResource?: unknown };
  globals.globalStore = store;
  globals.stackResource = undefined;
}

/** Puts process.env back to `saved`: variables added since are removed, changed ones restored. */
export function restoreEnvironment(saved: Readonly<NodeJS.ProcessEnv>): void {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
}

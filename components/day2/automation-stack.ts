import type { ConfigValue, EngineEvent, OutputMap } from "@pulumi/pulumi/automation";

/**
 * The part of an Automation API stack (`LocalWorkspace.selectStack`) that cmom's scripts use, so that their logic can be
 * tested with a recording fake. The real one needs the Pulumi CLI on PATH.
 */
export interface AutomationStack {
  readonly name: string;
  refresh(opts?: { onOutput?: (out: string) => void }): Promise<unknown>;
  preview(opts?: { replace?: string[]; onOutput?: (out: string) => void; onEvent?: (event: EngineEvent) => void }): Promise<unknown>;
  up(opts?: { replace?: string[]; target?: string[]; onOutput?: (out: string) => void; onEvent?: (event: EngineEvent) => void }): Promise<{ outputs: OutputMap }>;
  exportStack(): Promise<{ deployment: unknown }>;
  getConfig(key: string, path?: boolean): Promise<ConfigValue>;
  setConfig(key: string, value: ConfigValue, path?: boolean): Promise<void>;
}

/** Sets `cmom:backup.trigger` (what `pulumi config set --path backup.trigger <value>` does): the next update takes a backup. */
export function setBackupTrigger(stack: AutomationStack, trigger: string): Promise<void> {
  return stack.setConfig("backup.trigger", { value: trigger }, true);
}

/**
 * Selects stack `name` of the cmom project in `projectDir` through the Automation API (a LocalWorkspace). A missing Pulumi
 * CLI is reported as such.
 */
export async function selectProjectStack(name: string, projectDir: string): Promise<AutomationStack> {
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  try {
    return await LocalWorkspace.selectStack({ stackName: name, workDir: projectDir });
  } catch (error) {
    const message = (error as Error).message;
    if (/spawn pulumi ENOENT/.test(message)) throw new Error("the Pulumi CLI (`pulumi`) is not on PATH; install it: https://www.pulumi.com/docs/install/");
    throw error;
  }
}

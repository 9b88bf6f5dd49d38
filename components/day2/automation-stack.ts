import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { clearStaleLocks } from "./stale-locks";
import type { ConfigValue, EngineEvent, OutputMap, PulumiFn, Stack } from "@pulumi/pulumi/automation";

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

/** The directory of the Pulumi project (the nearest Pulumi.yaml from `startDir` upwards), as the Pulumi CLI finds it. */
function findProjectDir(startDir: string): string {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml in ${startDir} or any directory above it: run this inside the cmom project`);
  }
}

/**
 * Selects stack `name` of the Pulumi project around `startDir` through the Automation API, with `program` as its inline
 * program: the Node language host (pulumi-language-nodejs) cannot be built from the Go module proxy, so cmom runs its program
 * in this process and the CLI drives it (README, "Running it for real"). The process moves to the project directory, where
 * the program's relative paths (blueprints, backups) are read, as under `pulumi up`. Locks left by an interrupted run on
 * this host are cleared (stale-locks.ts).
 */
export async function selectProjectStack(name: string, program: PulumiFn, startDir = process.cwd()): Promise<Stack> {
  const projectDir = findProjectDir(startDir);
  process.chdir(projectDir);
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  const projectName = projectNameOf(projectDir);
  try {
    const stack = await LocalWorkspace.selectStack({ stackName: name, projectName, program }, { workDir: projectDir });
    await clearStaleLocks(stack, projectName, (line) => process.stderr.write(`cmom: ${line}\n`));
    return stack;
  } catch (error) {
    const message = (error as Error).message;
    if (/spawn pulumi ENOENT/.test(message)) throw new Error("the Pulumi CLI (`pulumi`) is not on PATH: run `npm run engine` and `source scripts/engine/env.sh`");
    throw error;
  }
}

/** The `name` of the project's Pulumi.yaml (the inline program must run under the project's own name). */
function projectNameOf(projectDir: string): string {
  return (parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
}

import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { CommandIo } from "../../scripts/commandLine";
import { PROJECT_DIR } from "./exampleStacks";

/** `npm run <script> -- <args>` as a user runs it: tsx, in a process of its own, from the project directory. */
export function runScriptProcess(script: string, ...args: string[]) {
  return runScriptProcessIn(process.env, script, ...args);
}

/** runScriptProcess with the environment `env` (e.g. one without any way to reach a cluster). */
export function runScriptProcessIn(env: NodeJS.ProcessEnv, script: string, ...args: string[]) {
  return spawnSync(process.execPath, [path.join(PROJECT_DIR, "node_modules/tsx/dist/cli.mjs"), `scripts/${script}.ts`, ...args], { cwd: PROJECT_DIR, encoding: "utf8", env });
}

/**
 * A script's main run in the test's own process, for what does not depend on the process around it (each script is also
 * run as a process where its exit and output are the point): its exit code and what it printed.
 */
export async function runScriptMain(main: (io: CommandIo) => number | Promise<number>, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const status = await main({ argv, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

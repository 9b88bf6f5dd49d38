// `npm run plan -- <stack> [--json] [--graph FILE]`: runs index.ts offline under Pulumi mocks (no CLI, credentials or network) and
// shows what the stack would build. Exit 2 on bad usage or invalid config (problems on stderr, nothing on stdout).
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, STACK_FILE_VARIABLE } from "../components/config/loadStackConfig";
import { parseCommandLine, processIo, type CommandIo } from "./commandLine";
import { checkStackFile, resolveStack, StackFileError } from "./plan/stackFile";
import { resolveExports, runUnderMocks } from "./plan/recordingMocks";
import { planJson, planMermaid, planText } from "./plan/render";

const USAGE = "usage: npm run plan -- <stack | path/to/Pulumi.<stack>.yaml> [--json] [--graph FILE]   (<stack> reads stacks/Pulumi.<stack>.yaml)";
const projectDir = path.resolve(__dirname, "..");

/**
 * Plans the stack the arguments name; returns the exit code (0 printed, 2 bad usage or invalid config). `loadProgram` runs
 * cmom's program (index.ts, evaluated anew) and returns its exports.
 */
export async function planMain(io: CommandIo, loadProgram: () => Promise<Record<string, unknown>>): Promise<number> {
  const parsed = parseCommandLine(USAGE, { json: { type: "boolean" }, graph: { type: "string" } }, 1, io);
  if (typeof parsed === "number") return parsed;
  const { stack, file } = resolveStack(projectDir, parsed.positionals[0]!);

  const graph = parsed.values.graph;
  if (graph !== undefined && !fs.existsSync(path.dirname(path.resolve(graph)))) {
    io.stderr(`--graph ${graph}: no directory ${path.dirname(graph)} to write it in\n`);
    return 2;
  }

  // The program reads this stack file's encrypted keys and starts its relative paths beside it, wherever it lies.
  const otherStackFile = process.env[STACK_FILE_VARIABLE];
  process.env[STACK_FILE_VARIABLE] = file;
  try {
    const { config, secretKeys } = checkStackFile(projectDir, parsed.positionals[0]!);
    const { resources, exports } = await runUnderMocks({ project: "cmom", stack, config, secretKeys }, loadProgram);
    if (graph !== undefined) fs.writeFileSync(graph, planMermaid(resources));
    io.stdout(parsed.values.json ? `${JSON.stringify(planJson(stack, resources), null, 2)}\n` : `${planText(stack, resources, await resolveExports(exports))}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.problems.join("\n")}\n`);
      return 2;
    }
    if (err instanceof StackFileError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    if (otherStackFile === undefined) delete process.env[STACK_FILE_VARIABLE];
    else process.env[STACK_FILE_VARIABLE] = otherStackFile;
  }
}

if (require.main === module) {
  // Exit only once stdout and stderr are flushed: a large plan outgrows the pipe buffer, and process.exit would cut it off.
  const exitAfterFlush = (code: number) => process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  // A value that never resolves (an unknown under mocks) would drain the event loop and exit 0 with nothing printed: say so instead.
  process.on("beforeExit", () => {
    process.stderr.write("plan failed: the program never finished (a value stayed unknown under mocks)\n");
    exitAfterFlush(1);
  });
  planMain(processIo(), async () => ({ ...require(path.join(projectDir, "index.ts")) })).then(exitAfterFlush, (err) => {
    process.stderr.write(`plan failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    exitAfterFlush(1);
  });
}

// `npm run stack -- <preview|up|refresh|destroy> <stack> [--expect-no-changes]`: what `pulumi preview|up|refresh|destroy -s
// <stack>` would do, with cmom's program run inline through the Automation API (the Node language host cannot be built here;
// see README, "Running it for real"). Needs the Pulumi CLI on PATH (`source scripts/engine/env.sh`), a backend
// (`pulumi login`) and the stack's secrets provider, as the CLI would.
import { selectProjectStack } from "../components/day2/automation-stack";
import { inlineProgram } from "../components/platforms/inlineProgram";
import { parseCommandLine } from "./commandLine";

const OPERATIONS = ["preview", "up", "refresh", "destroy"] as const;
type Operation = (typeof OPERATIONS)[number];

const USAGE = `usage: npm run stack -- <${OPERATIONS.join("|")}> <stack> [--expect-no-changes]
  runs cmom's program for <stack> (stacks/Pulumi.<stack>.yaml) under the Pulumi CLI on PATH, like pulumi <operation> -s <stack> --yes
  --expect-no-changes   fail if the operation would change anything (preview, up, refresh)`;

export interface StackScriptIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs the command; returns the exit code (0 done, 1 the operation failed, 2 bad usage). */
export async function stackMain(argv: readonly string[], io: StackScriptIo): Promise<number> {
  const parsed = parseCommandLine(USAGE, { "expect-no-changes": { type: "boolean" } }, 2, { argv, ...io });
  if (typeof parsed === "number") return parsed;
  const [operation, name] = parsed.positionals;
  if (!OPERATIONS.includes(operation as Operation)) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  const expectNoChanges = parsed.values["expect-no-changes"] === true;
  if (expectNoChanges && operation === "destroy") {
    io.stderr(`--expect-no-changes does not apply to destroy\n${USAGE}\n`);
    return 2;
  }
  try {
    const stack = await selectProjectStack(name!, inlineProgram);
    const onOutput = io.stdout;
    switch (operation as Operation) {
      case "preview": await stack.preview({ onOutput, expectNoChanges, diff: true }); break;
      case "up": await stack.up({ onOutput, expectNoChanges }); break;
      case "refresh": await stack.refresh({ onOutput, expectNoChanges }); break;
      case "destroy": await stack.destroy({ onOutput }); break;
    }
    return 0;
  } catch (error) {
    io.stderr(`${operation} of stack ${name} failed: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  stackMain(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => process.exit(code));
}

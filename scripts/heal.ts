// `npm run heal -- <stack> [--dry-run]`: heals the nodes of an OpenStack cluster whose server is gone or unhealthy (see
// components/day2/heal/heal.ts), through the Automation API (needs the Pulumi CLI and the stack's credentials).
import { inlineProgram } from "../components/platforms/inlineProgram";
import { selectProjectStack, type AutomationStack } from "../components/day2/automation-stack";
import { automationHealOperations } from "../components/day2/heal/automation-operations";
import { heal, HealRefusedError, type HealOperations } from "../components/day2/heal/heal";
import { parseCommandLine } from "./commandLine";

const USAGE = "usage: npm run heal -- <stack> [--dry-run]   (--dry-run: refresh, plan and check the preview, change nothing else)";

export interface HealScriptDeps {
  readonly selectStack: (name: string) => Promise<AutomationStack>;
  readonly operations: (stack: AutomationStack, output: (text: string) => void) => HealOperations;
  readonly now: () => Date;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs the command; returns the exit code (0 healed or nothing to heal, 1 refused or failed, 2 bad usage). */
export async function healMain(argv: readonly string[], deps: HealScriptDeps): Promise<number> {
  const parsed = parseCommandLine(USAGE, { "dry-run": { type: "boolean" } }, 1, { argv, stdout: deps.stdout, stderr: deps.stderr });
  if (typeof parsed === "number") return parsed;
  try {
    const stack = await deps.selectStack(parsed.positionals[0]!);
    await heal(deps.operations(stack, deps.stdout), { now: deps.now, dryRun: parsed.values["dry-run"], log: (line) => deps.stdout(`cmom heal: ${line}\n`) });
    return 0;
  } catch (error) {
    deps.stderr(`${error instanceof HealRefusedError ? "" : "heal failed: "}${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  healMain(process.argv.slice(2), {
    selectStack: (name) => selectProjectStack(name, inlineProgram),
    operations: (stack, output) => automationHealOperations(stack, output),
    now: () => new Date(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => process.exit(code));
}

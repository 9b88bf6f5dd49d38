// `npm run backup -- <stack>`: a new backup of the stack's cluster. Sets cmom:backup.trigger to the current UTC time and runs
// `pulumi up` through the Automation API (needs the Pulumi CLI and the stack's credentials, as `pulumi up` would).
import { inlineProgram } from "../components/platforms/inlineProgram";
import { selectProjectStack, type AutomationStack } from "../components/day2/automation-stack";
import { requestBackup } from "../components/day2/backup-command";
import { parseCommandLine } from "./commandLine";

const USAGE = "usage: npm run backup -- <stack>   (sets cmom:backup.trigger and runs pulumi up; the archive lands in cmom:backup.dir)";

export interface BackupScriptDeps {
  readonly selectStack: (name: string) => Promise<AutomationStack>;
  readonly now: () => Date;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs the command; returns the exit code (0 done, 1 failed, 2 bad usage). */
export async function backupMain(argv: readonly string[], deps: BackupScriptDeps): Promise<number> {
  const parsed = parseCommandLine(USAGE, {}, 1, { argv, stdout: deps.stdout, stderr: deps.stderr });
  if (typeof parsed === "number") return parsed;
  const { positionals } = parsed;
  try {
    const archive = await requestBackup(await deps.selectStack(positionals[0]!), deps.now(), deps.stdout);
    deps.stdout(`backup ${archive.snapshotId}: ${archive.file} (${archive.sizeBytes} bytes, sha256 ${archive.sha256})\n`);
    return 0;
  } catch (error) {
    deps.stderr(`backup failed: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  backupMain(process.argv.slice(2), {
    selectStack: (name) => selectProjectStack(name, inlineProgram),
    now: () => new Date(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => process.exit(code));
}

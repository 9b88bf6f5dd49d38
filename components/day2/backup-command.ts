import type { BackupArchive } from "../cloudify/day2/backup-provider";
import { setBackupTrigger, type AutomationStack } from "./automation-stack";

/**
 * `npm run backup -- <stack>`: sets `cmom:backup.trigger` to the current UTC time and runs `pulumi up`, which takes a new
 * backup (and applies whatever else changed in the stack). Returns the backup the update reports.
 */
export async function requestBackup(stack: AutomationStack, now: Date, output: (text: string) => void): Promise<BackupArchive> {
  const trigger = now.toISOString();
  output(`cmom: cmom:backup.trigger = ${trigger} on stack ${stack.name}\n`);
  await setBackupTrigger(stack, trigger);
  const { outputs } = await stack.up({ onOutput: output });
  const archive = outputs.backup?.value as BackupArchive | undefined;
  if (archive === undefined) throw new Error(`the update of ${stack.name} finished without a backup output: is it a fleet stack?`);
  return archive;
}

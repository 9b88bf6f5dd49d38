import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";

/** What the Pulumi CLI writes into a file backend's lock (`.pulumi/locks/…/<project>/<stack>/<id>.json`). */
interface LockHolder {
  readonly pid: number;
  readonly username: string;
  readonly hostname: string;
  readonly timestamp: string;
}

/** The directory of a `file://` backend URL (`file://~` is the home directory), or undefined for any other backend. */
function fileBackendDir(url: string): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  const rest = url.slice("file://".length);
  return rest === "~" || rest.startsWith("~/") ? path.join(os.homedir(), rest.slice(1)) : rest;
}

/**
 * Whether `pid` is a live process. A killed CLI whose parent died with it stays a zombie until init reaps it, which a
 * container's minimal init may do late or never: a zombie answers signals but runs nothing, so it holds no lock.
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** Linux: the state field of /proc/<pid>/stat (after the parenthesised command name) is Z for a zombie, X for a dead one. */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false; // no /proc (another system) or the process ended meanwhile: signal 0 has answered
  }
}

function locksOf(locksDir: string, project: string, stack: string): { file: string; holder: LockHolder }[] {
  if (!fs.existsSync(locksDir)) return [];
  return (fs.readdirSync(locksDir, { recursive: true }) as string[])
    .map((relative) => path.join(locksDir, relative))
    .filter((file) => file.endsWith(".json") && path.basename(path.dirname(file)) === stack && path.basename(path.dirname(path.dirname(file))) === project)
    .map((file) => ({ file, holder: JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder }));
}

/**
 * A `pulumi up` killed midway (power cut, SIGKILL, a closed laptop) leaves its lock in a file backend, and every later
 * operation is refused until someone runs `pulumi cancel`. When every lock of the stack was taken on this host by a process
 * that no longer runs, nobody can be updating it: the locks are cleared (as `pulumi cancel` does) and the rerun goes on,
 * where it finds the interrupted operations recorded in the state. A lock held by a running process or another host is
 * left alone: the operation then stops with Pulumi's own message.
 */
export async function clearStaleLocks(stack: Stack, project: string, log: (line: string) => void): Promise<void> {
  const backend = fileBackendDir((await stack.workspace.whoAmI()).url ?? "");
  if (backend === undefined) return;
  const locks = locksOf(path.join(backend, ".pulumi", "locks"), project, stack.name);
  if (locks.length === 0) return;
  const stale = locks.every(({ holder }) => holder.hostname === os.hostname() && !isRunning(holder.pid));
  if (!stale) return;
  await stack.cancel();
  for (const { holder } of locks) log(`cleared the lock of an interrupted operation on stack ${stack.name} (pid ${holder.pid} of ${holder.username}, ${holder.timestamp}, no longer running)`);
}

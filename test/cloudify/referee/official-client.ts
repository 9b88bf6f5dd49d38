import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

/** One release of the official Python client and the manager release line it belongs to (a double profile). */
interface OfficialClient {
  readonly version: string;
  readonly managerProfile: string;
  /** Dependencies installed over the release's own pins (without their dependencies), each for a stated reason. */
  readonly overrides?: readonly string[];
}

/**
 * The 5.x releases pin requests-toolbelt 0.8.0, which imports `collections.Mapping` (gone since Python 3.10); 1.0.0 keeps
 * the multipart encoder and adapters the client uses, so the client imports and behaves as released.
 */
const TOOLBELT_FOR_CURRENT_PYTHON = "requests-toolbelt==1.0.0";

/**
 * The official clients the tests install from PyPI (cloudify-common), each in a venv this test setup makes itself (once;
 * reused while its marker is there): the newest of the 5.1, 5.2, 6.4 and 7.0 lines. 4.x clients need Python 2.
 */
export const OFFICIAL_CLIENTS: readonly OfficialClient[] = [
  { version: "5.1.4", managerProfile: "5.1", overrides: [TOOLBELT_FOR_CURRENT_PYTHON] },
  { version: "5.2.7", managerProfile: "5.2", overrides: [TOOLBELT_FOR_CURRENT_PYTHON] },
  { version: "6.4.2.0", managerProfile: "6.4" },
  { version: "7.0.4", managerProfile: "7.0" },
];

const ROOT = resolve(__dirname, "../../..");
const SCRIPT = join(__dirname, "official_client.py");

function run(command: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

/** The venv's python with the official client installed: made from PyPI when missing (a failed attempt is started over). */
export async function officialClientPython(client: OfficialClient): Promise<string> {
  const requirement = `cloudify-common==${client.version}`;
  const venv = join(ROOT, ".cache", "referee", `cloudify-common-${client.version}`);
  const ready = join(venv, ".cmom-ready");
  const python = join(venv, "bin", "python");
  if (existsSync(ready)) return python;
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(join(venv, ".."), { recursive: true });
  const steps: [string, string[]][] = [
    ["python3", ["-m", "venv", venv]],
    [python, ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", requirement]],
    ...(client.overrides ?? []).map((pin): [string, string[]] => [python, ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", "--no-deps", pin]]),
  ];
  for (const [command, args] of steps) {
    const { code, stderr } = await run(command, args);
    if (code !== 0) throw new Error(`making the official client's venv: ${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`);
  }
  writeFileSync(ready, `${[requirement, ...(client.overrides ?? [])].join("\n")}\n`);
  return python;
}

export interface OfficialConnection {
  readonly host: string;
  readonly port: number;
  readonly caFile: string;
  readonly username: string;
  readonly password: string;
  readonly tenant: string;
}

/** official_client.py running for one venv: it answers a line of JSON per request, in order. */
interface Referee {
  readonly child: ChildProcess;
  readonly answers: AsyncIterator<string>;
  readonly stderr: () => string;
}
const referees = new Map<string, Referee>();

/** The venv's referee process, started on first use: the client is imported once per venv, not once per operation. */
function refereeOf(python: string): Referee {
  const running = referees.get(python);
  if (running) return running;
  const child = spawn(python, [SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const referee = { child, answers: createInterface({ input: child.stdout! })[Symbol.asyncIterator](), stderr: () => stderr };
  referees.set(python, referee);
  return referee;
}

/** Runs one operation of official_client.py; its error (as the client raised it) is thrown. */
export async function officialCall(python: string, connection: OfficialConnection, op: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const { child, answers, stderr } = refereeOf(python);
  child.stdin!.write(`${JSON.stringify({ connection, op, args })}\n`);
  const line = await answers.next();
  if (line.done === true) throw new Error(`official client ${op}: the referee process ended: ${stderr().slice(-2000)}`);
  const answer = JSON.parse(line.value) as { ok?: unknown; error?: string };
  if (answer.error !== undefined) throw new Error(`official client ${op}: ${answer.error}`);
  return answer.ok;
}

/** Ends the venv's referee process, if one runs. */
export async function stopOfficialClient(python: string): Promise<void> {
  const referee = referees.get(python);
  if (!referee) return;
  referees.delete(python);
  const closed = once(referee.child, "close");
  referee.child.stdin!.end();
  await closed;
}

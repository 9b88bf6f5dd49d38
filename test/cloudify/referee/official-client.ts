import { spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * The official Python client, from PyPI, in a venv this test setup makes itself (once; reused while its marker is there).
 * cloudify-common 7.0.4 is the client of the 7.0 line, the newest supported, and installs on current Pythons.
 */
export const OFFICIAL_CLIENT = { name: "cloudify-common", version: "7.0.4", managerProfile: "7.0" } as const;

const ROOT = resolve(__dirname, "../../..");
const VENV = join(ROOT, ".cache", "referee", `${OFFICIAL_CLIENT.name}-${OFFICIAL_CLIENT.version}`);
const READY = join(VENV, ".cmom-ready");
const SCRIPT = join(__dirname, "official_client.py");

function run(command: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** The venv's python with the official client installed: made from PyPI when missing (a failed attempt is started over). */
export async function officialClientPython(): Promise<string> {
  const python = join(VENV, "bin", "python");
  if (existsSync(READY)) return python;
  rmSync(VENV, { recursive: true, force: true });
  mkdirSync(join(VENV, ".."), { recursive: true });
  const steps: [string, string[]][] = [
    ["python3", ["-m", "venv", VENV]],
    [python, ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", `${OFFICIAL_CLIENT.name}==${OFFICIAL_CLIENT.version}`]],
  ];
  for (const [command, args] of steps) {
    const { code, stderr } = await run(command, args);
    if (code !== 0) throw new Error(`making the official client's venv: ${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`);
  }
  writeFileSync(READY, `${OFFICIAL_CLIENT.name}==${OFFICIAL_CLIENT.version}\n`);
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

/** Runs one operation of official_client.py; its error (as the client raised it) is thrown. */
export async function officialCall(python: string, connection: OfficialConnection, op: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const { code, stdout, stderr } = await run(python, [SCRIPT], JSON.stringify({ connection, op, args }));
  if (code !== 0) throw new Error(`official client ${op} exited ${code}: ${stderr.slice(-2000)}`);
  const answer = JSON.parse(stdout) as { ok?: unknown; error?: string };
  if (answer.error !== undefined) throw new Error(`official client ${op}: ${answer.error}`);
  return answer.ok;
}

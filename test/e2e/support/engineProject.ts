import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";

export const PROJECT_DIR = resolve(__dirname, "../../..");
const TSX = join(PROJECT_DIR, "node_modules", ".bin", "tsx");

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<RunResult>;
  /** SIGKILL to the whole process group: the script, the Pulumi CLI and every plugin it started. */
  kill(): void;
}

/** Starts a command in its own process group, collecting its output; `input` is written to its stdin. */
export function startCommand(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Running {
  const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => { stdout += chunk.toString("utf8"); });
  child.stderr!.on("data", (chunk: Buffer) => { stderr += chunk.toString("utf8"); });
  child.stdin!.end(options.input ?? "");
  const done = new Promise<RunResult>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    kill: () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

/** Kills `run` (SIGKILL to its process group, as on a power cut) as soon as `reached()` holds; its result once it is gone. */
export async function killWhen(run: Running, reached: () => boolean): Promise<RunResult> {
  let done = false;
  const watcher = (async () => {
    while (!done) {
      if (reached()) {
        done = true;
        run.kill();
      }
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 5));
    }
  })();
  const result = await run.done;
  done = true;
  await watcher;
  return result;
}

/** Every file below `dir`, with its content as text. */
export function filesBelow(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(path));
    else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024) out.push({ path, text: readFileSync(path, "latin1") });
  }
  return out;
}

/**
 * A cmom project driven by the real Pulumi engine (the CLI on PATH from `scripts/engine/env.sh`): a temporary directory with
 * the project's Pulumi.yaml and one stack file, a local file backend of its own and a passphrase secrets provider. cmom's
 * scripts (`scripts/stack.ts`, backup, heal) run in it exactly as a user runs them, as separate processes.
 */
export class EngineProject {
  readonly dir = mkdtempSync(join(tmpdir(), "cmom-e2e-"));
  readonly stateDir = join(this.dir, "state");
  readonly env: NodeJS.ProcessEnv;

  constructor(readonly stack: string, namespaces: Readonly<Record<string, unknown>>) {
    mkdirSync(join(this.dir, "stacks"));
    mkdirSync(this.stateDir);
    copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(this.dir, "Pulumi.yaml"));
    // The CLI checks that the project's `main` exists even when the program runs inline, and the dynamic-provider host
    // resolves the providers' modules from the project directory, as in any project.
    symlinkSync(join(PROJECT_DIR, "index.ts"), join(this.dir, "index.ts"));
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(this.dir, "node_modules"));
    const config = Object.fromEntries(Object.entries(namespaces).map(([key, value]) => [`cmom:${key}`, value]));
    writeFileSync(this.stackFile, stringify({ config }));
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${this.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: `e2e-passphrase-${process.pid}`,
      // The engine's interactive niceties would only clutter the captured output.
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
    };
  }

  get stackFile(): string {
    return join(this.dir, "stacks", `Pulumi.${this.stack}.yaml`);
  }

  /** The Pulumi CLI in the project directory. */
  pulumi(args: readonly string[], input?: string): Promise<RunResult> {
    return startCommand("pulumi", args, { cwd: this.dir, env: this.env, input }).done;
  }

  /** Like `pulumi`, but a non-zero exit throws with the output. */
  async pulumiOk(args: readonly string[], input?: string): Promise<string> {
    const result = await this.pulumi(args, input);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  async init(): Promise<void> {
    await this.pulumiOk(["stack", "init", this.stack]);
  }

  /** `pulumi config set --secret --path <key>` with the value on stdin, never on a command line. */
  async setSecret(path: string, value: string): Promise<void> {
    await this.pulumiOk(["config", "set", "-s", this.stack, "--secret", "--path", `cmom:${path}`], value);
  }

  async removeKey(path: string): Promise<void> {
    await this.pulumiOk(["config", "rm", "-s", this.stack, "--path", `cmom:${path}`]);
  }

  /** A cmom script (`stack`, `backup`, `heal`) in the project directory, as `npm run <script> -- …` runs it. */
  startScript(script: "stack" | "backup" | "heal", args: readonly string[]): Running {
    return startCommand(TSX, [join(PROJECT_DIR, "scripts", `${script}.ts`), ...args], { cwd: this.dir, env: this.env });
  }

  script(script: "stack" | "backup" | "heal", args: readonly string[]): Promise<RunResult> {
    return this.startScript(script, args).done;
  }

  /** `npm run stack -- <operation> <stack> …`; a non-zero exit throws with the output. */
  async stackOk(operation: "preview" | "up" | "refresh" | "destroy", ...flags: string[]): Promise<string> {
    const result = await this.script("stack", [operation, this.stack, ...flags]);
    if (result.code !== 0) throw new Error(`stack ${operation} ${flags.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

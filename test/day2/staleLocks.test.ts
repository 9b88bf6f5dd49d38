import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Stack } from "@pulumi/pulumi/automation";
import { afterEach, describe, expect, it } from "vitest";
import { clearStaleLocks } from "../../components/day2/stale-locks";
import { stackMain } from "../../scripts/stack";

/** A pid that no process holds now: a child that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid!;
}

/** A zombie: a child that has exited and that its parent does not reap, as a slow init may not. */
async function zombie(): Promise<{ pid: number; release: () => void }> {
  // The parent waits for the child's exit without reaping it (WNOWAIT), then names it.
  const parent = spawn("python3", ["-c", "import os, time\nchild = os.fork()\nif child == 0: os._exit(0)\nos.waitid(os.P_PID, child, os.WEXITED | os.WNOWAIT)\nprint(child, flush=True)\ntime.sleep(120)"]);
  const [line] = (await once(createInterface({ input: parent.stdout! }), "line")) as [string];
  return { pid: Number(line), release: () => void parent.kill("SIGKILL") };
}

describe("locks left by an interrupted run (file backend)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A backend directory holding the given locks of stack `eu` of project `cmom`, and a fake stack that records cancel(). */
  function backendWithLocks(holders: { pid: number; hostname: string }[], url = (dir: string) => `file://${dir}`) {
    const dir = mkdtempSync(join(tmpdir(), "cmom-locks-"));
    dirs.push(dir);
    const lockDir = join(dir, ".pulumi", "locks", "organization", "cmom", "eu");
    mkdirSync(lockDir, { recursive: true });
    holders.forEach((h, i) => writeFileSync(join(lockDir, `lock-${i}.json`), JSON.stringify({ ...h, username: "ops", timestamp: "2026-12-01T03:00:00Z" })));
    const calls: string[] = [];
    const stack = { name: "eu", workspace: { whoAmI: async () => ({ user: "ops", url: url(dir) }) }, cancel: async () => { calls.push("cancel"); } };
    return { stack: stack as unknown as Stack, calls };
  }

  it("clears the locks when every holder ran on this host and is gone, and says so", async () => {
    const { stack, calls } = backendWithLocks([{ pid: deadPid(), hostname: hostname() }]);
    const log: string[] = [];
    await clearStaleLocks(stack, "cmom", (line) => log.push(line));
    expect(calls).toEqual(["cancel"]);
    expect(log).toEqual([expect.stringMatching(/^cleared the lock of an interrupted operation on stack eu \(pid \d+ of ops, .*no longer running\)$/)]);
  });

  it("clears a lock whose holder was killed and is a zombie its parent has not reaped (it runs nothing)", async () => {
    const killed = await zombie();
    try {
      const { stack, calls } = backendWithLocks([{ pid: killed.pid, hostname: hostname() }]);
      await clearStaleLocks(stack, "cmom", () => undefined);
      expect(calls).toEqual(["cancel"]);
    } finally {
      killed.release();
    }
  });

  it("leaves a lock held by a running process or by another host", async () => {
    for (const holder of [{ pid: process.pid, hostname: hostname() }, { pid: deadPid(), hostname: "another-host" }]) {
      const { stack, calls } = backendWithLocks([holder]);
      await clearStaleLocks(stack, "cmom", () => undefined);
      expect(calls, JSON.stringify(holder)).toEqual([]);
    }
  });

  it("leaves other backends alone", async () => {
    const { stack, calls } = backendWithLocks([{ pid: deadPid(), hostname: hostname() }], () => "https://api.pulumi.com");
    await clearStaleLocks(stack, "cmom", () => undefined);
    expect(calls).toEqual([]);
  });
});

describe("npm run stack", () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await stackMain(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    return { code, stdout: out.join(""), stderr: err.join("") };
  };

  it("answers --help with its usage and exit 0", async () => {
    const { code, stdout } = await run("--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: npm run stack -- <preview\|up\|refresh\|destroy> <stack>/);
  });

  it.each([[[]], [["deploy", "eu"]], [["up"]], [["up", "eu", "extra"]], [["up", "eu", "--yes"]], [["destroy", "eu", "--expect-no-changes"]]])("refuses %j with its usage and exit 2, before touching any stack", async (argv) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toContain("usage: npm run stack --");
  });
});

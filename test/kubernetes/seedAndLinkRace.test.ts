import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { imageRowFor } from "../../components/kubernetes/imageTable";
import {
  buildImage,
  copiedPaths,
  makeSandbox,
  run,
  type Sandbox,
  snapshot,
  start,
} from "./fixtures/seedAndLinkHarness";

// Big enough that a first start's copy outlasts the second start's way to the lock.
const PATHS = imageRowFor("5.0.5")!.persisted;
const SHAPE = { dirs: 8, filesPerDir: 25, bigFileBytes: 1_000_000 };

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
  buildImage(box, PATHS, SHAPE);
});
afterEach(() => box.remove());

const expectSeeded = (): void => {
  for (const p of PATHS) expect(snapshot(box.onVolume(p))).toEqual(snapshot(box.inImage(p)));
};

it("a start that finds another one copying waits for it, then proceeds without copying", async () => {
  const env = box.env(PATHS, "5.0.5");
  const first = start(["seed"], env);
  await first.waitForLine(/copying /); // the first start holds the lock from before its first copy to its exit
  const second = start(["seed"], env);

  const [a, b] = await Promise.all([first.done, second.done]);
  expect(a.code).toBe(0);
  expect(b.code).toBe(0);
  expect(copiedPaths(a.stdout)).toHaveLength(PATHS.length);
  expect(b.stdout).toMatch(/another start holds .*\/cmom\/lock; waiting/);
  expect(copiedPaths(b.stdout)).toEqual([]);
  expect(b.stdout).toContain("volume already seeded; nothing to copy");
  expect(b.endedAt).toBeGreaterThanOrEqual(a.endedAt);
  expectSeeded();
});

it("two starts launched together: exactly one copies, the other copies nothing, both succeed", async () => {
  const env = box.env(PATHS, "5.0.5");
  const results = await Promise.all([start(["seed"], env).done, start(["seed"], env).done]);

  for (const r of results) expect(r.code).toBe(0);
  const copies = results.map((r) => copiedPaths(r.stdout).length).sort();
  expect(copies).toEqual([0, PATHS.length]);
  expectSeeded();
});

it("gives up with a clear message when the lock stays held past the timeout", async () => {
  const lockFile = path.join(box.volume, "cmom", "lock");
  fs.mkdirSync(path.dirname(lockFile));
  const holder = spawn("flock", [lockFile, "sleep", "30"], { stdio: "ignore" });
  try {
    await waitUntilLocked(lockFile);
    const result = await run(["seed", "--lock-timeout", "1"], box.env(PATHS, "5.0.5"));
    expect(result.code).toBe(4);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/gave up after 1s waiting for .*\/cmom\/lock held by another start/);
    expect(fs.existsSync(path.join(box.volume, "cmom", "data"))).toBe(false);
  } finally {
    holder.kill("SIGKILL");
  }
});

/** Polls with `flock -n` until another process holds the lock. */
async function waitUntilLocked(lockFile: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const free = await new Promise<boolean>((resolve) =>
      spawn("flock", ["-n", lockFile, "true"]).on("close", (code) => resolve(code === 0)),
    );
    if (!free) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nothing took ${lockFile}`);
}

import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { imageRowFor } from "../../components/kubernetes/imageTable";
import { persistedSubPath } from "../../components/kubernetes/persistence/layout";
import {
  buildImage,
  type EntryState,
  makeSandbox,
  run,
  type RunResult,
  type Sandbox,
  snapshot,
  start,
} from "./fixtures/seedAndLinkHarness";

// Big enough that a first start takes a few hundred milliseconds, so kills land inside copies, syncs and renames.
const PATHS = imageRowFor("5.0.5")!.persisted;
const SHAPE = { dirs: 4, filesPerDir: 25, bigFileBytes: 400_000 };
const VERSION = "5.0.5";

let box: Sandbox;
let expected: Record<string, Record<string, EntryState>>;
let firstStartMs: number;
/** Entries a complete first start leaves on the volume. */
let totalEntries: number;
let volumes = 0;

/** A fresh, empty volume on the sandbox and the environment that points the script at it. */
function freshVolume(): { volume: string; env: NodeJS.ProcessEnv } {
  const volume = path.join(box.dir, `volume-${volumes++}`);
  fs.mkdirSync(volume);
  return { volume, env: { ...box.env(PATHS, VERSION), CMOM_PERSIST_MOUNT: volume } };
}

/** Entries written to the volume so far (staging and data): the copy's progress, whatever the machine's load. */
function entriesOnVolume(volume: string): number {
  const count = (dir: string): number => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return 0; // not there yet, or renamed away between two reads
    }
    return entries.reduce((sum, e) => sum + 1 + (e.isDirectory() ? count(path.join(dir, e.name)) : 0), 0);
  };
  return count(path.join(volume, "cmom", "staging")) + count(path.join(volume, "cmom", "data"));
}

/**
 * Waits until the volume holds `entries` entries or the run ended, checking every 5 ms: each check walks the volume, and
 * checking without pause kept a core busy that the script under test needs on a small machine.
 */
async function progressReached(volume: string, entries: number, running: { done: Promise<unknown> }): Promise<void> {
  let ended = false;
  void running.done.then(() => (ended = true));
  while (!ended && entriesOnVolume(volume) < entries) await sleep(5);
}

/** Where a kill landed: the last progress line the script had printed. */
function stageOf(result: RunResult): string {
  if (result.code === 0) return "finished before the kill";
  const lines = result.stdout.trim().split("\n").filter(Boolean);
  return lines.at(-1) ?? "before any output";
}

function expectCompleteAndConsistent(volume: string): void {
  for (const p of PATHS) expect(snapshot(path.join(volume, persistedSubPath(p)))).toEqual(expected[p]);
  expect(fs.readFileSync(path.join(volume, "cmom", "ATTEMPT"), "utf8")).toBe(`- ${VERSION} prepared\n`);
  expect(fs.readFileSync(path.join(volume, "cmom", "SEEDED"), "utf8").trim().split("\n")).toEqual([...PATHS].sort());
  expect(fs.existsSync(path.join(volume, "cmom", "staging"))).toBe(false);
}

beforeAll(async () => {
  box = makeSandbox();
  buildImage(box, PATHS, SHAPE);
  expected = Object.fromEntries(PATHS.map((p) => [p, snapshot(box.inImage(p))]));
  // Measure an uninterrupted first start (twice; the slower one) to spread the kills over its whole duration.
  const durations: number[] = [];
  for (let i = 0; i < 2; i++) {
    const { env } = freshVolume();
    const began = performance.now();
    const result = await run(["seed"], env);
    expect(result.code).toBe(0);
    durations.push(result.endedAt - began);
  }
  firstStartMs = Math.max(...durations);
  const { volume, env } = freshVolume();
  expect((await run(["seed"], env)).code).toBe(0);
  totalEntries = entriesOnVolume(volume);
});
afterAll(() => box.remove());

it("SIGKILL at 12 evenly spaced points of a first start's copy, then a restart: complete, consistent tree", async () => {
  const kills = 12;
  const stages: string[] = [];
  let restartsThatCleanedStaging = 0;
  for (let i = 0; i < kills; i++) {
    const { volume, env } = freshVolume();
    const running = start(["seed"], env);
    // Spread by progress (entries copied), not by time: a loaded machine must not shift every kill past the copy.
    await progressReached(volume, Math.floor((totalEntries * (i + 0.5)) / kills), running);
    running.killGroup();
    stages.push(stageOf(await running.done));

    const restart = await run(["seed"], env);
    expect(restart.stderr).toBe("");
    expect(restart.code).toBe(0);
    if (restart.stdout.includes("removing stale staging")) restartsThatCleanedStaging++;
    expectCompleteAndConsistent(volume);
  }
  // The kills really were spread over the copy, and several of them cut a copy in half.
  expect(new Set(stages).size, `stages hit: ${stages.join(" | ")}`).toBeGreaterThanOrEqual(3);
  expect(restartsThatCleanedStaging, `stages hit: ${stages.join(" | ")}`).toBeGreaterThanOrEqual(2);
});

it("repeated SIGKILLs after random delays on the same volume, then a clean start: complete, consistent tree", async () => {
  const { volume, env } = freshVolume();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const running = start(["seed"], env);
    const delay = Math.random() * firstStartMs;
    delays.push(Math.round(delay));
    await sleep(delay);
    running.killGroup();
    await running.done;
  }
  const last = await run(["seed"], env);
  expect(last.code, `delays (ms): ${delays.join(", ")}\n${last.stderr}`).toBe(0);
  expectCompleteAndConsistent(volume);
});

it("SIGKILL of later starts never loses data written after the first one", async () => {
  const { volume, env } = freshVolume();
  expect((await run(["seed"], env)).code).toBe(0);
  const db = path.join(volume, persistedSubPath(PATHS[0]));
  fs.writeFileSync(path.join(db, "committed-after-start"), "row\n");
  const state = snapshot(path.join(volume, "cmom", "data"));

  for (let i = 0; i < 5; i++) {
    const running = start(["seed"], env);
    await sleep(i * 5);
    running.killGroup();
    await running.done;
  }
  expect((await run(["seed"], env)).code).toBe(0);
  expect(snapshot(path.join(volume, "cmom", "data"))).toEqual(state);
});

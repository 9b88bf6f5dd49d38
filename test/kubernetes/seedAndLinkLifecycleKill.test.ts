// The persistence script's whole lifecycle under SIGKILL: a first start (seed, link, first configure), a restart over
// a used volume, an upgrade (VERSION older than the image) and a rollback to the old image after a failed upgrade.
// Each kill lands at a point chosen by progress (entries copied, or lines logged), never by time, so a loaded machine
// moves no kill past the work; every restart must end with a consistent volume. The figure is printed.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildImage, makeSandbox, run, type Sandbox, snapshot, start, type Running } from "./fixtures/seedAndLinkHarness";

const PATHS = ["/var/lib/pgsql/9.5/data", "/var/lib/rabbitmq", "/opt/manager/resources/blueprints"];
const SHAPE = { dirs: 4, filesPerDir: 25, bigFileBytes: 300_000 };
const OLD = "5.0.5";
const NEW = "5.0.6";
const POINTS_PER_SCENARIO = 13;
/** A scenario takes about half a minute on a loaded 2-core machine; room for four times that. */
const SCENARIO_TIMEOUT_MS = 240_000;

let box: Sandbox;
let pristineImage: string;
let seeded: Record<string, ReturnType<typeof snapshot>>;
let volumes = 0;
const inconsistencies: string[] = [];
let tried = 0;
/** Scenarios (the label before ", point") that reached a restart: the file's total is checked once all of them ran. */
const scenariosRun = new Set<string>();
const SCENARIOS = 4;

/** A new container over `volume`: a fresh copy of the image's file system (a restarted container gets one too). */
function container(volume: string, version: string) {
  const image = path.join(box.dir, `image-${volumes++}`);
  // cp -a: owners, modes and times as in the image (fs.cpSync keeps no owners).
  execFileSync("cp", ["-a", "-T", pristineImage, image]);
  return {
    image,
    env: { ...box.env(PATHS, version), CMOM_PERSIST_ROOT: image, CMOM_PERSIST_MOUNT: volume },
  };
}
function freshVolume(): string {
  const volume = path.join(box.dir, `volume-${volumes++}`);
  fs.mkdirSync(volume);
  return volume;
}
const work = (volume: string) => path.join(volume, "cmom");
const userFile = (volume: string) => path.join(work(volume), "data/var/lib/pgsql/9.5/data/user-row");
const count = (dir: string): number => {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  return entries.reduce((sum, e) => sum + 1 + (e.isDirectory() ? count(path.join(dir, e.name)) : 0), 0);
};
const progress = (volume: string) => ["staging", "data", "backup.staging", "backup"].reduce((sum, d) => sum + count(path.join(work(volume), d)), 0);

/**
 * Kills the run once `reached()` holds (or it ended). Checked every 5 ms: each check walks the volume, and checking without
 * pause kept a core busy that the script under test needs on a small machine.
 */
async function killWhen(running: Running, reached: () => boolean): Promise<void> {
  let ended = false;
  void running.done.then(() => (ended = true));
  while (!ended && !reached()) await sleep(5);
  running.killGroup();
  await running.done;
}

/** A committed manager of `version` on `volume` with a row only it wrote. */
async function committed(volume: string, version: string, row: string): Promise<void> {
  const c = container(volume, version);
  expect((await run(["link"], c.env)).code).toBe(0);
  expect((await run(["started"], c.env)).code).toBe(0);
  fs.writeFileSync(userFile(volume), row);
}

/** Restart with `version` until the manager answers; then the volume must hold exactly what `expectRow` says. */
async function restartAndCheck(label: string, volume: string, version: string, expectRow: string | undefined): Promise<void> {
  tried++;
  scenariosRun.add(label.split(",")[0]!);
  const c = container(volume, version);
  const restart = await run(["link"], c.env);
  const problems: string[] = [];
  if (restart.code !== 0) problems.push(`restart failed: ${restart.stderr.trim()}`);
  else {
    if ((await run(["started"], c.env)).code !== 0) problems.push("commit failed");
    const version_ = fs.readFileSync(path.join(work(volume), "VERSION"), "utf8").trim();
    if (version_ !== version) problems.push(`VERSION ${version_}, expected ${version}`);
    for (const leftover of ["ATTEMPT", "backup", "backup.staging", "staging", "discard", "SEEDING"]) {
      if (fs.existsSync(path.join(work(volume), leftover))) problems.push(`${leftover} left behind`);
    }
    const row = fs.existsSync(userFile(volume)) ? fs.readFileSync(userFile(volume), "utf8") : undefined;
    if (row !== expectRow) problems.push(`user row ${row}, expected ${expectRow}`);
    for (const p of PATHS) {
      // Every entry as the image has it; the top directory's mtime moves with the user's row.
      const withoutTop = (entries: Record<string, unknown>) => Object.entries(entries).filter(([rel]) => rel !== "." && rel !== "user-row");
      const onVolume = snapshot(path.join(work(volume), "data", p));
      if (JSON.stringify(withoutTop(onVolume)) !== JSON.stringify(withoutTop(seeded[p]!))) problems.push(`${p} differs from the image's data`);
      if (fs.readlinkSync(path.join(c.image, p)) !== path.join(work(volume), "data", p)) problems.push(`${p} not linked`);
    }
  }
  if (problems.length) inconsistencies.push(`${label}: ${problems.join("; ")}`);
  // This point's containers and volume are done with: removed now, not all at the end.
  for (const entry of fs.readdirSync(box.dir)) {
    if (/^(image|volume)-\d+$/.test(entry)) fs.rmSync(path.join(box.dir, entry), { recursive: true, force: true });
  }
}

beforeAll(async () => {
  box = makeSandbox();
  buildImage(box, PATHS, SHAPE);
  pristineImage = box.image;
  seeded = Object.fromEntries(PATHS.map((p) => [p, snapshot(box.inImage(p))]));
});
afterAll(() => {
  console.log(`kill points tried: ${tried}, inconsistencies: ${inconsistencies.length}`);
  box.remove();
  // In any order of the scenarios; a run filtered to some of them (-t) checks only theirs.
  if (scenariosRun.size === SCENARIOS) expect(tried).toBeGreaterThanOrEqual(50);
}, 300_000);

/** Entries a complete first seed leaves on a volume. */
async function totalSeedEntries(): Promise<number> {
  const volume = freshVolume();
  expect((await run(["link"], container(volume, OLD).env)).code).toBe(0);
  return progress(volume);
}

it(`first start (seed, link, first configure) killed at ${POINTS_PER_SCENARIO} points: the restart starts over cleanly`, { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  const total = await totalSeedEntries();
  for (let i = 0; i < POINTS_PER_SCENARIO; i++) {
    const volume = freshVolume();
    const c = container(volume, OLD);
    // The last points fall after the seed: the manager ran (a half-done configure wrote a row) but never answered.
    if (i < POINTS_PER_SCENARIO - 3) {
      await killWhen(start(["link"], c.env), () => progress(volume) >= Math.floor((total * (i + 0.5)) / (POINTS_PER_SCENARIO - 3)));
    } else {
      expect((await run(["link"], c.env)).code).toBe(0);
      fs.writeFileSync(userFile(volume), "half-configured");
    }
    await restartAndCheck(`first start, point ${i}`, volume, OLD, undefined);
  }
  expect(inconsistencies).toEqual([]);
});

it(`restart over a used volume killed after each of ${POINTS_PER_SCENARIO} logged steps: nothing lost`, { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  for (let i = 0; i < POINTS_PER_SCENARIO; i++) {
    const volume = freshVolume();
    await committed(volume, OLD, "committed row");
    const running = start(["link"], container(volume, OLD).env);
    await killWhen(running, () => running.lines.length > i % 4);
    await restartAndCheck(`restart, point ${i}`, volume, OLD, "committed row");
  }
  expect(inconsistencies).toEqual([]);
});

it(`upgrade ${OLD} → ${NEW} killed at ${POINTS_PER_SCENARIO} points of its copy aside: the retry ends upgraded, nothing lost`, { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  for (let i = 0; i < POINTS_PER_SCENARIO; i++) {
    const volume = freshVolume();
    await committed(volume, OLD, "committed row");
    const before = progress(volume);
    const running = start(["link"], container(volume, NEW).env);
    await killWhen(running, () => progress(volume) >= before + Math.floor((before * (i + 0.5)) / POINTS_PER_SCENARIO));
    await restartAndCheck(`upgrade, point ${i}`, volume, NEW, "committed row");
  }
  expect(inconsistencies).toEqual([]);
});

it(`rollback to ${OLD} after an upgrade that never answered, killed at ${POINTS_PER_SCENARIO} points: the old data comes back`, { timeout: SCENARIO_TIMEOUT_MS }, async () => {
  for (let i = 0; i < POINTS_PER_SCENARIO; i++) {
    const volume = freshVolume();
    await committed(volume, OLD, "committed row");
    // The new image started, migrated the row, and never answered.
    expect((await run(["link"], container(volume, NEW).env)).code).toBe(0);
    fs.writeFileSync(userFile(volume), "migrated by the failed upgrade");
    const running = start(["link"], container(volume, OLD).env);
    await killWhen(running, () => running.lines.length > i % 5);
    await restartAndCheck(`rollback, point ${i}`, volume, OLD, "committed row");
  }
  expect(inconsistencies).toEqual([]);
});

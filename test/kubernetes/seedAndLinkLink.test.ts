import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { imageRowFor } from "../../components/kubernetes/imageTable";
import {
  buildImage,
  copiedPaths,
  identities,
  makeSandbox,
  run,
  type Sandbox,
  snapshot,
} from "./fixtures/seedAndLinkHarness";

const PATHS = imageRowFor("5.0.5")!.persisted;
const SMALL = { dirs: 2, filesPerDir: 4, bigFileBytes: 4096 };

let box: Sandbox;
let pristine: Record<string, ReturnType<typeof snapshot>>;
beforeEach(() => {
  box = makeSandbox();
  buildImage(box, PATHS, SMALL);
  pristine = Object.fromEntries(PATHS.map((p) => [p, snapshot(box.inImage(p))]));
});
afterEach(() => box.remove());

const link = (args: string[] = []) => run(["link", ...args], box.env(PATHS, "5.0.5"));
/** What the keeper does once the manager answers: without it, the next start undoes this one. */
const started = () => run(["started"], box.env(PATHS, "5.0.5"));
const aside = (p: string) => `${box.inImage(p)}.cmom-image`;

describe("seed-and-link.sh link", () => {
  it("seeds, then makes each persisted path a symlink into the volume, keeping the image's copy aside", async () => {
    const result = await link();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(copiedPaths(result.stdout)).toHaveLength(PATHS.length);
    for (const p of PATHS) {
      expect(fs.readlinkSync(box.inImage(p))).toBe(box.onVolume(p));
      expect(snapshot(box.onVolume(p))).toEqual(pristine[p]);
      expect(snapshot(aside(p))).toEqual(pristine[p]);
    }
  });

  it("is idempotent once the start is committed: a second run changes nothing in the image or on the volume", async () => {
    expect((await link()).code).toBe(0);
    expect((await started()).code).toBe(0);
    const once = { image: identities(box.image), volume: identities(box.volume) };

    const again = await link();
    expect(again.code).toBe(0);
    expect(copiedPaths(again.stdout)).toEqual([]);
    expect({ image: identities(box.image), volume: identities(box.volume) }).toEqual(once);
  });

  it("in a fresh container over a used volume, links to the volume's data and copies nothing", async () => {
    expect((await link()).code).toBe(0);
    expect((await started()).code).toBe(0);
    fs.writeFileSync(path.join(box.onVolume(PATHS[0]), "written-after-start"), "kept\n");
    // A new container: the image's paths are real directories again, nothing kept aside.
    for (const p of PATHS) {
      fs.rmSync(box.inImage(p));
      fs.renameSync(aside(p), box.inImage(p));
    }

    const result = await link();
    expect(result.code).toBe(0);
    expect(copiedPaths(result.stdout)).toEqual([]);
    expect(fs.readFileSync(path.join(box.inImage(PATHS[0]), "written-after-start"), "utf8")).toBe("kept\n");
  });

  it("re-seeds an empty replacement volume from the image's copy kept aside", async () => {
    expect((await link()).code).toBe(0);
    fs.rmSync(path.join(box.volume, "cmom"), { recursive: true }); // the volume was replaced by an empty one

    const result = await link();
    expect(result.code).toBe(0);
    expect(copiedPaths(result.stdout)).toHaveLength(PATHS.length);
    for (const p of PATHS) expect(snapshot(box.onVolume(p))).toEqual(pristine[p]);
  });

  it("finishes linking after a start killed between moving the image's copy aside and linking", async () => {
    expect((await run(["seed"], box.env(PATHS, "5.0.5"))).code).toBe(0);
    fs.renameSync(box.inImage(PATHS[0]), aside(PATHS[0]));

    const result = await link();
    expect(result.code).toBe(0);
    for (const p of PATHS) expect(fs.readlinkSync(box.inImage(p))).toBe(box.onVolume(p));
  });

  it("refuses to overwrite a copy already kept aside", async () => {
    expect((await link()).code).toBe(0);
    fs.rmSync(box.inImage(PATHS[1]));
    fs.mkdirSync(box.inImage(PATHS[1])); // something recreated the path as a real directory

    const result = await link();
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`cannot move ${box.inImage(PATHS[1])} aside`);
  });

  it("execs the command after releasing the lock, passing its exit status through", async () => {
    const lockFile = path.join(box.volume, "cmom", "lock");
    const result = await link(["--", "bash", "-c", 'flock -n "$0" true && echo "lock is free" && exit 7', lockFile]);
    expect(result.code).toBe(7);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("lock is free");
  });
});

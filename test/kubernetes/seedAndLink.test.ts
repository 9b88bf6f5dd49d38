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
const SMALL = { dirs: 3, filesPerDir: 5, bigFileBytes: 64 * 1024 };

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
  buildImage(box, PATHS, SMALL);
});
afterEach(() => box.remove());

const seed = (version = "5.0.5", paths: readonly string[] = PATHS, args: string[] = []) =>
  run(["seed", ...args], box.env(paths, version));
const work = () => path.join(box.volume, "cmom");
const oneLine = (stderr: string) => expect(stderr.trimEnd().split("\n")).toHaveLength(1);

describe("seed-and-link.sh seed", () => {
  it("first start copies every persisted path faithfully and records them, but commits VERSION only once the manager answered", async () => {
    const result = await seed();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    for (const p of PATHS) expect(snapshot(box.onVolume(p))).toEqual(snapshot(box.inImage(p)));
    expect(copiedPaths(result.stdout)).toHaveLength(PATHS.length);
    expect(fs.existsSync(path.join(work(), "VERSION"))).toBe(false);
    expect(fs.readFileSync(path.join(work(), "ATTEMPT"), "utf8")).toBe("- 5.0.5 prepared\n");
    expect(fs.readFileSync(path.join(work(), "SEEDED"), "utf8").trim().split("\n")).toEqual([...PATHS].sort());
    expect(fs.existsSync(path.join(work(), "staging"))).toBe(false);
    expect((await run(["started"], box.env(PATHS, "5.0.5"))).code).toBe(0);
    expect(fs.readFileSync(path.join(work(), "VERSION"), "utf8")).toBe("5.0.5\n");
    expect(fs.existsSync(path.join(work(), "ATTEMPT"))).toBe(false);
  });

  it("a second start copies nothing and touches nothing on the volume", async () => {
    expect((await seed()).code).toBe(0);
    const before = identities(box.volume);
    // Without the image's trees any copy attempt would fail.
    for (const p of PATHS) fs.rmSync(box.inImage(p), { recursive: true });

    const second = await seed();
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(copiedPaths(second.stdout)).toEqual([]);
    expect(second.stdout).toContain("volume already seeded; nothing to copy");
    expect(identities(box.volume)).toEqual(before);
  });

  it("data written after the start survives a restart", async () => {
    expect((await seed()).code).toBe(0);
    const db = box.onVolume(PATHS[0]);
    fs.writeFileSync(path.join(db, "written-by-postgres"), "new row\n");
    fs.appendFileSync(path.join(db, "dir 0", "file-1.dat"), "changed\n");
    fs.rmSync(path.join(db, "dir 1"), { recursive: true });
    const state = snapshot(box.volume);

    expect((await seed()).code).toBe(0);
    expect(snapshot(box.volume)).toEqual(state);
  });

  it("populates a fresh volume that holds a lost+found", async () => {
    const lostFound = path.join(box.volume, "lost+found");
    fs.mkdirSync(lostFound, { mode: 0o700 });
    fs.writeFileSync(path.join(lostFound, "#1234"), "orphan");

    const result = await seed();
    expect(result.code).toBe(0);
    expect(copiedPaths(result.stdout)).toHaveLength(PATHS.length);
    for (const p of PATHS) expect(snapshot(box.onVolume(p))).toEqual(snapshot(box.inImage(p)));
    expect(fs.readFileSync(path.join(lostFound, "#1234"), "utf8")).toBe("orphan");
  });

  it("removes stale staging on every start, even on a seeded volume", async () => {
    expect((await seed()).code).toBe(0);
    const stale = path.join(work(), "staging", "var", "lib", "pgsql");
    fs.mkdirSync(stale, { recursive: true });
    fs.writeFileSync(path.join(stale, "half-copied"), "x");

    const result = await seed();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("removing stale staging");
    expect(fs.existsSync(path.join(work(), "staging"))).toBe(false);
  });

  it("copies the target of an image path that is a symlink, so a subPath mount gets a real directory", async () => {
    const real = path.join(box.image, "srv", "real-resources");
    fs.mkdirSync(path.dirname(real), { recursive: true });
    fs.renameSync(box.inImage("/opt/manager/resources/blueprints"), real);
    fs.symlinkSync(real, box.inImage("/opt/manager/resources/blueprints"));

    expect((await seed()).code).toBe(0);
    expect(fs.lstatSync(box.onVolume("/opt/manager/resources/blueprints")).isDirectory()).toBe(true);
    expect(snapshot(box.onVolume("/opt/manager/resources/blueprints"))).toEqual(snapshot(real));
  });

  it("seeds a path added to the list later, without copying the others again", async () => {
    const added = PATHS.at(-1)!;
    expect((await seed("5.0.5", PATHS.slice(0, -1))).code).toBe(0);
    const result = await seed();
    expect(result.code).toBe(0);
    expect(copiedPaths(result.stdout)).toEqual([`seed-and-link: copying ${box.inImage(added)} to the volume`]);
    expect(snapshot(box.onVolume(added))).toEqual(snapshot(box.inImage(added)));
  });

  it("refuses to re-seed a path the done-marker records but the volume lost", async () => {
    expect((await seed()).code).toBe(0);
    fs.rmSync(box.onVolume(PATHS[1]), { recursive: true });

    const result = await seed();
    expect(result.code).toBe(1);
    oneLine(result.stderr);
    expect(result.stderr).toContain(`volume is damaged: ${PATHS[1]} is recorded as seeded`);
    expect(fs.existsSync(box.onVolume(PATHS[1]))).toBe(false);
  });
});

describe("seed-and-link.sh versions", () => {
  it("refuses a volume whose VERSION is newer than the image, naming both, before copying anything", async () => {
    fs.mkdirSync(work());
    fs.writeFileSync(path.join(work(), "VERSION"), "5.10\n");

    const result = await seed("5.9");
    expect(result.code).toBe(3);
    oneLine(result.stderr);
    expect(result.stderr).toMatch(/last used by manager version 5\.10, newer than this image's 5\.9: refusing/);
    expect(fs.existsSync(path.join(work(), "data"))).toBe(false);
    expect(fs.readFileSync(path.join(work(), "VERSION"), "utf8")).toBe("5.10\n");
  });

  it.each([
    ["5.9", "5.10", "5.10"],
    ["5.1.0", "5.1", "5.1.0"],
    ["7.0.0", "7.0.0-ga", "7.0.0"],
    ["6.4.2", "20.0", "20.0"],
  ])("accepts volume %s with image %s and records the newest version (%s)", async (onVolume, image, recorded) => {
    fs.mkdirSync(work());
    fs.writeFileSync(path.join(work(), "VERSION"), `${onVolume}\n`);
    const result = await seed(image);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect((await run(["started"], box.env(PATHS, image))).code).toBe(0);
    expect(fs.readFileSync(path.join(work(), "VERSION"), "utf8")).toBe(`${recorded}\n`);
  });

  it.each([
    ["6.0", "5.10.3"],
    ["5.0.10", "5.0.9"],
    ["10.1", "9.99"],
  ])("refuses volume %s with image %s", async (onVolume, image) => {
    fs.mkdirSync(work());
    fs.writeFileSync(path.join(work(), "VERSION"), `${onVolume}\n`);
    const result = await seed(image);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${onVolume}, newer than this image's ${image}`);
  });
});

describe("seed-and-link.sh configuration", () => {
  it.each([
    ["/opt/manager/env", "overlaps the code location /opt/*/env"],
    ["/opt/manager", "overlaps the code location /opt/*/env"],
    ["/opt", "overlaps the code location"],
    ["/usr/share/cloudify", "overlaps the code location /usr"],
    ["/lib64/x", "overlaps the code location /lib64"],
    ["/var", "overlaps the code location /var/lib/rpm"],
    ["/opt/cloudify/cfy_manager", "overlaps the code location /opt/cloudify"],
    ["/srv/app/lib/python3.11/site-packages", "inside a virtualenv or package tree ('site-packages')"],
    ["/", "is not a normalised absolute path"],
    ["var/lib/pgsql", "is not a normalised absolute path"],
    ["/var/lib/../pgsql", "is not a normalised absolute path"],
  ])("rejects the persisted path %s (%s) before touching the volume", async (bad, reason) => {
    const result = await seed("5.0.5", [PATHS[0], bad]);
    expect(result.code).toBe(2);
    oneLine(result.stderr);
    expect(result.stderr).toContain(`CMOM_PERSIST_PATHS: `);
    expect(result.stderr).toContain(reason);
    expect(fs.readdirSync(box.volume)).toEqual([]);
  });

  it("names --path when the paths come from arguments, and rejects overlapping paths", async () => {
    const result = await seed("5.0.5", PATHS, ["--path", "/opt/manager/resources", "--path", "/opt/manager/resources/plugins"]);
    expect(result.code).toBe(2);
    oneLine(result.stderr);
    expect(result.stderr).toContain("--path: /opt/manager/resources/plugins and /opt/manager/resources overlap");
  });

  it("arguments override the environment", async () => {
    const other = path.join(box.dir, "other-volume");
    fs.mkdirSync(other);
    const result = await seed("5.0.5", ["/nowhere"], ["--path", PATHS[0], "--mount", other, "--image-version", "5.0.6"]);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(other, "cmom", "ATTEMPT"), "utf8")).toBe("- 5.0.6 prepared\n");
    expect(fs.readdirSync(box.volume)).toEqual([]);
  });

  it.each([
    [{ CMOM_IMAGE_VERSION: "" }, 2, "CMOM_IMAGE_VERSION/--image-version is required"],
    [{ CMOM_IMAGE_VERSION: "latest" }, 2, "'latest' is not a version"],
    [{ CMOM_PERSIST_PATHS: "" }, 2, "no persisted paths: set CMOM_PERSIST_PATHS"],
    [{ CMOM_PERSIST_LOCK_TIMEOUT: "soon" }, 2, "CMOM_PERSIST_LOCK_TIMEOUT/--lock-timeout must be whole seconds"],
    [{ CMOM_PERSIST_CHECK_MOUNTPOINT: "1" }, 1, "not a mount point"],
  ])("fails clearly on %j", async (override, code, message) => {
    const result = await run(["seed"], { ...box.env(PATHS, "5.0.5"), ...override });
    expect(result.code).toBe(code);
    oneLine(result.stderr);
    expect(result.stderr).toContain(message);
    expect(fs.readdirSync(box.volume)).toEqual([]);
  });

  it("fails clearly when a persisted path is missing from the image", async () => {
    const result = await seed("5.0.5", [...PATHS, "/var/lib/elsewhere"]);
    expect(result.code).toBe(1);
    oneLine(result.stderr);
    expect(result.stderr).toContain("/var/lib/elsewhere does not exist in the image");
    expect(fs.readFileSync(path.join(work(), "SEEDED"), "utf8")).not.toContain("/var/lib/elsewhere");
    // Nothing may start on a volume the seed did not finish.
    expect(fs.existsSync(path.join(work(), "ATTEMPT"))).toBe(false);
  });

  it("rejects an unknown mode and a command in seed mode", async () => {
    const env = box.env(PATHS, "5.0.5");
    for (const args of [["sow"], ["seed", "--", "true"], ["seed", "--bogus"]]) {
      const result = await run(args, env);
      expect(result.code).toBe(2);
      oneLine(result.stderr);
    }
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  defaultPersistMount,
  persistedSubPath,
  seedAndLinkEnv,
  seedAndLinkScriptPath,
} from "../../components/kubernetes/persistence/layout";
import { IMAGE_TABLE } from "../../components/kubernetes/imageTable";
import { buildImage, makeSandbox, run, type Sandbox, snapshot } from "./fixtures/seedAndLinkHarness";

let box: Sandbox;
beforeEach(() => {
  box = makeSandbox();
});
afterEach(() => box.remove());

describe("persistedSubPath", () => {
  it("maps a persisted path to its place below the volume's working subdirectory", () => {
    expect(persistedSubPath("/var/lib/pgsql/9.5/data")).toBe("cmom/data/var/lib/pgsql/9.5/data");
  });

  it.each(["var/lib/pgsql", "/var/lib/", "/var//lib", "/var/../etc", "/"])("rejects %s", (bad) => {
    expect(() => persistedSubPath(bad)).toThrow(`persistedSubPath: '${bad}' is not a normalised absolute path`);
  });
});

describe("default persisted paths", () => {
  it.each(IMAGE_TABLE.map((row) => [row.from, row] as const))(
    "the list of the %s row is accepted by the script and lands where persistedSubPath says",
    async (_from, row) => {
      const paths = row.persisted;
      buildImage(box, paths, { dirs: 1, filesPerDir: 2, bigFileBytes: 1024 });
      const result = await run(["seed"], box.env(paths, row.from));
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      for (const p of paths) {
        expect(snapshot(path.join(box.volume, persistedSubPath(p)))).toEqual(snapshot(box.inImage(p)));
      }
    },
  );
});

describe("script contract", () => {
  it("reads every variable layout.ts names", () => {
    const script = fs.readFileSync(seedAndLinkScriptPath, "utf8");
    for (const name of Object.values(seedAndLinkEnv)) expect(script).toContain(`\${${name}:-`);
  });

  it("looks for the volume at the default mount when none is configured", async () => {
    const env = box.env(["/var/lib/pgsql"], "5.0.5");
    delete env.CMOM_PERSIST_MOUNT;
    const result = await run(["seed"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no volume at ${defaultPersistMount} `);
  });
});

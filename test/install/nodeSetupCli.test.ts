// The command-line contract of cmom-node-setup and its setup.yaml: help, usage errors (exit 2), the stage table.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runTool, TOOL } from "./fakes/harness";

const STAGES = ["post_install", "config", "init", "test", "reset", "cleanup", "upgrade", "backup", "restore",
  "support_bundle", "cluster_start", "cluster_join"];
const MISSING = "json:///nonexistent/cmom/node.json";

describe("cmom-node-setup command line", () => {
  it.each([["-h"], ["--help"], ["init", "--help"]])("%s prints the help with every stage and exits 0", async (...argv) => {
    const result = await runTool(argv);
    expect(result.code).toBe(0);
    for (const stage of STAGES) expect(result.stdout).toMatch(new RegExp(`^  ${stage}\\b`, "m"));
    expect(result.stdout).toMatch(/FOR TESTS ONLY:\n {2}CMOM_ROOT/);
    expect(result.stdout).toContain("--config json:///etc/cmom/node.json");
  });

  it.each([
    [["deploy", "--config", MISSING], "unknown stage 'deploy'"],
    [[], "missing stage"],
    [["init"], "missing --config URL"],
    [["init", "--config"], "--config needs a URL"],
    [["init", "--config", "/etc/cmom/node.json"], "invalid --config URL '/etc/cmom/node.json'"],
    [["init", "--config", "json://relative/node.json"], "invalid --config URL"],
    [["init", "--config", "toml:///etc/cmom/node.toml"], "invalid --config URL"],
    [["init", "--config", MISSING, "extra"], "init: too many arguments"],
    [["support_bundle", "--config", MISSING, "id", "/tmp", "more"], "support_bundle: too many arguments"],
    [["support_bundle", "--config", MISSING, "../escape"], "bundle-id '../escape' must match"],
    [["backup", "--config", MISSING, "9starts-with-digit"], "must start with a letter"],
  ])("%j is bad usage: exit 2 with the reason and the usage", async (argv, reason) => {
    const result = await runTool(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(reason);
    expect(result.stderr).toContain("Usage: cmom-node-setup <stage> --config");
    expect(result.stdout).toBe("");
  });

  it("fails (exit 1, one line) when the config file named by a valid URL does not exist", async () => {
    const result = await runTool(["config", "--config", MISSING], { CMOM_ROOT: fs.mkdtempSync("/tmp/cmom-cli-") });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("cmom-node-setup config: config file /nonexistent/cmom/node.json not found\n");
  });
});

describe("setup.yaml", () => {
  const table = parse(fs.readFileSync(path.join(path.dirname(TOOL), "setup.yaml"), "utf8")) as {
    cmom: Record<string, { cmd: string; args: string }>;
  };

  it("lists every stage, each calling the tool with the stage and --config $URL", () => {
    expect(Object.keys(table.cmom)).toEqual(STAGES);
    for (const [stage, entry] of Object.entries(table.cmom)) {
      expect(entry.cmd).toBe("/opt/cmom/bin/cmom-node-setup");
      expect(entry.args.startsWith(`${stage} --config $URL`)).toBe(true);
    }
  });

  it("names only stages the tool accepts with those arguments (never a usage error)", async () => {
    const root = fs.mkdtempSync("/tmp/cmom-cli-");
    for (const [stage, entry] of Object.entries(table.cmom)) {
      const required = entry.args.split(" ").filter((word) => /^<.*>$/.test(word)).map(() => "/nonexistent.zip");
      const argv = [stage, ...entry.args.split(" ").slice(1, 3).map((w) => (w === "$URL" ? MISSING : w)), ...required];
      const result = await runTool(argv, { CMOM_ROOT: root });
      expect([stage, result.code, result.stderr]).toEqual([stage, 1,
        `cmom-node-setup ${stage}: config file /nonexistent/cmom/node.json not found\n`]);
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
});

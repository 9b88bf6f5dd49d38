import { describe, expect, it } from "vitest";
import { runScriptProcess } from "../support/runScript";

describe("every npm run script answers --help with its usage", () => {
  it.each(["plan", "stack", "backup", "heal", "bench", "import-mom"])("npm run %s -- --help: usage on stdout, exit 0", (script) => {
    const help = runScriptProcess(script, "--help");
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: npm run ${script} `));
    expect(help.stderr).toBe("");
  });

  it("npm run bench -- <unknown> names it and the known ones, exit 2, no trace", () => {
    const bench = runScriptProcess("bench", "plan-pool", "upload-1tib");
    expect(bench.status).toBe(2);
    expect(bench.stderr).toBe("unknown benchmark upload-1tib\nusage: npm run bench [-- <name>…]   (runs every benchmark, or those named: plan-pool, upload-1gib, download-1gib)\n");
    expect(bench.stdout).toBe("");
  });
});

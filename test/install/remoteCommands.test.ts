import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CLEANUP_COMMAND, shellQuote, writeFileCommand } from "../../components/install/nodePaths";
import { readNodeSetupTool } from "../../components/install/nodeSetupTool";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-remote-"));
const fakeBin = path.join(tmp, "bin");
fs.mkdirSync(fakeBin);
// `sudo -n CMD…` runs CMD as the caller, except `test -f /etc/cmom/node.json`, which reports a node without node.json.
fs.writeFileSync(path.join(fakeBin, "sudo"), `#!/bin/sh
[ "$1" = -n ] && shift
[ "$1 $2 $3" = "test -f /etc/cmom/node.json" ] && exit 1
exec "$@"
`, { mode: 0o755 });

function onNode(command: string, stdin = "") {
  return spawnSync("sh", ["-c", command], { input: stdin, encoding: "utf8", env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` } });
}

describe("writeFileCommand", () => {
  it("writes stdin to the file with the mode asked for, replacing what was there, and leaves no temporary file", () => {
    const target = path.join(tmp, "it's a dir", "node.json");
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, "old", { mode: 0o644 });
    const secret = '{"adminPassword": "s3cr3t $(touch pwned)"}\n';
    const run = onNode(writeFileCommand(target, "0600"), secret);
    expect(run.status, run.stderr).toBe(0);
    expect(fs.readFileSync(target, "utf8")).toBe(secret);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(target))).toEqual(["node.json"]);
    expect(writeFileCommand(target, "0600")).not.toContain("s3cr3t");
  });

  it("fails when the directory is missing", () => {
    const run = onNode(writeFileCommand(path.join(tmp, "missing", "x"), "0644"), "content");
    expect(run.status).not.toBe(0);
  });
});

describe("shellQuote", () => {
  it("quotes any word so that sh reads it back unchanged", () => {
    for (const word of ["plain", "it's", "$(reboot)", "a b\nc", "'"]) {
      expect(onNode(`printf %s ${shellQuote(word)}`).stdout).toBe(word);
    }
  });
});

describe("CLEANUP_COMMAND", () => {
  it("succeeds without touching anything on a node that never got node.json", () => {
    const run = onNode(CLEANUP_COMMAND);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("cmom: nothing installed, nothing to clean up");
  });
});

describe("readNodeSetupTool", () => {
  const dir = path.join(tmp, "node-setup");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "cmom-node-setup"), "#!/bin/bash\necho v1\n");
  fs.writeFileSync(path.join(dir, "setup.yaml"), "cmom: {}\n");

  it("ships every file beside the tool, the tool alone executable, with a digest that follows the content", () => {
    const first = readNodeSetupTool(dir);
    expect(first.files.map((f) => [f.name, f.executable])).toEqual([["cmom-node-setup", true], ["setup.yaml", false]]);
    expect(readNodeSetupTool(dir).digest).toBe(first.digest);
    fs.writeFileSync(path.join(dir, "setup.yaml"), "cmom: {post_install: {}}\n");
    expect(readNodeSetupTool(dir).digest).not.toBe(first.digest);
  });

  it("refuses a directory without the tool, naming the missing file", () => {
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    expect(() => readNodeSetupTool(empty)).toThrow(`${path.join(empty, "cmom-node-setup")}: missing`);
  });
});

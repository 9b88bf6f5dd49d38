// The node tool keeps to what CentOS/RHEL 7 nodes have: bash 4.2 and python 2.7 or 3.6. The checkers (shellcheck from
// Debian, vermin from PyPI) are installed by scripts/install-compat-checkers.sh.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../support/exampleStacks";
import { TOOL } from "./fakes/harness";

const HELPER = path.join(path.dirname(TOOL), "cmom-node-setup-helper.py");
/** The node tool of the 5.1+ role layout, held to the same rules. */
const ROLE_TOOL = path.join(PROJECT_DIR, "components/install/modern/cmom-role");
const VERMIN = path.join(PROJECT_DIR, ".venv-compat/bin/vermin");

beforeAll(() => {
  execFileSync(path.join(PROJECT_DIR, "scripts/install-compat-checkers.sh"), { stdio: "pipe" });
}, 600_000);

/** vermin's verdict: exit 0 when the file runs on python 2.7 and on 3.6 (requirements at most those). */
const vermin = (file: string) =>
  spawnSync(VERMIN, ["-t=2.7-", "-t=3.6-", "--no-tips", "--violations", file], { encoding: "utf8" });

describe("python: 2.7 and 3.6", () => {
  it("vermin finds nothing newer in the helper, and does flag a newer construct", () => {
    const result = vermin(HELPER);
    expect(result.status, result.stdout).toBe(0);
    const newer = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cmom-vermin-")), "newer.py");
    fs.writeFileSync(newer, "import dataclasses\n");
    expect(vermin(newer).status).not.toBe(0);
    fs.rmSync(path.dirname(newer), { recursive: true });
  });
});

/** Bash features newer than 4.2 (CentOS/RHEL 7), each with an example it must catch. */
const AFTER_BASH_42: [feature: string, pattern: RegExp, example: string][] = [
  ["namerefs (4.3)", /\b(declare|local|typeset)\s+-[a-zA-Z]*n/, "local -n ref=x"],
  ["wait -n (4.3)", /\bwait\s+-n\b/, "wait -n"],
  ["negative array subscripts (4.3)", /\$\{[A-Za-z_]\w*\[-\d+\]\}/, "${list[-1]}"],
  ["[[ -v array[key] ]] (4.3)", /-v\s+[A-Za-z_]\w*\[/, "[[ -v map[k] ]]"],
  ["parameter transformations ${x@Q} (4.4)", /\$\{[A-Za-z_]\w*(\[[^\]]*\])?@[QEPAaKk]\}/, "${x@Q}"],
  ["mapfile/readarray -d (4.4)", /\b(mapfile|readarray)\s+(-\w+\s+)*-d\b/, "mapfile -d '' list"],
  ["local - (4.4)", /\blocal\s+-\s*$/m, "local -\n"],
  ["shopt inherit_errexit (4.4)", /inherit_errexit/, "shopt -s inherit_errexit"],
  ["EPOCHSECONDS/EPOCHREALTIME/SRANDOM/BASH_ARGV0 (5.x)", /\$\{?(EPOCHSECONDS|EPOCHREALTIME|SRANDOM|BASH_ARGV0)\b/, "$EPOCHSECONDS"],
  ["shopt localvar_inherit/assoc_expand_once (5.x)", /localvar_inherit|assoc_expand_once|patsub_replacement/, "shopt -s localvar_inherit"],
  // Before 4.4 an empty array is unbound under `set -u`: expand whole arrays only with a default (${a[@]+"${a[@]}"}).
  ["unguarded whole-array expansion (empty = unbound before 4.4)",
    /\$\{[A-Za-z_]\w*\[[@*]\]\}/, '"${list[@]}"'],
];

/** A tool's code without comment lines and without the guarded array expansions the last rule allows. */
function code(tool: string): string {
  return fs.readFileSync(tool, "utf8").split("\n").filter((line) => !/^\s*#/.test(line)).join("\n")
    .replace(/\$\{(\w+)\[([@*])\]\+"\$\{\1\[\2\]\}"\}/g, "GUARDED")
    .replace(/\$\{\w+\[[@*]\]-\}/g, "GUARDED");
}

describe.each([TOOL, ROLE_TOOL])("bash 4.2: %s", (tool) => {
  it("shellcheck finds nothing", () => {
    const result = spawnSync("shellcheck", ["-s", "bash", tool], { encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  it.each(AFTER_BASH_42)("no %s", (_feature, pattern, example) => {
    expect(pattern.test(example)).toBe(true);
    expect(code(tool).match(pattern)?.[0] ?? null).toBeNull();
  });
});

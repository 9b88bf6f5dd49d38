import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { caPairProblems } from "../../components/config/caPair";
import { ConfigError } from "../../components/config/loadStackConfig";
import { checkStackFile, StackFileError } from "../../scripts/plan/stackFile";
import { exampleNamespaces, PROJECT_DIR, TEST_CA_CERT, TEST_SECRETS } from "../support/exampleStacks";
import { problems } from "../support/parseConfig";
import { runPlanMain } from "../support/runProgram";
import { runScriptProcess } from "../support/runScript";

/** The corpus of mistakes (mistakes.txt): each line a stack, the exit code and the answer `npm run plan` must give. */
interface Mistake { line: number; base: string; edits: string; exit: number; expected: string[] }

const corpus: Mistake[] = fs.readFileSync(path.join(__dirname, "mistakes.txt"), "utf8").split("\n")
  .map((text, index) => ({ text, line: index + 1 }))
  .filter(({ text }) => text.trim() !== "" && !text.startsWith("#"))
  .map(({ text, line }) => {
    const [base, edits, exit, expected] = `${text} `.split(" | ").map((s) => s.trim());
    return { line, base: base!, edits: edits!, exit: Number(exit), expected: expected ? expected.split(" && ") : [] };
  });

/** One directory below the project, as stacks/ is: the stack files' relative paths (`../examples/…`) mean what they mean there. */
const stacksDir = fs.mkdtempSync(path.join(PROJECT_DIR, ".test-stacks-"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cmom-mistakes-"));
afterAll(() => fs.rmSync(stacksDir, { recursive: true, force: true }));

/** `cmom:openstack.resourcePool[2].ipAddress` → ["cmom:openstack", "resourcePool", 2, "ipAddress"]. */
function pathOf(keyPath: string): (string | number)[] {
  const [, key, rest] = keyPath.match(/^([^.[]+)(.*)$/s)!;
  return [key!, ...[...rest!.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!))];
}

function applyEdit(config: Record<string, unknown>, edit: string) {
  const unset = edit.match(/^(\S+) unset$/);
  const [keyPath, valueText] = unset ? [unset[1]!, undefined] : edit.split(/ = (.*)/s) as [string, string];
  const steps = pathOf(keyPath);
  let at: any = config;
  for (const step of steps.slice(0, -1)) at = at[step] ??= {};
  const last = steps[steps.length - 1]!;
  if (valueText === undefined) delete at[last];
  else at[last] = valueText.startsWith("@") ? fs.readFileSync(path.join(__dirname, "../support", valueText.slice(1)), "utf8") : parse(valueText);
}

function stackFileFor(m: Mistake): string {
  const file = path.join(stacksDir, `Pulumi.line${m.line}.yaml`);
  if (m.base === "raw") {
    fs.writeFileSync(file, m.edits.replace(/\\n/g, "\n"));
  } else {
    const document = parse(fs.readFileSync(path.join(PROJECT_DIR, "stacks", `Pulumi.${m.base}.yaml`), "utf8"));
    if (m.edits !== "-") for (const edit of m.edits.split(" ; ")) applyEdit(document.config, edit);
    fs.writeFileSync(file, stringify(document));
  }
  return file;
}

/** What `npm run plan` answers before it runs anything: exit 2 and the problems on stderr, or 0 (scripts/plan.ts). */
function answer(file: string): { exit: number; stderr: string } {
  try {
    checkStackFile(PROJECT_DIR, file);
    return { exit: 0, stderr: "" };
  } catch (err) {
    if (err instanceof ConfigError) return { exit: 2, stderr: err.problems.join("\n") };
    if (err instanceof StackFileError) return { exit: 2, stderr: err.message };
    throw err;
  }
}

describe("a newcomer's mistakes get clear answers", () => {
  it("the corpus holds at least 60 mistakes", () => {
    expect(corpus.filter((m) => m.exit !== 0).length).toBeGreaterThanOrEqual(60);
  });

  it.each(corpus.map((m) => [`line ${m.line}: ${m.base} | ${m.edits}`, m] as const))("%s", (_name, m) => {
    const file = stackFileFor(m);
    const { exit, stderr } = answer(file);
    expect(exit, stderr).toBe(m.exit);
    const lines = stderr.split("\n");
    for (const fragment of m.expected) {
      const wanted = fragment.replace("{file}", path.relative(PROJECT_DIR, file));
      expect(lines.some((l) => l.includes(wanted)), `${wanted}\nnot in:\n${stderr}`).toBe(true);
    }
  });

  it("npm run plan gives the same answers, without a stack trace, every problem in one run", async () => {
    const cases = [
      corpus.find((m) => m.base === "raw" && m.expected[0]?.includes("not valid YAML"))!,
      corpus.find((m) => m.base === "raw" && m.expected[0]?.includes("found a list"))!,
      corpus.find((m) => m.expected.length > 1)!,
      corpus.find((m) => m.edits.includes("cmom:cluster.ldap.password = "))!,
    ];
    for (const [index, m] of cases.entries()) {
      const file = stackFileFor(m);
      // The first as a user runs it; the others here, through the same main.
      const run = index === 0 ? runScriptProcess("plan", file) : await runPlanMain(file);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).not.toMatch(/\n\s+at /);
      for (const fragment of m.expected) expect(run.stderr).toContain(fragment.replace("{file}", path.relative(PROJECT_DIR, file)));
    }
  });

  it("--graph into a missing directory is refused before the plan runs", async () => {
    const run = await runPlanMain("pool", "--graph", path.join(tmp, "no-such-dir", "g.mmd"));
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`--graph ${path.join(tmp, "no-such-dir", "g.mmd")}: no directory ${path.join(tmp, "no-such-dir")} to write it in\n`);
  });
});

describe("upper bounds on lists too long to write in a line", () => {
  const edited = (base: string, edit: (ns: Record<string, any>) => void) => {
    const ns = structuredClone(exampleNamespaces(base)) as Record<string, any>;
    edit(ns);
    return problems(ns);
  };
  it("at most 32 nodes: hosts and pool entries", () => {
    expect(edited("hosts", (ns) => { ns.hosts = Array.from({ length: 33 }, (_, i) => ({ name: `h${i}`, address: `10.0.0.${i + 1}` })); }))
      .toContain("cmom:hosts: expected at most 32 items, found 33 items");
    expect(edited("pool", (ns) => { ns.openstack.resourcePool = Array.from({ length: 33 }, (_, i) => ({ ipAddress: `10.0.0.${i + 1}`, hostname: `n${i}` })); }))
      .toContain("cmom:openstack.resourcePool: expected at most 32 items, found 33 items");
  });
  it("at most 1000 entries in other lists", () => {
    expect(edited("pool", (ns) => { ns.resources.tenants = Array.from({ length: 1001 }, (_, i) => `t${i}`); }))
      .toContain("cmom:resources.tenants: expected at most 1000 items, found 1001 items");
  });
});

describe("caKey and caCert", () => {
  it("a CA certificate with its own key passes", () => {
    expect(caPairProblems({ caCert: TEST_CA_CERT, caKey: TEST_SECRETS.caKey })).toEqual([]);
  });
});


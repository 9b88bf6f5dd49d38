// Comments say why in this project's own terms: a reader of the repository has neither the tracker that numbered a request
// nor the machine a note lived on, so a comment pointing at either explains nothing to them.
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const DIRS = ["components", "scripts", "test", "stacks", "examples", ".ci"];
const TOP = ["index.ts", "README.md", "vitest.config.mts", "vitest.e2e.config.mts", "eslint.config.mjs"];

/** Numbering from outside the project (a tracker, a review) and places outside it (a machine's paths, notes beside the checkout). */
const OUTSIDE = [
  { what: "outside numbering", pattern: /\b(issues?|findings?|tickets?|items?|points?|reviews?|rounds?)\s*#?\d+\b|(^|\s)#\d+\b/i },
  { what: "a machine path", pattern: /(^|[\s(`'"])\/(work|home\/\w+|Users\/\w+)\/|\bshared\/docs\b|\.\.\/shared\// },
];

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "fixtures" ? [] : files(file);
    return [file];
  });
}

/** The comments of a TypeScript or JavaScript file, as the compiler sees them (not `//` inside strings or URLs). */
function scriptComments(text: string, file: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const seen = new Map<number, string>();
  const collect = (ranges: ts.CommentRange[] | undefined) => ranges?.forEach((r) => seen.set(r.pos, text.slice(r.pos, r.end)));
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    node.forEachChild(visit);
  };
  visit(source);
  collect(ts.getLeadingCommentRanges(text, source.endOfFileToken.getFullStart()));
  return [...seen].map(([pos, comment]) => ({ line: source.getLineAndCharacterOfPosition(pos).line + 1, text: comment }));
}

/** `#` comments of shell, Python and YAML files; the whole text of Markdown (it is all explanation). */
function otherComments(text: string, file: string): { line: number; text: string }[] {
  const lines = text.split("\n").map((line, index) => ({ line: index + 1, text: line }));
  if (file.endsWith(".md")) return lines;
  return lines.flatMap(({ line, text: code }) => {
    const at = code.search(/(^|\s)#(?!!)/);
    return at < 0 ? [] : [{ line, text: code.slice(at) }];
  });
}

function offences(): string[] {
  const all = [...DIRS.flatMap((dir) => files(path.join(ROOT, dir))), ...TOP.map((f) => path.join(ROOT, f))];
  return all.flatMap((file) => {
    const text = fs.readFileSync(file, "utf8");
    const comments = /\.(ts|mts|mjs|js)$/.test(file) ? scriptComments(text, file)
      : /\.(sh|py|ya?ml|md)$|\/(run|cmom-node-setup)$/.test(file) ? otherComments(text, file) : [];
    return comments.flatMap((c) => OUTSIDE.filter((o) => o.pattern.test(c.text))
      .map((o) => `${path.relative(ROOT, file)}:${c.line}: ${o.what}: ${c.text.trim().slice(0, 120)}`));
  });
}

describe("comments", () => {
  it("refer to nothing outside the project: no outside numbering, no machine paths", () => {
    expect(offences()).toEqual([]);
  });

  it("the check sees both kinds, in comments only", () => {
    const sample = "const url = \"https://example.com/work/x\"; // see issue 13\n/* notes in shared/docs/x.md */\nconst n = 1;\n";
    const found = scriptComments(sample, "sample.ts").flatMap((c) => OUTSIDE.filter((o) => o.pattern.test(c.text)).map((o) => `${c.line} ${o.what}`));
    expect(found).toEqual(["1 outside numbering", "2 a machine path"]);
  });
});

import type { z } from "zod";

/** `["resourcePool", 2, "ipAddress"]` under `cmom:openstack` → `cmom:openstack.resourcePool[2].ipAddress`. */
export function keyPath(namespaceKey: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : `${acc}.${String(part)}`), namespaceKey);
}

export function formatIssues(namespaceKey: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => `${keyPath(namespaceKey, [...issue.path, key])}: unknown key`);
    // A value of one of a union's types (an inputs file's path among inline inputs or a path) gets that type's answer.
    const ofItsType = issue.code === "invalid_union" ? issue.errors.filter((branch) => !branch.some((i) => i.code === "invalid_type" && i.path.length === 0)) : [];
    if (ofItsType.length === 1) return formatIssues(keyPath(namespaceKey, issue.path), ofItsType[0]!);
    return [`${keyPath(namespaceKey, issue.path)}: ${describe(issue)}`];
  });
}

/** The kind of a value as a stack file shows it; never the value itself, which may be a secret typed in the wrong place. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value === "string" ? "a string" : typeof value === "number" ? "a number" : typeof value === "boolean" ? "a boolean" : typeof value;
}

const EXPECTED: Record<string, string> = { object: "a mapping", array: "a list", int: "an integer" };

// Issues carry their input only when parsed with `reportInput: true` (loadStackConfig does).
function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    return issue.input === undefined ? "required" : `expected ${EXPECTED[issue.expected] ?? `a ${issue.expected}`}, found ${kindOf(issue.input)}`;
  }
  if ((issue.code === "too_big" || issue.code === "too_small") && issue.message.startsWith("Too ")) {
    const bound = issue.code === "too_big" ? "at most" : "at least";
    const found = Array.isArray(issue.input) ? `${issue.input.length} items` : typeof issue.input === "number" ? String(issue.input) : undefined;
    const unit = issue.origin === "array" ? " items" : issue.origin === "string" ? " characters" : "";
    return `expected ${bound} ${String(issue.code === "too_big" ? issue.maximum : issue.minimum)}${unit}${found === undefined ? "" : `, found ${found}`}`;
  }
  return issue.message;
}

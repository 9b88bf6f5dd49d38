import type { z } from "zod";

/** `["resourcePool", 2, "ipAddress"]` under `cmom:openstack` → `cmom:openstack.resourcePool[2].ipAddress`. */
export function keyPath(namespaceKey: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : `${acc}.${String(part)}`), namespaceKey);
}

export function formatIssues(namespaceKey: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => `${keyPath(namespaceKey, [...issue.path, key])}: unknown key`)
      : [`${keyPath(namespaceKey, issue.path)}: ${describe(issue)}`]);
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "required";
  return issue.message;
}

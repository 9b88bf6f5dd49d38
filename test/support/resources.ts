import type { RecordedResource } from "../../scripts/plan/recordingMocks";

export const ofType = (resources: readonly RecordedResource[], type: string) => resources.filter((r) => r.type === type);

export function named(resources: readonly RecordedResource[], name: string): RecordedResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name} among ${resources.map((r) => r.name).join(", ")}`);
  return found;
}

/** Every URN a resource waits for, directly or through the resources it waits for. */
export function transitiveDependencies(resources: readonly RecordedResource[], urn: string): Set<string> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...(byUrn.get(urn)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byUrn.get(next)?.dependsOn ?? []));
  }
  return seen;
}

/** The URN of the ancestor component of type `type`, if any. */
export function ancestorOfType(resources: readonly RecordedResource[], urn: string, type: string): string | undefined {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  for (let r = byUrn.get(urn); r; r = byUrn.get(r.parent)) if (r.type === type) return r.urn;
  return undefined;
}

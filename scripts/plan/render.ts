import { maskSecrets, type RecordedResource } from "./recordingMocks";

export function planJson(stack: string, resources: readonly RecordedResource[]) {
  return {
    stack,
    resources: resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, dependsOn: r.dependsOn, inputs: readableInputs(r.inputs) })),
  };
}

/** Secrets masked; a dynamic provider's serialized code (tens of KB, the same for every resource of its type) named, not printed. */
function readableInputs(inputs: Record<string, unknown>): unknown {
  const { __provider: provider, ...rest } = inputs;
  return maskSecrets(provider === undefined ? rest : { __provider: `[serialized dynamic provider, ${String(provider).length} bytes]`, ...rest });
}

/** The resource tree (children indented under their parent) and a count per type. */
export function planText(stack: string, resources: readonly RecordedResource[], exports: Record<string, unknown>): string {
  const children = new Map<string, RecordedResource[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const known = new Set(resources.map((r) => r.urn));
  const lines = [`Stack ${stack}: ${resources.length} resources`, ""];
  const walk = (parent: string, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth)}${r.custom ? "+" : "▸"} ${r.type}  ${r.name}`);
      walk(r.urn, depth + 1);
    }
  };
  for (const root of [...children.keys()].filter((p) => !known.has(p))) walk(root, 0);

  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  lines.push("", "Count per type:");
  for (const [type, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${String(n).padStart(4)}  ${type}`);
  lines.push("", "Outputs (stand-in addresses from documentation ranges where the cloud assigns them):");
  for (const [key, value] of Object.entries(exports)) lines.push(`  ${key}: ${JSON.stringify(maskSecrets(value))}`);
  return lines.join("\n");
}

/** A Mermaid flowchart: components as subgraphs, an arrow from each resource to those that wait for it. */
export function planMermaid(resources: readonly RecordedResource[]): string {
  const id = new Map(resources.map((r, i) => [r.urn, `r${i}`]));
  const label = (r: RecordedResource) => `"${r.type.replace(/"/g, "'")}<br/>${r.name.replace(/"/g, "'")}"`;
  const children = new Map<string, RecordedResource[]>();
  for (const r of resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const lines = ["flowchart LR"];
  const emit = (r: RecordedResource, depth: number) => {
    const pad = "  ".repeat(depth);
    const kids = children.get(r.urn) ?? [];
    if (r.custom || kids.length === 0) {
      lines.push(`${pad}${id.get(r.urn)}[${label(r)}]`);
      return;
    }
    lines.push(`${pad}subgraph ${id.get(r.urn)}[${label(r)}]`);
    for (const kid of kids) emit(kid, depth + 1);
    lines.push(`${pad}end`);
  };
  for (const r of resources.filter((r) => !id.has(r.parent))) emit(r, 1);
  for (const r of resources) {
    for (const dep of r.dependsOn) {
      if (id.has(dep)) lines.push(`  ${id.get(dep)} --> ${id.get(r.urn)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { exampleNamespaces, TEST_SECRETS } from "../support/exampleStacks";
import { validateManifests } from "../support/validateManifests";
import { EngineProject, filesBelow, PROJECT_DIR } from "./support/engineProject";

interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

const identity = (o: KubernetesObject): string => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? "-"}/${o.metadata.name}`;

/** The manifests the provider wrote, by file (path relative to the directory → text). */
function renderedFiles(dir: string): Map<string, string> {
  return new Map(filesBelow(dir).map((f) => [f.path.slice(dir.length + 1), f.text]));
}

function renderedObjects(files: Map<string, string>): KubernetesObject[] {
  return [...files.values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJSON() as KubernetesObject | null)).filter((o): o is KubernetesObject => o !== null);
}

/** The Kubernetes objects the offline plan (Pulumi mocks) registers for the example stack. */
function plannedObjects(stack: string): string[] {
  const plan = JSON.parse(execFileSync(join(PROJECT_DIR, "node_modules", ".bin", "tsx"), [join(PROJECT_DIR, "scripts", "plan.ts"), stack, "--json"], { cwd: PROJECT_DIR, encoding: "utf8" })) as {
    resources: { type: string; inputs: Partial<KubernetesObject> }[];
  };
  return plan.resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"))
    .map((r) => identity(r.inputs as KubernetesObject))
    .sort();
}

/** One example stack per image generation: systemd (5.0.5) and modern (7.0.0). */
describe.each(["k8s", "k8s-modern"])("the %s example, rendered by the real kubernetes provider", (stack) => {
  let project: EngineProject;
  let renderDir: string;
  beforeAll(async () => {
    const namespaces = exampleNamespaces(stack) as Record<string, Record<string, unknown>>;
    const kubernetes = { ...namespaces.kubernetes! };
    // Secrets go in with --secret below; the provider writes manifests instead of reaching a cluster.
    const secrets = (["adminPassword", "kubeconfig"] as const).filter((key) => key in kubernetes);
    for (const key of secrets) delete kubernetes[key];
    // Relative local paths start at the stack file's directory (stacks/): this one names <project>/rendered.
    project = new EngineProject(stack, { ...namespaces, kubernetes: { ...kubernetes, provider: { renderYamlToDirectory: "../rendered" } } });
    renderDir = join(project.dir, "rendered");
    await project.init();
    for (const key of secrets) {
      await project.setSecret(`kubernetes.${key}`, key === "kubeconfig" ? "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n" : TEST_SECRETS.adminPassword);
    }
    await project.stackOk("up");
  });
  afterAll(() => {
    project?.cleanup();
  });

  it("renders the same objects the offline plan registers", () => {
    const rendered = renderedObjects(renderedFiles(renderDir)).map(identity).sort();
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered).toEqual(plannedObjects(stack));
  });

  it("every rendered object passes the Kubernetes schema strictly and Pod Security at its namespace's level", () => {
    expect(validateManifests(renderedObjects(renderedFiles(renderDir)))).toEqual([]);
  });

  it("a second up renders identically and reports no change", async () => {
    const first = renderedFiles(renderDir);
    await project.stackOk("up", "--expect-no-changes");
    expect(renderedFiles(renderDir)).toEqual(first);
  });
});

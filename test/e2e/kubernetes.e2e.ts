import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { exampleNamespaces, TEST_SECRETS } from "../support/exampleStacks";
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

describe("the k8s example, rendered by the real kubernetes provider", () => {
  let project: EngineProject;
  let renderDir: string;
  beforeAll(async () => {
    const namespaces = exampleNamespaces("k8s") as Record<string, Record<string, unknown>>;
    const kubernetes = { ...namespaces.kubernetes! };
    // Secrets go in with --secret below; the provider writes manifests instead of reaching a cluster.
    delete kubernetes.adminPassword;
    delete kubernetes.kubeconfig;
    project = new EngineProject("k8s", { ...namespaces, kubernetes: { ...kubernetes, provider: { renderYamlToDirectory: "rendered" } } });
    renderDir = join(project.dir, "rendered");
    await project.init();
    await project.setSecret("kubernetes.adminPassword", TEST_SECRETS.adminPassword);
    await project.setSecret("kubernetes.kubeconfig", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
    await project.stackOk("up");
  });
  afterAll(() => {
    project?.cleanup();
  });

  it("renders the same objects the offline plan registers", () => {
    const rendered = renderedObjects(renderedFiles(renderDir)).map(identity).sort();
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered).toEqual(plannedObjects("k8s"));
  });

  it("a second up renders identically and reports no change", async () => {
    const first = renderedFiles(renderDir);
    await project.stackOk("up", "--expect-no-changes");
    expect(renderedFiles(renderDir)).toEqual(first);
  });
});

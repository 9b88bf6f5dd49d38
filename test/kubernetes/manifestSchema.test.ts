// The example stack's manifests against the Kubernetes OpenAPI schema, offline. The validator is kubernetes-models
// (tommy351/kubernetes-models-ts): classes generated from the upstream OpenAPI spec, each with validate() built on ajv;
// 4.5.x is the last line that runs on Node 20. It checks types, enums, required fields and formats; unknown fields it
// lets through (the OpenAPI spec allows them), which the typed @pulumi/kubernetes inputs of our builders already refuse
// at compile time.
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../scripts/plan/recordingMocks";
import { isKubernetesObject, k8sStack, manifestOf, modern, runK8s } from "./fixtures/k8sStack";

interface Model { validate(): void }
type ModelClass = new (data: Record<string, unknown>) => Model;

const load = createRequire(__filename);

/** `apps/v1` + `StatefulSet` → kubernetes-models/apps/v1/StatefulSet (the core group is plain `v1`). */
function modelFor(apiVersion: string, kind: string): ModelClass {
  const module = load(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass>;
  const model = module[kind];
  if (!model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return model;
}

/** Problems of one manifest, as `<kind>/<name>: <ajv message>`. */
function schemaProblems(manifest: Record<string, any>): string[] {
  const Model = modelFor(manifest.apiVersion, manifest.kind);
  try {
    new Model(manifest).validate();
    return [];
  } catch (err) {
    return [`${manifest.kind}/${manifest.metadata?.name}: ${(err as Error).message}`];
  }
}

const allProblems = (resources: RecordedResource[]) => resources.filter(isKubernetesObject).map(manifestOf).flatMap(schemaProblems);

describe("manifests against the Kubernetes OpenAPI schema", () => {
  let systemd: RecordedResource[];
  let modernImage: RecordedResource[];
  beforeAll(async () => {
    systemd = (await runK8s(k8sStack())).resources;
    modernImage = (await runK8s(k8sStack(modern))).resources;
  });

  it("finds the validator strict enough to catch what the API server would reject", () => {
    const sts = manifestOf(systemd.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!);
    const broken = structuredClone(sts);
    broken.spec.podManagementPolicy = "OneByOne";
    broken.spec.template.spec.containers[0].ports[0].containerPort = "80";
    const problems = schemaProblems(broken).join("\n");
    expect(problems).toContain("podManagementPolicy");
    expect(problems).toContain("containerPort");
  });

  it("validates every object of the example stack (systemd-era image)", () => {
    expect(systemd.filter(isKubernetesObject)).toHaveLength(13);
    expect(allProblems(systemd)).toEqual([]);
  });

  it("validates every object with a modern image", () => {
    expect(allProblems(modernImage)).toEqual([]);
  });
});

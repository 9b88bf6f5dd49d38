// The example stacks' manifests, offline, through validateManifests (test/support/validateManifests.ts): the Kubernetes
// OpenAPI schema of kubernetes-models 4.4.2 (Kubernetes 1.27.1, not newer than the stated minimum) with unknown fields refused, and Pod Security admission at the level each
// namespace is labelled with. The e2e calls the same function on what the real provider renders.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../../scripts/plan/recordingMocks";
import { validateManifests } from "../support/validateManifests";
import { isKubernetesObject, k8sStack, manifestOf, runK8s } from "./fixtures/k8sStack";

const manifests = (resources: RecordedResource[]) => resources.filter(isKubernetesObject).map(manifestOf);

describe("manifests against the Kubernetes OpenAPI schema and Pod Security admission", () => {
  let systemd: Record<string, any>[];
  let modernImage: Record<string, any>[];
  beforeAll(async () => {
    systemd = manifests((await runK8s(k8sStack())).resources);
    modernImage = manifests((await runK8s(k8sStack(undefined, "k8s-modern"))).resources);
  });

  it("validates every object of the systemd-generation example (5.0.5, namespace privileged)", () => {
    expect(systemd).toHaveLength(13);
    expect(validateManifests(systemd)).toEqual([]);
  });

  it("validates every object of the modern example (7.0.0, namespace baseline, plugin namespace restricted)", () => {
    expect(modernImage.find((o) => o.kind === "Namespace" && o.metadata.name === "cloudify-modern")!.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    expect(validateManifests(modernImage)).toEqual([]);
  });

  it("is strict: wrong types and enums, unknown fields at any depth, and an unknown kind are problems", () => {
    const broken = structuredClone(systemd);
    const sts = broken.find((o) => o.kind === "StatefulSet")!;
    sts.spec.podManagementPolicy = "OneByOne";
    sts.spec.template.spec.containers[0].ports[0].containerPort = "80";
    sts.spec.template.spec.containers[0].securityContext.allowPrivilegeEscallation = false;
    sts.spec.template.spec.volumes[0].persistentVolumeClaim.claim = "x";
    sts.spec.replica = 1;
    broken.push({ apiVersion: "v1", kind: "Pdo", metadata: { name: "typo" } });
    const problems = validateManifests(broken).join("\n");
    expect(problems).toContain("podManagementPolicy");
    expect(problems).toContain("containerPort");
    expect(problems).toContain("StatefulSet/cloudify-manager: unknown field spec.template.spec.containers[0].securityContext.allowPrivilegeEscallation");
    expect(problems).toContain("unknown field spec.template.spec.volumes[0].persistentVolumeClaim.claim");
    expect(problems).toContain("unknown field spec.replica");
    expect(problems).toContain("Pdo/typo: unknown apiVersion/kind v1 Pdo");
  });

  it("finds unknown fields in every object, whichever kinds came before it (each kind's schema is read separately)", () => {
    const byKind = (kind: string) => structuredClone(systemd.find((o) => o.kind === kind)!);
    const objects = ["Service", "StatefulSet", "Service", "StatefulSet"].map(byKind);
    objects.forEach((object, i) => (object.spec[`typo${i}`] = true));
    const problems = validateManifests(objects);
    expect(problems.filter((p) => p.includes(": unknown field spec.typo"))).toEqual([0, 1, 2, 3].map((i) => `${objects[i]!.kind}/${objects[i]!.metadata.name}: unknown field spec.typo${i}`));
  });

  it("applies Pod Security admission: the systemd pod is refused by baseline, the modern one by restricted", () => {
    const baseline = validateManifests(systemd, { podSecurityLevel: "baseline" }).join("\n");
    expect(baseline).toContain('StatefulSet/cloudify-manager: violates Pod Security "baseline": hostPath volume cgroup');
    expect(baseline).toContain("container manager adds capability SYS_ADMIN");
    expect(baseline).toContain("container manager seccompProfile Unconfined");
    const restricted = validateManifests(modernImage, { podSecurityLevel: "restricted" }).join("\n");
    expect(restricted).toContain("container manager allowPrivilegeEscalation not false");
    expect(restricted).toContain("container manager runAsNonRoot not true");
  });

  it("checks against a schema no newer than the minimum Kubernetes the README states: later fields are refused", () => {
    const minimum = /Minimum Kubernetes: (\d+\.\d+)/.exec(fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8"))![1]!;
    const modelsReadme = fs.readFileSync(path.join(path.dirname(createRequire(__filename).resolve("kubernetes-models/package.json")), "README.md"), "utf8");
    const schema = /badge\/kubernetes-(\d+)\.(\d+)\.\d+-/.exec(modelsReadme)!;
    const [major, minor] = minimum.split(".").map(Number);
    expect(Number(schema[1]) * 1000 + Number(schema[2])).toBeLessThanOrEqual(major! * 1000 + minor!);

    const newer = structuredClone(systemd);
    const pod = newer.find((o) => o.kind === "StatefulSet")!.spec.template.spec;
    pod.containers[0].securityContext.appArmorProfile = { type: "RuntimeDefault" }; // 1.30
    pod.resources = { limits: { cpu: "4" } }; // pod-level resources, 1.32
    const problems = validateManifests(newer).join("\n");
    expect(problems).toContain("unknown field spec.template.spec.containers[0].securityContext.appArmorProfile");
    expect(problems).toContain("unknown field spec.template.spec.resources");
  });

  it("names a pod whose namespace carries no Pod Security label", () => {
    const unlabelled = systemd.filter((o) => o.kind !== "Namespace");
    expect(validateManifests(unlabelled)).toContain("StatefulSet/cloudify-manager: namespace cloudify has no Pod Security label among the objects and no level was given");
  });
});

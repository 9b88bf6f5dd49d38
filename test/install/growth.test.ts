import { describe, expect, it } from "vitest";
import { revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { poolWithRealSecrets } from "../support/exampleStacks";
import { runProgram } from "../support/runProgram";

/** The pool stack (with a fourth pool address) at a given size. */
async function poolOf(instances: number) {
  const ns = poolWithRealSecrets() as Record<string, any>;
  ns.openstack.resourcePool.push({ ipAddress: "10.20.0.14", hostname: "cfy-eu-4" });
  ns.cluster.instances = instances;
  const { resources } = await runProgram(ns);
  return new Map(resources.map((r) => [r.urn, r]));
}

const comparable = (r: RecordedResource) => JSON.stringify({ parent: r.parent, dependsOn: r.dependsOn, inputs: r.inputs });

describe("growing instances 3 → 4", async () => {
  const three = await poolOf(3);
  const four = await poolOf(4);
  const added = [...four.keys()].filter((urn) => !three.has(urn));

  it("keeps every resource of the three-node stack", () => {
    expect([...three.keys()].filter((urn) => !four.has(urn))).toEqual([]);
  });

  it("adds only the fourth node: its server, DNS record, install, cleanup and its own join behind the last one", () => {
    const names = added.map((urn) => four.get(urn)!.name);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(name).toMatch(/(node-3\b|cfy-eu-4|cluster-join-3$)/);
    const join = [...four.values()].find((r) => r.name === "test-install-cluster-join-3")!;
    const previousJoin = [...four.values()].find((r) => r.name === "test-install-cluster-join-2")!;
    expect(join.dependsOn).toContain(previousJoin.urn);
  });

  it("leaves the inputs of the first three nodes' resources untouched (only the DNS entry point, the REST endpoint list and the leader's peer list grow)", () => {
    const changed = [...three.values()].filter((r) => comparable(r) !== comparable(four.get(r.urn)!));
    const cloudify = changed.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/cloudify:"));
    expect(changed.filter((r) => !cloudify.includes(r)).map((r) => r.name).sort()).toEqual(["test-dns-cloudify", "test-install-cluster-start"]);
    // The leader's cluster step learns the new peer (cluster_start then finds the cluster running and changes nothing).
    const start = (m: typeof three) => [...m.values()].find((r) => r.name === "test-install-cluster-start")!;
    expect(start(four).inputs.command).toBe(`${start(three).inputs.command},10.20.0.14`);
    expect(JSON.stringify({ ...start(four).inputs, command: "" })).toBe(JSON.stringify({ ...start(three).inputs, command: "" }));
    const entryPoint = [...four.values()].find((r) => r.name === "test-dns-cloudify")!;
    expect(entryPoint.inputs.records).toEqual(["10.20.0.11", "10.20.0.12", "10.20.0.13", "10.20.0.14"]);
    expect(cloudify.length).toBeGreaterThan(0);
    // Cloudify objects learn the fourth endpoint (an in-place update that sends nothing to the manager) and wait for its join.
    for (const before of cloudify) {
      const after = four.get(before.urn)!;
      const endpoints = (r: RecordedResource) => (revealSecrets(r.inputs.connection) as { endpoints: string[] }).endpoints;
      expect(endpoints(after)).toEqual([...endpoints(before), "https://10.20.0.14"]);
      const withoutEndpoints = (r: RecordedResource) => JSON.stringify({ ...(revealSecrets(r.inputs) as object), connection: { ...(revealSecrets(r.inputs.connection) as object), endpoints: [] } });
      expect(withoutEndpoints(after)).toBe(withoutEndpoints(before));
    }
  });
});

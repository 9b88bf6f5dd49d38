import { describe, expect, it } from "vitest";
import { stageCommand } from "../../components/install/nodePaths";
import { revealSecrets, type RecordedResource } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces } from "../support/exampleStacks";
import { problems } from "../support/parseConfig";
import { named } from "../support/resources";
import { runProgram } from "../support/runProgram";

const nodeJsonOf = (resources: RecordedResource[], index: number) =>
  JSON.parse(String(revealSecrets(named(resources, `test-install-node-${index}-node-json`).inputs.stdin)));

describe("a rebuilt node 0 rejoins (cmom:cluster.rejoinVia)", async () => {
  const ns = exampleNamespaces("pool") as Record<string, any>;
  const before = (await runProgram(ns)).resources;
  ns.cluster.rejoinVia = "10.20.0.12";
  const after = (await runProgram(ns)).resources;

  it("joins node 0 to the live member instead of starting a second cluster", () => {
    // Before: the leader starts the cluster, told its peers so that a rebuilt leader would find the running one.
    expect(named(before, "test-install-cluster-start").inputs.command).toBe(`${stageCommand("cluster_start")} 10.20.0.12,10.20.0.13`);
    expect(named(after, "test-install-cluster-start").inputs.command).toBe(stageCommand("cluster_join"));
    expect(nodeJsonOf(after, 0).cluster).toEqual({ role: "member", leaderIp: "10.20.0.12", nodeName: "cfy-eu-1" });
  });

  it("changes nothing on the other nodes", () => {
    for (const index of [1, 2]) {
      expect(nodeJsonOf(after, index)).toEqual(nodeJsonOf(before, index));
      for (const r of before.filter((x) => x.name.startsWith(`test-install-node-${index}-`))) {
        expect(JSON.stringify(revealSecrets(named(after, r.name).inputs))).toBe(JSON.stringify(revealSecrets(r.inputs)));
      }
    }
  });

  it("takes an IPv4 address", () => {
    const bad = structuredClone(ns);
    bad.cluster.rejoinVia = "cfy-eu-2";
    expect(problems(bad)).toContain("cmom:cluster.rejoinVia: not an IPv4 address");
  });
});

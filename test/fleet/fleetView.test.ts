import { describe, expect, it } from "vitest";
import { cloudOutputs, resolveExports } from "../../scripts/plan/recordingMocks";
import { exampleNamespaces } from "../support/exampleStacks";
import { problems } from "../support/parseConfig";
import { runProgram } from "../support/runProgram";

const STATUS_A = { leaderStatus: [{ service: "PostgreSQL", status: "running" }], clusterStatus: [], error: "" };
const REFERENCED: Record<string, Record<string, unknown>> = {
  "acme/cmom/pool": { clusterIps: { master: "10.20.0.11", slaves: ["10.20.0.12"] }, clusterStatus: STATUS_A },
  floating: { clusterIps: { master: "198.51.100.7", slaves: [] } },
};

describe("fleet view", () => {
  it("exports one row per referenced stack with its clusterIps and clusterStatus", async () => {
    const { exports } = await runProgram({ platform: "fleet", fleet: { stacks: ["acme/cmom/pool", "floating"] } }, {
      outputs: (type, name, inputs) => type === "pulumi:pulumi:StackReference"
        ? { outputs: REFERENCED[String(inputs.name)] ?? {}, secretOutputNames: [] }
        : cloudOutputs(type, name, inputs),
    });
    const { fleet, clusterIps } = await resolveExports(exports);
    expect(clusterIps).toBeUndefined();
    expect(fleet).toEqual([
      { stack: "acme/cmom/pool", clusterIps: REFERENCED["acme/cmom/pool"]!.clusterIps, clusterStatus: STATUS_A },
      { stack: "floating", clusterIps: { master: "198.51.100.7", slaves: [] }, clusterStatus: null },
    ]);
  });

  it("needs its stacks and nothing else", () => {
    expect(problems({ platform: "fleet" })).toContain("cmom:fleet: required when cmom:platform is fleet");
    expect(problems({ platform: "fleet", fleet: { stacks: [] } })).toContain("cmom:fleet.stacks: list at least one stack");
    expect(problems({ platform: "fleet", fleet: { stacks: ["a b"] } })[0]).toMatch(/^cmom:fleet\.stacks\[0\]: not a stack name/);
    expect(problems({ platform: "fleet", fleet: { stacks: ["a"] }, openstack: exampleNamespaces("pool").openstack }))
      .toContain("cmom:openstack: only used when cmom:platform is openstack");
    expect(problems({ platform: "fleet", fleet: { stacks: ["a"] } })).toEqual([]);
  });
});

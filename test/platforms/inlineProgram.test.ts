// The program the scripts (stack, backup, heal) hand the Automation API: loaded when it first runs, so that a script's
// --help does not load it, and then the same program index.ts is.
import { describe, expect, it } from "vitest";
import { runUnderMocks } from "../../scripts/plan/recordingMocks";
import { poolWithRealSecrets, toPulumiConfig } from "../support/exampleStacks";
import { loadProgramAfresh } from "../support/runProgram";

describe("the Automation API's inline program", () => {
  it("builds what index.ts builds and returns the outputs it exports", async () => {
    const { config, secretKeys } = toPulumiConfig(poolWithRealSecrets());
    const options = { project: "cmom", stack: "inline", config, secretKeys };
    const index = await runUnderMocks(options, loadProgramAfresh);
    const { inlineProgram } = await import("../../components/platforms/inlineProgram");
    const inline = await runUnderMocks(options, async () => ((await inlineProgram()) ?? {}) as Record<string, unknown>);

    // The same resources; the order they register in follows when each one's files were read, which varies run to run.
    const urns = (run: typeof index) => run.resources.map((r) => r.urn).sort();
    expect(urns(inline)).toEqual(urns(index));
    expect(index.resources.length).toBeGreaterThan(0);
    const exported = Object.keys(index.exports).filter((key) => index.exports[key] !== undefined).sort();
    expect(Object.keys(inline.exports).sort()).toEqual(exported);
  });
});

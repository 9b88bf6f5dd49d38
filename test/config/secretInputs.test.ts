import { describe, expect, it } from "vitest";
import { parseStackConfig, type OpenStackStackConfig } from "../../components/config/loadStackConfig";
import { isUnderSecure } from "../../components/config/securePaths";
import { runUnderMocks } from "../../scripts/plan/recordingMocks";
import { planJson } from "../../scripts/plan/render";
import { EXAMPLE_PATHS, exampleNamespaces, poolWithRealSecrets, toPulumiConfig } from "../support/exampleStacks";

const PLANTED = "deployment-input-secret-4e7a";

/** The pool example with its deployment's inline inputs holding a password. */
function poolWithInputPassword(): Record<string, any> {
  const ns = poolWithRealSecrets() as Record<string, any>;
  ns.resources.deployments[0].inputs = { greeting: "hi", password: PLANTED };
  return ns;
}

describe("inline deployment inputs set with --secret", () => {
  const parseWith = (ns: Record<string, any>, secure: string[]) => parseStackConfig(toPulumiConfig(ns).config, {
    stack: "t", allowPlaceholders: true, checkLocalFiles: false, isSecret: (at) => isUnderSecure(secure, at), paths: EXAMPLE_PATHS,
  }) as OpenStackStackConfig;
  const securedElsewhere = ["cmom:cluster", "cmom:resources.secrets[0].string"];

  it("are secret when one of their values was set with --secret --path 'resources.deployments[0].inputs.password'", () => {
    const config = parseWith(poolWithInputPassword(), [...securedElsewhere, "cmom:resources.deployments[0].inputs.password"]);
    expect(config.resources.deployments[0]!.secretInputs).toBe(true);
  });

  it("stay plain (readable in a preview's diff) when none of them was", () => {
    const ns = exampleNamespaces("pool") as Record<string, any>;
    const config = parseWith(ns, securedElsewhere);
    expect(config.resources.deployments[0]!.secretInputs).toBe(false);
  });

  it("never appear in plain text in what the program registers", async () => {
    const { config, secretKeys } = toPulumiConfig(poolWithInputPassword());
    const { resources } = await runUnderMocks({ project: "cmom", stack: "inputs", config, secretKeys }, async () => ({ ...(await import("../../index")) }));
    const deployment = planJson("inputs", resources).resources.find((r) => r.type === "pulumi-nodejs:dynamic/cloudify:Deployment")!;
    expect((deployment.inputs as Record<string, unknown>).inputs).toBe("[secret]");
    expect(JSON.stringify(planJson("inputs", resources))).not.toContain(PLANTED);
  });
});

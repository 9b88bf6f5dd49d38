import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesBelow } from "./support/engineProject";
import { leaksIn as leaksOf } from "./support/leaks";
import { managerStack, SENTINELS, type ManagerStack } from "./support/managerStack";

const leaksIn = (text: string): string[] => leaksOf(SENTINELS, text);

describe("secrets under the real engine", () => {
  let s: ManagerStack;
  const output: string[] = [];
  beforeAll(async () => {
    s = await managerStack("secrets");
    for (const operation of ["preview", "up", "refresh"] as const) {
      const result = await s.project.script("stack", [operation, s.project.stack]);
      expect(result.code, result.stderr).toBe(0);
      output.push(result.stdout, result.stderr);
    }
  });
  afterAll(async () => {
    await s?.close();
  });

  it("the sentinels did reach the manager (the scan below looks for values that exist)", () => {
    expect(s.double.state.secrets.get("ops", "api_token")!.value).toBe(SENTINELS.apiToken);
  });

  it("the raw state files hold no secret in plain text, base64 or JSON-escaped", () => {
    const files = filesBelow(s.project.stateDir);
    expect(files.some((f) => f.path.endsWith(".json") && f.text.includes("cloudify:Secret"))).toBe(true);
    expect(files.flatMap((f) => leaksIn(f.text).map((leak) => `${f.path}: ${leak}`))).toEqual([]);
  });

  it("pulumi stack export holds no secret", async () => {
    const exported = await s.project.pulumiOk(["stack", "export", "-s", s.project.stack]);
    expect(exported).toContain("cloudify:Secret");
    expect(leaksIn(exported)).toEqual([]);
  });

  it("the engine's output of preview, up and refresh holds no secret", () => {
    expect(leaksIn(output.join("\n"))).toEqual([]);
  });

  it("the stack file holds the secrets only as ciphertext", () => {
    const stackFile = filesBelow(s.project.dir).find((f) => f.path === s.project.stackFile)!;
    expect(stackFile.text).toContain("secure:");
    expect(leaksIn(stackFile.text)).toEqual([]);
  });
});

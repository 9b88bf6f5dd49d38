import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesBelow } from "./support/engineProject";
import { managerStack, SENTINELS, type ManagerStack } from "./support/managerStack";

/**
 * Every form a leaked value could take in a file or a log: as is, JSON-escaped, and base64 at each of the three byte
 * alignments it can have inside a longer base64 text (the characters that mix in its neighbours' bits are left out).
 */
function leakForms(value: string): string[] {
  const base64At = (offset: number): string => {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(value)]).toString("base64");
    return encoded.slice(Math.ceil((offset * 4) / 3) + 1, encoded.length - 4);
  };
  return [value, JSON.stringify(value).slice(1, -1), base64At(0), base64At(1), base64At(2)];
}

function leaksIn(text: string): string[] {
  return Object.entries(SENTINELS).flatMap(([name, value]) => leakForms(value).filter((form) => text.includes(form)).map((form) => `${name} as ${JSON.stringify(form)}`));
}

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

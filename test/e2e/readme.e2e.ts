import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startCloudifyDouble, type CloudifyDouble } from "../doubles/cloudify";
import { PROJECT_DIR, startCommand } from "./support/engineProject";

/** The shell lines of the README's "Running it for real" block, comments and all. */
function realRunSteps(): string[] {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  const block = /<!-- real-run:start -->\n```sh\n([\s\S]*?)```\n<!-- real-run:end -->/.exec(readme);
  if (!block) throw new Error("README.md: the real-run block is missing");
  return block[1]!.split("\n").filter((line) => line.trim() !== "");
}

describe("README, Running it for real", () => {
  let double: CloudifyDouble | undefined;
  const dir = mkdtempSync(join(tmpdir(), "cmom-readme-"));
  // `pulumi login` records the backend in the engine's home: the developer's own login comes back afterwards.
  const credentials = join(PROJECT_DIR, ".engine", "home", "credentials.json");
  const developerLogin = existsSync(credentials) ? readFileSync(credentials) : undefined;
  afterAll(async () => {
    await double?.close();
    rmSync(dir, { recursive: true, force: true });
    if (developerLogin === undefined) rmSync(credentials, { force: true });
    else writeFileSync(credentials, developerLogin);
  });

  it("its steps, run as written in a user's project and home, manage the manager", async () => {
    const steps = realRunSteps();
    // The first line installs and builds: CI runs it as its own first steps, before every test.
    expect(steps[0]).toMatch(/^npm ci && npm run engine\b/);
    double = await startCloudifyDouble({ users: { admin: "readme-Admin-Pa55" } });

    // A user's checkout: the project's files, and a stack file of theirs pointing at their manager.
    const project = join(dir, "project");
    const home = join(dir, "home");
    mkdirSync(join(project, "stacks"), { recursive: true });
    mkdirSync(home);
    for (const entry of ["package.json", "node_modules", "scripts", "components", "index.ts"]) symlinkSync(join(PROJECT_DIR, entry), join(project, entry));
    copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
    writeFileSync(join(project, "stacks", "Pulumi.manager.yaml"), stringify({
      config: {
        "cmom:platform": "manager",
        "cmom:manager": { endpoints: [...double.urls], caCert: double.caCertPem },
        "cmom:resources": { tenants: ["from-readme"] },
      },
    }));
    // As the README asks: secret files readable by their owner alone.
    writeFileSync(join(project, "admin-password.txt"), "readme-Admin-Pa55\n", { mode: 0o600 });
    writeFileSync(join(home, ".cmom-passphrase"), "readme passphrase\n", { mode: 0o600 });

    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CI: "true" };
    for (const name of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN"]) delete env[name];
    const script = ["set -euo pipefail", ...steps.slice(1)].join("\n");
    // Asynchronously: the manager double answers from this process.
    const run = await startCommand("bash", ["-c", script], { cwd: project, env }).done;
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);

    expect(double.state.tenants.has("from-readme")).toBe(true);
    // The login of the README keeps the state beside the project.
    expect(readdirSync(join(project, ".pulumi", "stacks", "cmom"))).toContain("manager.json");
  });
});

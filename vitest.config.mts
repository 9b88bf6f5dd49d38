import * as fs from "node:fs";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

const TESTS = "test/**/*.test.ts";

/**
 * Test files that touch the Pulumi runtime's global state (mocks, config, stack, the running program): they run the
 * program under mocks (runProgram, runPlanMain, runUnderMocks, loadProgramAfresh, the Kubernetes stack fixture), install
 * mocks themselves, or set the runtime's settings. Found by what the file says, so a new such test starts with a fresh
 * runtime without anyone listing it.
 */
const USES_PULUMI_RUNTIME = /\b(runProgram|runPlanMain|runUnderMocks|loadProgramAfresh|setMocks|k8sStack|pulumi\.runtime)\b|process\.env\.[A-Z_]+ =/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(file);
    return entry.name.endsWith(".test.ts") ? [file] : [];
  });
}
const pulumiRuntimeTests = testFiles("test").filter((file) => USES_PULUMI_RUNTIME.test(fs.readFileSync(file, "utf8")));

export default defineConfig({
  test: {
    // Generous: on a machine shared with other work a test may wait long for a core; speed is measured by `npm run bench`.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Many files wait on child processes (the node-setup tool, bash, python, ssh) or sockets part of the time: two files at
    // once keep both cores of a small machine busy. (Vitest's default is cores - 1: one file at a time on two cores.)
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "pulumi-runtime",
          include: pulumiRuntimeTests,
          // Pulumi's runtime keeps global state (mocks, config, stack) in the process. These files share worker processes,
          // so the SDKs are loaded once per worker rather than once per file, and each file starts with the runtime as a
          // fresh process has it (and gets the environment back as it found it): see the setup file.
          pool: "forks",
          isolate: false,
          setupFiles: ["test/support/pulumiRuntimeSetup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "unit",
          include: [TESTS],
          exclude: pulumiRuntimeTests,
          // No runtime state to leak between files: a worker keeps its loaded modules (the Cloudify client, zod schemas, the
          // doubles) from one file to the next instead of loading and transforming them again for each.
          pool: "forks",
          isolate: false,
        },
      },
    ],
  },
});

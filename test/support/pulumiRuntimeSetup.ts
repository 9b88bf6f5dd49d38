/**
 * Run by vitest before each test file of the "pulumi-runtime" project (vitest.config.mts). Those files share worker
 * processes, so @pulumi/pulumi and the providers' SDKs are loaded once per worker instead of once per file; each file still
 * starts with the runtime as a fresh process has it, so a file that forgets its mocks or config fails as it would alone,
 * whatever ran before it in the same worker, and the environment it changed is put back after it.
 */
import { afterAll } from "vitest";
import { freshPulumiRuntime, restoreEnvironment } from "./freshPulumiRuntime";

const environment = { ...process.env };
freshPulumiRuntime();
afterAll(() => restoreEnvironment(environment));

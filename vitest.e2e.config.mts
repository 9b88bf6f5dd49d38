import { defineConfig } from "vitest/config";

/**
 * `npm run e2e`: tests that drive the real Pulumi engine built by `npm run engine` (on PATH through scripts/engine/env.sh).
 * The engine and its plugins use both cores of a small machine: one file at a time.
 */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});

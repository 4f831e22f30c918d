import { defineConfig } from "vitest/config";

// Unit, policy and real-server tests. Container tests need a Docker engine and run on their own
// (`npm run test:containers`, vitest.containers.config.mts); so do the tests on the real Pulumi CLI
// (`npm run test:engine`, vitest.engine.config.mts).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/containers/**", "test/engine/**", "test/faults/**", "test/k8s/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Pulumi's mock runtime is process-global state: keep each file in its own fork.
    pool: "forks",
  },
});

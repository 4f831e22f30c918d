import { defineConfig } from "vitest/config";

// Unit, policy and real-server tests. Container tests need a Docker engine and run on their own
// (`npm run test:containers`, vitest.containers.config.mts).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/containers/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Pulumi's mock runtime is process-global state: keep each file in its own fork.
    pool: "forks",
  },
});

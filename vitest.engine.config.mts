import { defineConfig } from "vitest/config";

// The real Pulumi CLI running Rampart with STAND-IN providers (README.md, "Testing"). Its own suite:
// `npm run test:engine`. The CLI is built by scripts/engine/build-pulumi.sh in beforeAll (about 6-8 min
// cold, well under a second once cached), hence the long hook timeout.
export default defineConfig({
  test: {
    include: ["test/engine/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 1_500_000,
    pool: "forks",
    fileParallelism: false,
  },
});

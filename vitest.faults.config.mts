import { defineConfig } from "vitest/config";

// Real outages under a bounded load (README.md, "Faults"): each file starts its own servers on loopback or
// on an --internal Docker network it creates, injects one fault and prints its figures. Files run one at a
// time: a fault's timings must not be measured while another file's servers compete for the 2 cores.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: "forks",
    fileParallelism: false,
  },
});

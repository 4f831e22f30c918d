import { defineConfig } from "vitest/config";

// The aws-scale Kubernetes layer on a real kube-apiserver through the real Pulumi engine and Kubernetes
// provider (README.md, "Testing"). Its own suite: `npm run test:k8s`. beforeAll builds the Pulumi CLI, the
// provider and the control plane when they are not cached (scripts/engine/; minutes cold, a second warm),
// hence the long hook timeout. One control plane serves the whole suite: files run one at a time.
export default defineConfig({
  test: {
    include: ["test/k8s/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 3_600_000,
    pool: "forks",
    fileParallelism: false,
  },
});

import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { RampartContainers } from "../../components/containers/stack";
import { declare } from "../support/pulumi";
import { STACK_ARGS } from "./support/stacks";

// Cross-check against the policy pack as the offline plan runs it: the containers must satisfy every
// container-hardening rule (docker-*) on both targets. Pulumi's runtime is process-global, so both
// targets are declared in one mock program under distinct prefixes.
describe("policy pack over RampartContainers", () => {
  it("reports no docker-* violation for the local or the aws stack", async () => {
    const resources = await declare(
      () => {
        new RampartContainers("local", { ...STACK_ARGS.local, prefix: "local" });
        new RampartContainers("aws", { ...STACK_ARGS.aws, prefix: "aws" });
      },
      { stack: "containers-unit" },
    );
    // Ten services per stack, each with its never-started upload seed.
    const containers = resources.filter((r) => r.type === "docker:index/container:Container");
    expect(containers.filter((r) => r.inputs.start !== false)).toHaveLength(20);
    expect(containers.filter((r) => r.inputs.start === false)).toHaveLength(20);
    const violations = evaluatePolicies(resources).violations;
    const hardening = violations.filter((v) => v.policy.startsWith("docker-"));
    expect(hardening.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { container } from "./fixtures/build";

const REMEDIATE = {
  "docker-no-new-privileges": "remediate",
  "docker-capabilities-drop-all": "remediate",
  "docker-restricted-ports-not-on-all-interfaces": "remediate",
};

describe("remediate enforcement level", () => {
  const weak = container({
    securityOpts: ["apparmor=docker-default", "no-new-privileges:false"],
    capabilities: { drops: ["NET_RAW"], adds: [] },
    ports: [
      { internal: 6379, external: 6379, ip: "0.0.0.0" },
      { internal: 7881, external: 7881, ip: "0.0.0.0" },
    ],
  });

  it("fails the same container as mandatory when remediation is not enabled", () => {
    const policies = evaluatePolicies([weak]).violations.filter((v) => v.level === "mandatory").map((v) => v.policy);
    expect(policies).toEqual(expect.arrayContaining(Object.keys(REMEDIATE)));
  });

  const result = evaluatePolicies([weak], { config: REMEDIATE });

  it("adds no-new-privileges:true and keeps the other security options", () => {
    const fix = result.remediated.find((r) => r.policy === "docker-no-new-privileges");
    expect(fix?.inputs.securityOpts).toEqual(["apparmor=docker-default", "no-new-privileges:true"]);
  });

  it("drops ALL capabilities", () => {
    const last = result.remediated.filter((r) => r.urn === weak.urn).at(-1)!;
    expect(last.inputs.capabilities).toEqual({ drops: ["ALL"], adds: [] });
  });

  it("rebinds only the internal port to 127.0.0.1 and leaves the public one alone", () => {
    const last = result.remediated.filter((r) => r.urn === weak.urn).at(-1)!;
    expect(last.inputs.ports).toEqual([
      { internal: 6379, external: 6379, ip: "127.0.0.1" },
      { internal: 7881, external: 7881, ip: "0.0.0.0" },
    ]);
  });

  it("chains remediations: each sees the previous one's output, the last carries all three fixes", () => {
    const last = result.remediated.at(-1)!;
    expect(last.inputs.securityOpts).toContain("no-new-privileges:true");
    expect(last.inputs.capabilities).toMatchObject({ drops: ["ALL"] });
  });

  it("reports what it fixed at level remediate and leaves no mandatory violation for those rules", () => {
    const levels = result.violations.filter((v) => v.policy in REMEDIATE);
    expect(levels.every((v) => v.level === "remediate")).toBe(true);
    expect(levels.map((v) => v.message).join("\n")).toMatch(/remediated: .*lacks securityOpts "no-new-privileges:true"/);
    expect(result.violations.filter((v) => v.level === "mandatory")).toEqual([]);
  });

  it("does nothing to a container that is already hardened", () => {
    const r = evaluatePolicies([container()], { config: REMEDIATE });
    expect(r.remediated).toEqual([]);
    expect(r.violations).toEqual([]);
  });

  it("rules without a safe fix stay mandatory even at level remediate", () => {
    const r = evaluatePolicies([container({ privileged: true })], { config: { "docker-not-privileged": "remediate" } });
    expect(r.violations).toEqual([expect.objectContaining({ policy: "docker-not-privileged", level: "mandatory" })]);
  });
});

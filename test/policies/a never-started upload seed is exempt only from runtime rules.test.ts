/**
 * The upload seed (components/containers: a never-started container with a writable root that carries a
 * service's `uploads` into its volumes) must pass the pack, but only because it cannot run or reach
 * anything: the moment it is started, networked, published or shares a host namespace, the runtime rules
 * (read-only root, healthcheck, restart policy) apply again, and no other hardening rule is ever lifted.
 */
import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { neverStartedSeed } from "@rampart/policies/rules/containers";
import { container, hardenedContainerInputs } from "./fixtures/build";

const RUNTIME_RULES = ["docker-read-only-root", "docker-healthcheck", "docker-restart-policy"];

/** What HardenedContainer declares for a seed: the service's hardening minus the runtime settings. */
function seed(overrides: Record<string, unknown> = {}) {
  return container(
    {
      readOnly: false,
      start: false,
      mustRun: false,
      networkMode: "none",
      networksAdvanced: [],
      ports: [],
      healthcheck: undefined,
      restart: "no",
      entrypoints: ["/bin/true"],
      uploads: [{ file: "/run/secrets/jwt", content: "[secret]", permissions: "0400", owner: "65534", group: "65534" }],
      mounts: [{ type: "volume", source: "rampart-gateway-run-secrets", target: "/run/secrets", readOnly: false }],
      ...overrides,
    },
    "rampart-gateway-seed",
  );
}

const policiesHit = (overrides: Record<string, unknown>) => [...new Set(evaluatePolicies([seed(overrides)]).violations.map((v) => v.policy))].sort();

describe("a never-started upload seed", () => {
  it("passes the whole pack, and the runtime rules say why they do not apply", () => {
    const result = evaluatePolicies([seed()]);
    expect(result.violations).toEqual([]);
    const skipped = result.notApplicable.filter((n) => RUNTIME_RULES.includes(n.policy));
    expect(skipped.map((n) => n.policy).sort()).toEqual([...RUNTIME_RULES].sort());
    for (const n of skipped) expect(n.reason).toMatch(/never-started seed/);
  });

  it("is recognised only with start false, mustRun false, network none, no ports and no host namespace", () => {
    expect(neverStartedSeed(seed().inputs)).toBe(true);
    expect(neverStartedSeed(hardenedContainerInputs())).toBe(false);
    for (const variant of [
      { start: true },
      { start: undefined },
      { mustRun: true },
      { mustRun: undefined },
      { networkMode: "bridge" },
      { networkMode: "host" },
      { networksAdvanced: [{ name: "rampart-internal" }] },
      { ports: [{ internal: 8080, external: 8080, ip: "127.0.0.1", protocol: "tcp" }] },
      { publishAllPorts: true },
      { pidMode: "host" },
      { ipcMode: "host" },
      { usernsMode: "host" },
    ]) {
      expect(neverStartedSeed(seed(variant).inputs), JSON.stringify(variant)).toBe(false);
    }
  });

  for (const [what, variant] of [
    ["is started", { start: true }],
    ["is kept running by the provider", { mustRun: true }],
    ["has a network", { networkMode: "bridge", networksAdvanced: [{ name: "rampart-internal" }] }],
    ["publishes a port", { ports: [{ internal: 8080, external: 8080, ip: "127.0.0.1", protocol: "tcp" }] }],
    ["shares the host PID namespace", { pidMode: "host" }],
  ] as const) {
    it(`is flagged by the read-only-root rule (and the other runtime rules) once it ${what}`, () => {
      const hit = policiesHit(variant);
      expect(hit).toEqual(expect.arrayContaining(RUNTIME_RULES));
      const ro = evaluatePolicies([seed(variant)]).violations.find((v) => v.policy === "docker-read-only-root");
      expect(ro?.message).toMatch(/root filesystem is writable/);
    });
  }

  it("keeps every other hardening rule: user, capabilities, no-new-privileges, privileged, socket and host mounts, image, secret env", () => {
    const cases: [string, Record<string, unknown>][] = [
      ["docker-numeric-non-root-user", { user: "0:0" }],
      ["docker-capabilities-drop-all", { capabilities: { drops: [] } }],
      ["docker-capabilities-add-allowlisted", { capabilities: { drops: ["ALL"], adds: ["SYS_ADMIN"] } }],
      ["docker-no-new-privileges", { securityOpts: [] }],
      ["docker-not-privileged", { privileged: true }],
      ["docker-no-unconfined-security-profiles", { securityOpts: ["no-new-privileges:true", "seccomp=unconfined"] }],
      ["docker-no-docker-socket-mount", { mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }] }],
      ["docker-no-sensitive-host-mounts", { mounts: [{ type: "bind", source: "/etc", target: "/host-etc" }] }],
      ["docker-image-pinned", { image: "ghcr.io/rampart/gateway:latest" }],
      ["docker-no-secret-environment-values", { envs: ["JWT_SECRET=abcdefabcdefabcdefabcdefabcdefab"] }],
      ["docker-memory-limit-no-swap", { memory: undefined }],
      ["docker-nproc-ulimit", { ulimits: [] }],
      ["docker-bounded-logs", { logOpts: {} }],
    ];
    for (const [policy, variant] of cases) {
      const inputs = seed(variant).inputs;
      // Still a seed by shape: the rule applies because it is not a runtime rule.
      expect(neverStartedSeed(inputs), policy).toBe(true);
      expect(policiesHit(variant), policy).toContain(policy);
    }
  });
});

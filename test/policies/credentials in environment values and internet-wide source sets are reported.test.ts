import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { container, resource } from "./fixtures/build";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const violationsOf = (policy: string, r: ReturnType<typeof resource>) => evaluatePolicies([r]).violations.filter((v) => v.policy === policy);

describe("environment values that are credentials, whatever the variable is called", () => {
  it.each([
    ["UPSTREAM=redis://gateway:hunter2@redis:6379/0", /passes credentials inside a URL in environment variable UPSTREAM/],
    ["BLOB=-----BEGIN PRIVATE KEY-----\nabc", /passes a private key in environment variable BLOB/],
    ["KEYID=AKIAIOSFODNN7EXAMPLE", /passes an AWS access key id in environment variable KEYID/],
  ])("reports %s without echoing the value", (env, message) => {
    const found = violationsOf("docker-no-secret-environment-values", container({ envs: [env] }));
    expect(found.map((v) => v.message).join("\n")).toMatch(message);
    expect(found.map((v) => v.message).join("\n")).not.toContain("hunter2");
  });

  it("accepts a URL without credentials and a public key id", () => {
    expect(violationsOf("docker-no-secret-environment-values", container({ envs: ["UPSTREAM=redis://redis:6379/0", "LIVEKIT_API_KEY=APIxyz"] }))).toEqual([]);
  });
});

describe("a security group whose sources add up to the internet", () => {
  const group = (cidrBlocks: string[]) =>
    resource(SG, { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks, description: "ssh" }] });

  it.each([[["0.0.0.0/1", "128.0.0.0/1"]], [["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]]])("refuses SSH from %j", (cidrBlocks) => {
    const found = violationsOf("security-group-no-world-admin-or-internal-ports", group(cidrBlocks));
    expect(found.map((v) => v.message).join("\n")).toMatch(new RegExp(`ingress from ${cidrBlocks.join(", ").replaceAll(".", "\\.").replaceAll("/", "\\/")} on 22-22\\/tcp`));
  });

  it("accepts SSH from an operator network", () => {
    expect(violationsOf("security-group-no-world-admin-or-internal-ports", group(["198.51.100.0/24", "10.0.0.0/8"]))).toEqual([]);
  });
});

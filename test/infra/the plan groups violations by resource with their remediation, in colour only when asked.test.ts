import { describe, expect, it } from "vitest";
import { displayType, formatPreview, type PackIdentity } from "../../infra/plan/preview";
import type { Plan } from "../../infra/plan/run";

const STACK = "urn:pulumi:demo::rampart::pulumi:pulumi:Stack::rampart-demo";
const GROUP = "urn:pulumi:demo::rampart::pulumi:pulumi:Stack$rampart:network:Network::rampart";
const RULE = "urn:pulumi:demo::rampart::pulumi:pulumi:Stack$rampart:network:Network$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::ssh-world";
const LONG = `a-resource-name-far-too-long-for-its-column-${"x".repeat(80)}`;

const plan: Plan = {
  stack: "demo",
  resources: [
    { urn: STACK, type: "pulumi:pulumi:Stack", name: "rampart-demo", inputs: {} },
    { urn: GROUP, type: "rampart:network:Network", name: "rampart", parent: STACK, inputs: {} },
    { urn: RULE, type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "ssh-world", parent: GROUP, inputs: {} },
    { urn: `${GROUP}$docker:index/container:Container::${LONG}`, type: "docker:index/container:Container", name: LONG, parent: GROUP, inputs: {} },
  ],
  outputs: { token: "[secret]", url: "https://app.example.com" },
  violations: [
    { policy: "no-world-ssh", urn: RULE, message: "opens 22/tcp to 0.0.0.0/0", level: "mandatory" },
    { policy: "describe-rules", urn: RULE, message: "has no description", level: "advisory" },
    { policy: "flow-logs", message: "no VPC flow log", level: "mandatory" },
  ],
};

const pack: PackIdentity = {
  name: "rampart",
  version: "9.8.7",
  policies: 3,
  remediation: (policy) => ({ "no-world-ssh": "Open SSH to the admin CIDRs only.", "flow-logs": "Add a flow log." })[policy],
};

describe("the preview-style plan", () => {
  const text = formatPreview(plan, pack, { color: false });

  it("draws the tree under the stack with the CLI's short type names", () => {
    expect(text).toContain(" +   pulumi:pulumi:Stack");
    expect(text).toMatch(/ \+ {3}└─ rampart:network:Network +rampart +create/);
    expect(text).toMatch(/ \+ {6}├─ aws:vpc:SecurityGroupIngressRule +ssh-world +create/);
    expect(displayType("docker:index/container:Container")).toBe("docker:index:Container");
    expect(displayType("pulumi:pulumi:Stack")).toBe("pulumi:pulumi:Stack");
  });

  it("keeps every row of the table within 100 columns, clipping what does not fit", () => {
    const rows = text.split("\n").filter((l) => l.startsWith(" +   ") || l.startsWith("     Type"));
    expect(rows).toHaveLength(5);
    for (const row of rows) expect([...row].length, row).toBeLessThanOrEqual(100);
    expect(text).toMatch(/a-resource-name-far-too-long-for-its-col[a-z-]*… {2}create/);
    expect(text).not.toContain(LONG);
  });

  it("names the pack and its version, and groups each violation with its remediation under its resource", () => {
    expect(text).toContain("✖ rampart@v9.8.7 (3 policies): 3 violation(s), 2 mandatory");
    const block = text.slice(text.indexOf("ssh-world  urn:"), text.indexOf("the stack as a whole"));
    expect(block).toContain("[mandatory] no-world-ssh: opens 22/tcp to 0.0.0.0/0");
    expect(block).toContain("remediation: Open SSH to the admin CIDRs only.");
    expect(block).toContain("[advisory] describe-rules: has no description");
    expect(text.slice(text.indexOf("the stack as a whole"))).toContain("remediation: Add a flow log.");
  });

  it("shows outputs, secrets masked, and the summary line", () => {
    expect(text).toMatch(/Outputs:\n {4}token: "\[secret\]"\n {4}url: {3}"https:\/\/app\.example\.com"/);
    expect(text).toMatch(/Resources:\n {4}\+ 4 to create\n$/);
  });

  it("colours marks and levels only when asked", () => {
    expect(text).not.toContain("\u001b[");
    const coloured = formatPreview(plan, pack, { color: true });
    expect(coloured).toContain("\u001b[32m + ");
    expect(coloured).toContain("\u001b[31m[mandatory]\u001b[0m");
    expect(coloured.replaceAll("\u001b[0m", "").replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, "g"), "")).toBe(text);
  });
});

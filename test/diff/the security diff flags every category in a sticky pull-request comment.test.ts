import { describe, expect, it } from "vitest";
import { diffPlans, renderJson, renderMarkdown } from "../../infra/diff/index";
import { maskValue } from "../../infra/diff/values";
import { expectGolden } from "../config/golden";
import { craftedBase, craftedHead } from "./crafted";

describe("the security diff of a crafted change", () => {
  const report = diffPlans(craftedBase(), craftedHead(), { base: "base.json", head: "head.json" });
  const md = renderMarkdown(report);
  const sentences = (category: string) => report.findings.filter((f) => f.category === category).map((f) => f.sentence).join("\n");

  it("renders the golden Markdown comment", () => {
    expectGolden("diff-crafted.md", md);
  });

  it("starts with the bot's marker and a one-line summary", () => {
    const [first, second] = md.split("\n");
    expect(first).toBe("<!-- rampart-diff:crafted -->");
    expect(second).toMatch(/^### Rampart diff: `crafted` — \+4 ~13 −2, 2 new exposures, \d+ new violations \(\d+ blocking\)$/);
  });

  it("calls Redis reachable from the internet even when it is opened in half", () => {
    expect(sentences("exposure")).toContain("redis 6379/tcp (class vpc) became reachable from the internet: 0.0.0.0/1");
    const redis = report.exposure.find((r) => r.port === "redis")!;
    expect(redis).toMatchObject({ widened: true, after: { internet: true }, before: { internet: false } });
  });

  it("flags every category", () => {
    expect(sentences("exposure")).toMatch(/DNS-only/);
    expect(sentences("exposure")).toMatch(/egress rule now all traffic to 0\.0\.0\.0\/0/);
    expect(sentences("exposure")).toMatch(/prefix list entries/);
    expect(sentences("exposure")).toMatch(/host firewall rules in userData/);
    expect(sentences("exposure")).toMatch(/port binding ports\[0\]\.ip: "127\.0\.0\.1" → "0\.0\.0\.0"/);
    for (const p of ["NET_ADMIN", "privileged", "read-only", "user changes", "securityOpts", "pidMode", "ipcMode", "networkMode", "mounts", "devices"]) {
      expect(sentences("privilege")).toContain(p);
    }
    expect(sentences("edge")).toContain('zone setting ssl: "strict" → "flexible"');
    expect(sentences("edge")).toContain('zone setting min_tls_version: "1.2" → "1.0"');
    expect(sentences("edge")).toContain('rule "block_admin_paths" action: "block" → "log"');
    expect(sentences("edge")).toContain("http_ratelimit");
    expect(sentences("edge")).toContain("adds ruleset http_config_settings");
    expect(sentences("edge")).toContain("authenticatedOriginPullsSettings enabled: true → false");
    expect(sentences("identity")).toContain("IAM rolePolicy policy");
    expect(sentences("identity")).toContain("adds IAM instanceProfile");
    expect(sentences("identity")).toContain("privateKey is replaced");
    expect(sentences("identity")).toContain("randomPassword is replaced under a new name (was rampart-redis-password)");
    expect(sentences("identity")).toContain("metadataOptions.httpTokens");
    expect(sentences("images")).toContain('image "redis:8.2.2-bookworm" → "redis:8.4" — image "redis:8.4" uses the floating tag "8.4"');
  });

  it("shows a rename as a delete and a create, and says so", () => {
    const del = report.resources.find((r) => r.op === "delete" && r.name === "rampart-redis-password");
    const add = report.resources.find((r) => r.op === "create" && r.name === "rampart-redis-password-v2");
    expect(del?.renamedTo).toBe("rampart-redis-password-v2");
    expect(add?.renamedFrom).toBe("rampart-redis-password");
    expect(md).toContain("(rename: replaces `rampart-redis-password`, a delete + create)");
  });

  it("never prints a secret, in Markdown or JSON", () => {
    const json = renderJson(report);
    for (const out of [md, json]) {
      expect(out).not.toContain("hunter2");
      expect(out).not.toContain("AKIAABCDEFGHIJKLMNOP");
      expect(out).not.toContain("wJalrXUtnFEMI");
    }
    expect(md).toContain('envs: +"[secret]"');
    // A changed secret-named environment value keeps its name, the value never shows.
    expect(maskValue(["REDIS_PASSWORD=hunter2", "REDIS_PASSWORD_FILE=/run/x", "LIVEKIT_API_KEY=APIabc"])).toEqual(["REDIS_PASSWORD=[secret]", "REDIS_PASSWORD_FILE=/run/x", "LIVEKIT_API_KEY=APIabc"]);
    expect(maskValue({ privateKeyPem: "x", metadataOptions: { httpTokens: "required" } })).toEqual({ privateKeyPem: "[secret]", metadataOptions: { httpTokens: "required" } });
  });

  it("reports the new violations of the pack, blocking when mandatory", () => {
    expect(report.verdict.new.map((v) => v.policy)).toContain("docker-capabilities-add-allowlisted");
    expect(report.verdict.blocking.length).toBeGreaterThan(0);
    expect(JSON.parse(renderJson(report)).summary.blocking).toBe(report.verdict.blocking.length);
  });
});

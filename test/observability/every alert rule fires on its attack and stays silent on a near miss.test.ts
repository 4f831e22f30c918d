import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ALERT_DEFAULTS, alertRules, renderAlertRules } from "../../components/config/index.js";
import { describeWithBinaries } from "../support/testbed.js";
import { RULE_CASES, renderRuleTests } from "./support/rule-cases.js";
import { run, tempDir } from "./support/tools.js";

describeWithBinaries(["promtool"])("promtool test rules on the rendered rule file", () => {
  const tmp = tempDir("unit");
  afterAll(() => tmp.remove());

  it("every rule has an attack case and a near-miss case", () => {
    expect(RULE_CASES.map((c) => c.alert).sort()).toEqual(alertRules().map((r) => r.alert).sort());
    for (const c of RULE_CASES) {
      expect(c.fires.length, c.alert).toBeGreaterThan(0);
      expect(c.silent.length, c.alert).toBeGreaterThan(0);
    }
  });

  it("each alert fires with its labels and annotations on its attack, stays silent on its near miss, and no other alert fires", async () => {
    const rules = join(tmp.dir, "rules.yml");
    writeFileSync(rules, renderAlertRules());
    const tests = join(tmp.dir, "tests.yml");
    writeFileSync(tests, renderRuleTests(rules));
    const result = await run("promtool", ["test", "rules", tests]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it("the same cases fail once a threshold is raised past the attack (the unit tests can fail)", async () => {
    const rules = join(tmp.dir, "rules-lax.yml");
    writeFileSync(rules, renderAlertRules({ ...ALERT_DEFAULTS, failedAuth: 1000, hmacReplays: 1000 }));
    const tests = join(tmp.dir, "tests-lax.yml");
    writeFileSync(tests, renderRuleTests(rules));
    const result = await run("promtool", ["test", "rules", tests]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/name: GatewayFailedAuthBurst fires/);
    expect(result.output).toMatch(/name: DeviceHmacReplays fires/);
  });
});

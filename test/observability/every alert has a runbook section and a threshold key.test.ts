import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALERT_DEFAULTS, alertRules, runbookAnchor } from "../../components/config/index.js";
import { CONFIG_KEYS } from "../../infra/config/keys.js";
import { ALERT_KEYS, parseConfig } from "../../infra/config/schema.js";

const ROOT = join(import.meta.dirname, "..", "..");
const alertsDoc = readFileSync(join(ROOT, "docs", "alerts.md"), "utf8");

describe("alerts and their documentation", () => {
  it("each alert's runbook annotation points at a section of docs/alerts.md with that name", () => {
    const sections = [...alertsDoc.matchAll(/^## (\S+)$/gm)].map((m) => m[1]!);
    for (const rule of alertRules()) {
      expect(sections, rule.alert).toContain(rule.alert);
      expect(runbookAnchor(rule.alert)).toBe(`docs/alerts.md#${rule.alert.toLowerCase()}`);
    }
    expect(sections.sort()).toEqual(alertRules().map((r) => r.alert).sort());
  });

  it("every threshold is a config key whose default is the renderer's", () => {
    for (const [field, key] of Object.entries(ALERT_KEYS)) {
      const spec = CONFIG_KEYS[key] as { type: string; default?: unknown };
      expect(spec.type, key).toBe("integer");
      expect(spec.default, key).toBe(ALERT_DEFAULTS[field as keyof typeof ALERT_DEFAULTS]);
    }
    expect(Object.keys(ALERT_KEYS).sort()).toEqual(Object.keys(ALERT_DEFAULTS).sort());
  });

  it("a stack's thresholds and receivers reach the monitoring config, and bad ones are refused by key", () => {
    const config = parseConfig({ alertFailedAuthThreshold: 7, alertSlackWebhookUrl: "https://hooks.slack.com/services/T/B/x" });
    expect(config.monitoring.thresholds.failedAuth).toBe(7);
    expect(config.monitoring.receivers.slackWebhookUrl).toBe("https://hooks.slack.com/services/T/B/x");
    expect(() => parseConfig({ alertWindowSeconds: 5, alertSlackWebhookUrl: "http://hooks.example.com/x", alertEmailTo: "ops@example.com" })).toThrow(
      /rampart:alertWindowSeconds: must be at least 10 s[\s\S]*rampart:alertSlackWebhookUrl: is not an https URL/,
    );
    expect(() => parseConfig({ alertEmailTo: "ops@example.com" })).toThrow(/rampart:alertEmailTo: an email receiver needs rampart:alertEmailFrom and rampart:alertEmailSmarthost too/);
  });
});

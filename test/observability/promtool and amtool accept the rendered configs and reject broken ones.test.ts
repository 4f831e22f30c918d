import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { renderAlertRules, renderAlertmanagerYml, renderPrometheusYml } from "../../components/config/index.js";
import { describeWithBinaries } from "../support/testbed.js";
import * as f from "./support/fixtures.js";
import { pinnedAlertmanager } from "./support/servers.js";
import { PROMETHEUS_TOOLS, run, tempDir } from "./support/tools.js";

describeWithBinaries(PROMETHEUS_TOOLS)("the real promtool and amtool on the rendered files", () => {
  const tmp = tempDir("check");
  afterAll(() => tmp.remove());
  const rulesDir = join(tmp.dir, "rules");

  function write(name: string, text: string): string {
    const file = join(tmp.dir, name);
    writeFileSync(file, text);
    return file;
  }

  it("promtool check config accepts prometheus.yml with its rule file and credential file", async () => {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(rulesDir, { recursive: true });
    write("rules/rampart.yml", renderAlertRules());
    write("livekit-prometheus-password", "test-only-password\n");
    const config = write("prometheus.yml", renderPrometheusYml(f.prometheusInput(tmp.dir, tmp.dir)));
    const result = await run("promtool", ["check", "config", config]);
    expect(result.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(result.output).toMatch(/is valid prometheus config file syntax/);
    expect(result.code).toBe(0);
  });

  it("promtool check rules accepts every rule", async () => {
    const rules = write("rules-check.yml", renderAlertRules());
    const result = await run("promtool", ["check", "rules", rules]);
    expect(result.output).toMatch(/SUCCESS: 12 rules found/);
    expect(result.code).toBe(0);
  });

  it("promtool check rules refuses a rule whose expression does not parse (the check can fail)", async () => {
    const broken = renderAlertRules().replace("up == 0", "up == == 0");
    const result = await run("promtool", ["check", "rules", write("rules-broken.yml", broken)]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/FAILED/);
  });

  it("amtool check-config accepts the Slack and email receivers with their secret files", async () => {
    const result = await run("amtool", ["check-config", write("alertmanager.yml", renderAlertmanagerYml(f.alertmanagerInput(tmp.dir)))]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.output).toMatch(/2 receivers/);
    expect(result.code).toBe(0);
  });

  it("amtool check-config accepts the no-receiver route", async () => {
    const result = await run("amtool", ["check-config", write("alertmanager-none.yml", renderAlertmanagerYml({ receivers: [] }))]);
    expect(result.code).toBe(0);
  });

  it("the pinned Alertmanager's amtool accepts the webhook receiver's url_file (Debian's 0.25 predates it)", async () => {
    const { amtool } = pinnedAlertmanager();
    const file = write("alertmanager-webhook.yml", renderAlertmanagerYml(f.webhookInput(tmp.dir)));
    const pinned = await run(amtool, ["check-config", file]);
    expect(pinned.output).toMatch(/SUCCESS/);
    expect(pinned.code).toBe(0);
    // The same file on Debian's 0.25: refused, which is why the live test runs the pinned release.
    const debian = await run("amtool", ["check-config", file]);
    expect(debian.code).not.toBe(0);
    expect(debian.output).toMatch(/field url_file not found/);
  });
});

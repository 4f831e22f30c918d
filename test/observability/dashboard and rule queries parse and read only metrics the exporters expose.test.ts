import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, expect, it } from "vitest";
import { alertRules, dashboardExpressions, renderSecurityDashboard } from "../../components/config/index.js";
import { startTestGateway, type TestGateway } from "../gateway/support/gateway.js";
import { startRedis, type TestRedis } from "../gateway/support/redis.js";
import { describeWithBinaries } from "../support/testbed.js";
import { EXPORTER_METRICS } from "./support/exporter-metrics.js";
import { metricNames } from "./support/promql-names.js";
import { run, tempDir } from "./support/tools.js";

/** Metric families a /metrics page declares (`# TYPE name kind`), histograms with their series suffixes. */
function declaredNames(page: string): Set<string> {
  const names = new Set<string>();
  for (const m of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(`${m[1]}${s}`);
  }
  return names;
}

describeWithBinaries(["promtool", "redis-server"])("every PromQL expression of the dashboard and the rules", () => {
  const tmp = tempDir("names");
  let redis: TestRedis;
  let gw: TestGateway;
  let gatewayNames: Set<string>;

  beforeAll(async () => {
    redis = await startRedis();
    gw = await startTestGateway({ REDIS_URL: redis.url });
    const page = await (await fetch(gw.metricsUrl)).text();
    gatewayNames = declaredNames(page);
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.stop();
    tmp.remove();
  });

  const dashboard = dashboardExpressions();
  const rules = alertRules().map((r) => r.expr);

  it("the dashboard JSON carries exactly the dashboard's expressions", () => {
    const json = JSON.parse(renderSecurityDashboard()) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    expect(json.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))).toEqual(dashboard);
  });

  it("parses in promtool (each as a recording rule)", async () => {
    const file = join(tmp.dir, "queries.yml");
    const all = [...dashboard, ...rules];
    writeFileSync(file, stringify({ groups: [{ name: "queries", rules: all.map((expr, i) => ({ record: `rampart:query_${i}`, expr })) }] }));
    const result = await run("promtool", ["check", "rules", file]);
    expect(result.output).toMatch(new RegExp(`SUCCESS: ${all.length} rules found`));
    expect(result.code).toBe(0);
  });

  it("a query with a syntax error fails promtool (the parse check can fail)", async () => {
    const file = join(tmp.dir, "broken.yml");
    writeFileSync(file, stringify({ groups: [{ name: "q", rules: [{ record: "rampart:broken", expr: "sum by (instance (rate(auth_failures_total[5m]))" }] }] }));
    expect((await run("promtool", ["check", "rules", file])).code).not.toBe(0);
  });

  it("the real gateway declares the names the queries read from it", () => {
    // What the alerts and the dashboard need from the gateway, read off its real metrics page.
    for (const name of ["auth_failures_total", "rate_limit_hits_total", "hmac_failures_total", "anomaly_blocks_total", "active_connections", "messages_total", "redis_connected", "process_resident_memory_bytes"]) {
      expect(gatewayNames, name).toContain(name);
    }
  });

  it("reads only metrics the real gateway or the documented exporters expose", () => {
    const known = new Set([...gatewayNames, ...Object.values(EXPORTER_METRICS).flatMap((e) => e.names)]);
    const unknown = [...dashboard, ...rules].flatMap((expr) => metricNames(expr).filter((n) => !known.has(n)).map((n) => `${n} in ${expr}`));
    expect(unknown).toEqual([]);
  });

  it("a renamed gateway metric is caught", () => {
    const known = new Set([...gatewayNames, ...Object.values(EXPORTER_METRICS).flatMap((e) => e.names)]);
    expect(metricNames("sum(rate(auth_failure_total[5m]))").filter((n) => !known.has(n))).toEqual(["auth_failure_total"]);
  });

  it("every exporter name is used somewhere (the list holds no stale entry)", () => {
    const used = new Set([...dashboard, ...rules].flatMap(metricNames));
    for (const [exporter, { names }] of Object.entries(EXPORTER_METRICS)) for (const n of names) expect(used, `${exporter}: ${n}`).toContain(n);
  });
});

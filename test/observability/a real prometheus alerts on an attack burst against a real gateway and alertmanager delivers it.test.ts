/**
 * Debian's Prometheus scrapes a real gateway (on real Redis) every second with Rampart's rendered scrape
 * config and rule file; a bounded burst of forged tokens makes GatewayFailedAuthBurst active in
 * Prometheus's own API; the Alertmanager release the stacks pin (built from its Go module), on Rampart's
 * rendered routing, delivers it to a local webhook receiver and a local Slack-format receiver, each URL
 * read from a secret file. Then Redis is stopped and GatewayRedisUnreachable fires.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ALERT_DEFAULTS, renderAlertRules, renderAlertmanagerYml, renderPrometheusYml } from "../../components/config/index.js";
import { TestClient } from "../gateway/support/client.js";
import { startTestGateway, type TestGateway } from "../gateway/support/gateway.js";
import { startRedis, type TestRedis } from "../gateway/support/redis.js";
import { describeWithBinaries } from "../support/testbed.js";
import { eventually, pinnedAlertmanager, startAlertmanager, startPrometheus, startReceiver, type Receiver, type RunningServer } from "./support/servers.js";
import { PROMETHEUS_TOOLS, tempDir } from "./support/tools.js";

interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
}

const BURST = 12;
const THRESHOLDS = { ...ALERT_DEFAULTS, windowSeconds: 15, pendingSeconds: 2, failedAuth: 8 };

describeWithBinaries([...PROMETHEUS_TOOLS, "redis-server"])("Prometheus and Alertmanager on a real gateway under attack", () => {
  const tmp = tempDir("live");
  let redis: TestRedis;
  let gw: TestGateway;
  let receiver: Receiver;
  let alertmanager: RunningServer | undefined;
  let prometheus: RunningServer | undefined;

  const alerts = async (): Promise<PromAlert[]> => {
    const body = (await (await fetch(`${prometheus!.url}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } };
    return body.data.alerts;
  };
  const firing = (name: string) => async () => (await alerts()).find((a) => a.labels.alertname === name && a.state === "firing");

  beforeAll(async () => {
    redis = await startRedis();
    gw = await startTestGateway({ REDIS_URL: redis.url });
    receiver = await startReceiver();

    const secrets = join(tmp.dir, "secrets");
    mkdirSync(secrets, { mode: 0o700 });
    // The receivers' URLs are secret files, as the Slack and webhook URLs are in the stacks.
    writeFileSync(join(secrets, "alert-slack-url"), `${receiver.url}/hooks/rampart\n`, { mode: 0o400 });
    writeFileSync(join(secrets, "alert-webhook-url"), `${receiver.url}/webhook/rampart\n`, { mode: 0o400 });
    const amConfig = join(tmp.dir, "alertmanager.yml");
    writeFileSync(
      amConfig,
      renderAlertmanagerYml({
        receivers: [
          { kind: "webhook", name: "webhook", urlFile: join(secrets, "alert-webhook-url") },
          { kind: "slack", name: "slack", apiUrlFile: join(secrets, "alert-slack-url") },
        ],
        groupWaitSeconds: 1,
        groupIntervalSeconds: 1,
        repeatIntervalSeconds: 3600,
      }),
    );
    mkdirSync(join(tmp.dir, "am-data"));
    alertmanager = await startAlertmanager(amConfig, join(tmp.dir, "am-data"), pinnedAlertmanager().alertmanager);

    const rules = join(tmp.dir, "rules.yml");
    writeFileSync(rules, renderAlertRules(THRESHOLDS));
    const promConfig = join(tmp.dir, "prometheus.yml");
    writeFileSync(
      promConfig,
      renderPrometheusYml({
        scrapeIntervalSeconds: 1,
        evaluationIntervalSeconds: 1,
        jobs: [
          { job: "gateway", targets: [`127.0.0.1:${gw.metricsPort}`] },
          { job: "alertmanager", targets: [`127.0.0.1:${alertmanager.port}`] },
        ],
        alertmanagers: [`127.0.0.1:${alertmanager.port}`],
        ruleFiles: [rules],
      }),
    );
    mkdirSync(join(tmp.dir, "prom-data"));
    prometheus = await startPrometheus(promConfig, join(tmp.dir, "prom-data"));
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await receiver?.close();
    await gw?.close();
    await redis?.stop();
    tmp.remove();
  });

  async function forgedTokens(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const c = TestClient.connect(gw.wsUrl);
      await c.opened;
      c.send({ type: "auth", token: `forged.${i}.token` });
      await c.closed;
    }
  }

  it("scrapes the gateway and Alertmanager, and nothing fires before the attack", async () => {
    await eventually(
      "both targets up",
      async () => {
        const body = (await (await fetch(`${prometheus!.url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ labels: { job: string }; health: string }> } };
        const up = body.data.activeTargets.filter((t) => t.health === "up").map((t) => t.labels.job).sort();
        return up.join(",") === "alertmanager,gateway" ? up : undefined;
      },
      60_000,
    );
    await eventually(
      "redis_connected scraped",
      async () => {
        const body = (await (await fetch(`${prometheus!.url}/api/v1/query?query=redis_connected`)).json()) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result[0]?.value[1] === "1" ? true : undefined;
      },
      30_000,
    );
    expect((await alerts()).filter((a) => a.state === "firing")).toEqual([]);
  }, 120_000);

  it(`a burst of ${BURST} forged tokens makes GatewayFailedAuthBurst fire in Prometheus's API`, async () => {
    // One failure first, so the counter's series exists before the burst (increase() needs two samples).
    await forgedTokens(1);
    await new Promise((r) => setTimeout(r, 3000));
    await forgedTokens(BURST);
    const alert = await eventually("GatewayFailedAuthBurst firing", firing("GatewayFailedAuthBurst"), 60_000);
    expect(alert.labels).toMatchObject({ alertname: "GatewayFailedAuthBurst", severity: "warning", instance: `127.0.0.1:${gw.metricsPort}` });
    expect(alert.annotations.runbook).toBe("docs/alerts.md#gatewayfailedauthburst");
    expect((await alerts()).filter((a) => a.state === "firing").map((a) => a.labels.alertname)).toEqual(["GatewayFailedAuthBurst"]);
  }, 120_000);

  it("Alertmanager delivers it to the webhook whose URL is in the secret url_file", async () => {
    const post = await eventually("a webhook notification", async () => receiver.posts.find((p) => p.path === "/webhook/rampart" && p.body.includes("GatewayFailedAuthBurst")), 60_000);
    const payload = JSON.parse(post.body) as { receiver: string; status: string; alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> };
    expect(payload.receiver).toBe("webhook");
    expect(payload.status).toBe("firing");
    expect(payload.alerts[0]!.labels).toMatchObject({ alertname: "GatewayFailedAuthBurst", severity: "warning" });
    expect(payload.alerts[0]!.annotations.runbook).toBe("docs/alerts.md#gatewayfailedauthburst");
  }, 120_000);

  it("and to the Slack-format receiver named in its secret URL file", async () => {
    const post = await eventually("a Slack notification", async () => receiver.posts.find((p) => p.path === "/hooks/rampart" && p.body.includes("GatewayFailedAuthBurst")), 60_000);
    expect(post.path).toBe("/hooks/rampart");
    const payload = JSON.parse(post.body) as { attachments: Array<{ title: string; text: string }> };
    expect(payload.attachments[0]!.title).toBe("FIRING: GatewayFailedAuthBurst");
    expect(payload.attachments[0]!.text).toContain("docs/alerts.md#gatewayfailedauthburst");
  }, 120_000);

  it("with Redis gone, GatewayRedisUnreachable fires", async () => {
    await redis.stop();
    const alert = await eventually("GatewayRedisUnreachable firing", firing("GatewayRedisUnreachable"), 60_000);
    expect(alert.labels).toMatchObject({ job: "gateway", severity: "critical" });
  }, 120_000);
});

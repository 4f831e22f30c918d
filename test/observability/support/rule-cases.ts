/**
 * promtool unit tests for every alert rule: for each, one attack (the alert fires with exactly these
 * labels and annotations) and one near miss (it stays silent), and in every case every other alert stays
 * silent too. Series are sampled each minute and evaluated at 10m, as `promtool test rules` does.
 */
import { stringify } from "yaml";
import { alertRules, runbookAnchor, type AlertRule, type AlertThresholds } from "../../../components/config/alert-rules.js";

export interface Series {
  readonly series: string;
  readonly values: string;
}

export interface RuleCase {
  readonly alert: string;
  /** Series under which the alert fires at EVAL_TIME. */
  readonly fires: readonly Series[];
  /** Labels of the firing alert besides alertname and severity. */
  readonly labels: Readonly<Record<string, string>>;
  /** What `{{ $value }}` renders to in the firing alert. */
  readonly value: string;
  /** Series that come close but must not fire it. */
  readonly silent: readonly Series[];
}

export const EVAL_TIME = "10m";
const GW = "gw-1:9464";
const TURN = "turn-1:9641";

/** The cases for the default thresholds (ALERT_DEFAULTS); each comment says why it fires or not. */
export const RULE_CASES: readonly RuleCase[] = [
  {
    alert: "GatewayFailedAuthBurst",
    // 20 failures a minute: 100 in 5 minutes > 50. 5 a minute: 25.
    fires: [{ series: `auth_failures_total{instance="${GW}",job="gateway",reason="bad_token"}`, values: "0+20x10" }],
    labels: { instance: GW },
    value: "100",
    silent: [{ series: `auth_failures_total{instance="${GW}",job="gateway",reason="bad_token"}`, values: "0+5x10" }],
  },
  {
    alert: "DeviceHmacFailures",
    // 10 bad signatures a minute: 50 > 20.
    fires: [{ series: `hmac_failures_total{instance="${GW}",job="gateway",reason="bad_signature"}`, values: "0+10x10" }],
    labels: { instance: GW },
    value: "50",
    // 10 bad signatures (under 20), no stale ones.
    silent: [
      { series: `hmac_failures_total{instance="${GW}",job="gateway",reason="bad_signature"}`, values: "0+2x10" },
      { series: `hmac_failures_total{instance="${GW}",job="gateway",reason="stale"}`, values: "0x10" },
    ],
  },
  {
    alert: "DeviceHmacReplays",
    // One replay a minute: 5 > 3. Silent: no replay, however many bad signatures.
    fires: [{ series: `hmac_failures_total{instance="${GW}",job="gateway",reason="replay"}`, values: "0+1x10" }],
    labels: { instance: GW },
    value: "5",
    silent: [
      { series: `hmac_failures_total{instance="${GW}",job="gateway",reason="replay"}`, values: "0x10" },
      { series: `hmac_failures_total{instance="${GW}",job="gateway",reason="bad_signature"}`, values: "0+3x10" },
    ],
  },
  {
    alert: "GatewayRateLimitSpike",
    // 100 refused messages a minute: 500 > 300. Silent: 50 messages, and connection caps (not a rate limit).
    fires: [{ series: `rate_limit_hits_total{instance="${GW}",job="gateway",scope="message"}`, values: "0+100x10" }],
    labels: { instance: GW },
    value: "500",
    silent: [
      { series: `rate_limit_hits_total{instance="${GW}",job="gateway",scope="message"}`, values: "0+10x10" },
      { series: `rate_limit_hits_total{instance="${GW}",job="gateway",scope="conn_ip"}`, values: "0+5x10" },
    ],
  },
  {
    alert: "GatewayAnomalyBlocks",
    // One block in the last five minutes. Silent: none.
    fires: [{ series: `anomaly_blocks_total{instance="${GW}",job="gateway",pattern="failed_auth"}`, values: "0x8 1 1" }],
    labels: { instance: GW },
    value: "1",
    silent: [{ series: `anomaly_blocks_total{instance="${GW}",job="gateway",pattern="failed_auth"}`, values: "0x10" }],
  },
  {
    alert: "GatewayForgedFanout",
    // One forged payload in the last five minutes. Silent: none dropped.
    fires: [{ series: `fanout_rejected_total{instance="${GW}",job="gateway",reason="bad_mac"}`, values: "0x8 1 1" }],
    labels: { instance: GW },
    value: "1",
    silent: [{ series: `fanout_rejected_total{instance="${GW}",job="gateway",reason="bad_mac"}`, values: "0x10" }],
  },
  {
    alert: "GatewayConnectionCapHits",
    // 10 capped connections a minute: 50 > 30. Silent: 5 capped, and message limits (not a cap).
    fires: [{ series: `rate_limit_hits_total{instance="${GW}",job="gateway",scope="conn_ip"}`, values: "0+10x10" }],
    labels: { instance: GW },
    value: "50",
    silent: [
      { series: `rate_limit_hits_total{instance="${GW}",job="gateway",scope="conn_ip"}`, values: "0+1x10" },
      { series: `rate_limit_hits_total{instance="${GW}",job="gateway",scope="message"}`, values: "0+10x10" },
    ],
  },
  {
    alert: "TurnAllocationSpike",
    // 1500 allocations for ten minutes (> 1000 for 120 s). Silent: the same, but only for the last minute (pending).
    fires: [{ series: `turn_total_allocations{instance="${TURN}",job="coturn",type="UDP"}`, values: "1500x10" }],
    labels: { instance: TURN },
    value: "1500",
    silent: [{ series: `turn_total_allocations{instance="${TURN}",job="coturn",type="UDP"}`, values: "100x8 1500 1500" }],
  },
  {
    alert: "TurnRelayedBandwidthSpike",
    // 6 GB a minute to peers = 100 MB/s > 50 MB/s. Silent: 600 MB a minute = 10 MB/s.
    fires: [{ series: `turn_total_traffic_peer_sentb{instance="${TURN}",job="coturn"}`, values: "0+6000000000x10" }],
    labels: { instance: TURN },
    value: "1e+08",
    silent: [{ series: `turn_total_traffic_peer_sentb{instance="${TURN}",job="coturn"}`, values: "0+600000000x10" }],
  },
  {
    alert: "ScrapeTargetDown",
    // Down from 6m: 4 minutes > 120 s. Silent: down only from 9m (still pending).
    fires: [{ series: `up{instance="${GW}",job="gateway"}`, values: "1x5 0x5" }],
    labels: { instance: GW, job: "gateway" },
    value: "0",
    silent: [{ series: `up{instance="${GW}",job="gateway"}`, values: "1x8 0 0" }],
  },
  {
    alert: "GatewayRedisUnreachable",
    // Redis lost from 6m. Silent: a blip from 9m.
    fires: [{ series: `redis_connected{instance="${GW}",job="gateway"}`, values: "1x5 0x5" }],
    labels: { instance: GW, job: "gateway" },
    value: "0",
    silent: [{ series: `redis_connected{instance="${GW}",job="gateway"}`, values: "1x8 0 0" }],
  },
  {
    alert: "CertificateExpiresSoon",
    // At 10m (time() = 600) the certificate expires 10 days later: under 21. Silent: 40 days.
    fires: [{ series: `probe_ssl_earliest_cert_expiry{instance="turn.example.com:5349",job="tls-expiry"}`, values: `${600 + 10 * 86400}x10` }],
    labels: { instance: "turn.example.com:5349", job: "tls-expiry" },
    value: "10",
    silent: [{ series: `probe_ssl_earliest_cert_expiry{instance="turn.example.com:5349",job="tls-expiry"}`, values: `${600 + 40 * 86400}x10` }],
  },
];

/** A rule's annotations as Prometheus renders them for these labels and value. */
function expand(template: string, labels: Readonly<Record<string, string>>, value: string): string {
  return template
    .replace(/\{\{ \$value \| humanize \}\}/g, value)
    .replace(/\{\{ \$value \}\}/g, value)
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? "");
}

function expectedAlert(rule: AlertRule, c: RuleCase) {
  return {
    exp_labels: { ...c.labels, severity: rule.severity },
    exp_annotations: {
      summary: expand(rule.summary, c.labels, c.value),
      description: expand(rule.description, c.labels, c.value),
      runbook: runbookAnchor(rule.alert),
    },
  };
}

/** The `promtool test rules` file for the rendered rule file at `rulesPath`. */
export function renderRuleTests(rulesPath: string, thresholds?: AlertThresholds): string {
  const rules = alertRules(thresholds);
  const tests = RULE_CASES.flatMap((c) => {
    const rule = rules.find((r) => r.alert === c.alert);
    if (!rule) throw new Error(`no rule named ${c.alert}`);
    const assertAll = (firing: boolean) =>
      rules.map((r) => ({ eval_time: EVAL_TIME, alertname: r.alert, exp_alerts: firing && r.alert === c.alert ? [expectedAlert(rule, c)] : [] }));
    return [
      { name: `${c.alert} fires`, interval: "1m", input_series: c.fires, alert_rule_test: assertAll(true) },
      { name: `${c.alert} stays silent`, interval: "1m", input_series: c.silent, alert_rule_test: assertAll(false) },
    ];
  });
  return stringify({ rule_files: [rulesPath], evaluation_interval: "1m", tests }, { lineWidth: 0 });
}

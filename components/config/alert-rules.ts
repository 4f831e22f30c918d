import { stringify } from "yaml";
import { z } from "zod";
import { parseInput, positiveInt } from "./validate";

/**
 * Prometheus alerting rules for the security events Rampart counts (docs/alerts.md has a runbook section
 * per alert, anchored by the alert's name in lower case).
 *
 * Every threshold is configuration (rampart:alert* keys, defaults below). Burst alerts compare the events
 * of one window with a threshold and fire on the first evaluation over it (an attack should page while it
 * happens, not after a pending period); state alerts (a target down, Redis unreachable) must hold for
 * `pendingSeconds` so one lost scrape does not page.
 */

export interface AlertThresholds {
  /** Window the burst alerts count events over (seconds). */
  readonly windowSeconds: number;
  /** How long a state (a target down, Redis unreachable, too many allocations) must hold before it fires (seconds). */
  readonly pendingSeconds: number;
  /** WebSocket authentication failures per instance within the window. */
  readonly failedAuth: number;
  /** Device API signature failures (bad, stale, unknown device) per instance within the window. */
  readonly hmacFailures: number;
  /** Replayed device requests per instance within the window. */
  readonly hmacReplays: number;
  /** Requests refused by a rate limit (messages, sizes, devices, backpressure) per instance within the window. */
  readonly rateLimitHits: number;
  /** Offenders blocked by anomaly detection per instance within the window. */
  readonly anomalyBlocks: number;
  /** Connections refused by the per-IP or per-user caps, or while blocked, per instance within the window. */
  readonly connectionCapHits: number;
  /** Room fan-out payloads dropped for a missing or wrong MAC (forged or foreign publishes) per instance within the window. */
  readonly fanoutRejected: number;
  /** Current TURN allocations on one coturn. */
  readonly turnAllocations: number;
  /** Relayed bytes per second one coturn sends to peers, averaged over the window. */
  readonly turnRelayedBytesPerSecond: number;
  /** Days before a watched certificate's expiry. */
  readonly certificateExpiryDays: number;
}

export const ALERT_DEFAULTS: AlertThresholds = {
  windowSeconds: 300,
  pendingSeconds: 120,
  failedAuth: 50,
  hmacFailures: 20,
  hmacReplays: 3,
  rateLimitHits: 300,
  anomalyBlocks: 1,
  connectionCapHits: 30,
  // One forged payload on the shared Redis channels is already an intrusion (or a fan-out key mismatch).
  fanoutRejected: 1,
  turnAllocations: 1000,
  // 50 MB/s = 400 Mbit/s out of one relay.
  turnRelayedBytesPerSecond: 50_000_000,
  // Renewal runs at 30 days; 21 means it has failed for more than a week.
  certificateExpiryDays: 21,
};

const schema = z
  .object({
    windowSeconds: positiveInt.min(10, "must be at least 10 s (two scrapes)").max(86_400),
    pendingSeconds: z.number().int().min(0).max(86_400),
    failedAuth: positiveInt,
    hmacFailures: positiveInt,
    hmacReplays: positiveInt,
    rateLimitHits: positiveInt,
    anomalyBlocks: positiveInt,
    connectionCapHits: positiveInt,
    fanoutRejected: positiveInt,
    turnAllocations: positiveInt,
    turnRelayedBytesPerSecond: positiveInt,
    certificateExpiryDays: positiveInt.max(365),
  })
  .strict();

export type Severity = "critical" | "warning";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly forSeconds: number;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
}

/** Rampart's alert rules for these thresholds (the data the renderer writes, also read by tests and docs). */
export function alertRules(thresholds: AlertThresholds = ALERT_DEFAULTS): AlertRule[] {
  const t = parseInput("alertRules", schema, thresholds);
  const w = `${t.windowSeconds}s`;
  const per = (metric: string, selector = "") => `sum by (instance) (increase(${metric}${selector}[${w}]))`;
  return [
    {
      alert: "GatewayFailedAuthBurst",
      expr: `${per("auth_failures_total")} > ${t.failedAuth}`,
      forSeconds: 0,
      severity: "warning",
      summary: "Burst of failed WebSocket authentications on {{ $labels.instance }}",
      description: `More than ${t.failedAuth} authentication failures within ${w} ({{ $value }}): credential stuffing or token forging.`,
    },
    {
      alert: "DeviceHmacFailures",
      expr: `${per("hmac_failures_total", '{reason!="replay"}')} > ${t.hmacFailures}`,
      forSeconds: 0,
      severity: "warning",
      summary: "Device API requests with bad, stale or unknown signatures on {{ $labels.instance }}",
      description: `More than ${t.hmacFailures} device signature failures within ${w} ({{ $value }}): a leaked device id being probed, or a device with a wrong clock or secret.`,
    },
    {
      alert: "DeviceHmacReplays",
      expr: `${per("hmac_failures_total", '{reason="replay"}')} > ${t.hmacReplays}`,
      forSeconds: 0,
      severity: "critical",
      summary: "Replayed device API requests on {{ $labels.instance }}",
      description: `More than ${t.hmacReplays} replayed signed requests within ${w} ({{ $value }}): someone holds captured device traffic.`,
    },
    {
      alert: "GatewayRateLimitSpike",
      expr: `${per("rate_limit_hits_total", '{scope=~"message|message_size|device|backpressure"}')} > ${t.rateLimitHits}`,
      forSeconds: 0,
      severity: "warning",
      summary: "Spike of rate-limited requests on {{ $labels.instance }}",
      description: `More than ${t.rateLimitHits} requests refused by rate limits within ${w} ({{ $value }}): flooding clients or bots.`,
    },
    {
      alert: "GatewayAnomalyBlocks",
      expr: `${per("anomaly_blocks_total")} >= ${t.anomalyBlocks}`,
      forSeconds: 0,
      severity: "warning",
      summary: "Anomaly detection is blocking offenders on {{ $labels.instance }}",
      description: `At least ${t.anomalyBlocks} offender(s) blocked within ${w} ({{ $value }}); the security log names each one.`,
    },
    {
      alert: "GatewayConnectionCapHits",
      expr: `${per("rate_limit_hits_total", '{scope=~"conn_ip|conn_user|ip_blocked|user_blocked"}')} > ${t.connectionCapHits}`,
      forSeconds: 0,
      severity: "warning",
      summary: "Connections refused by the per-IP/per-user caps on {{ $labels.instance }}",
      description: `More than ${t.connectionCapHits} connections refused by caps or blocks within ${w} ({{ $value }}): a connection flood from few sources.`,
    },
    {
      alert: "GatewayForgedFanout",
      expr: `${per("fanout_rejected_total")} >= ${t.fanoutRejected}`,
      forSeconds: 0,
      severity: "critical",
      summary: "Room payloads without a valid fan-out MAC reached {{ $labels.instance }}",
      description: `At least ${t.fanoutRejected} payload(s) on the room channels within ${w} carried no valid MAC ({{ $value }}) and were dropped: something other than a gateway publishes on Redis, or the gateways disagree on the fan-out key.`,
    },
    {
      alert: "TurnAllocationSpike",
      expr: `sum by (instance) (turn_total_allocations) > ${t.turnAllocations}`,
      forSeconds: t.pendingSeconds,
      severity: "warning",
      summary: "Unusually many TURN allocations on {{ $labels.instance }}",
      description: `More than ${t.turnAllocations} current allocations ({{ $value }}): TURN credentials abused as a relay.`,
    },
    {
      alert: "TurnRelayedBandwidthSpike",
      expr: `sum by (instance) (rate(turn_total_traffic_peer_sentb[${w}])) > ${t.turnRelayedBytesPerSecond}`,
      forSeconds: 0,
      severity: "warning",
      summary: "Relayed TURN bandwidth spike on {{ $labels.instance }}",
      description: `coturn sent more than ${t.turnRelayedBytesPerSecond} bytes/s to peers over ${w} ({{ $value }} B/s): bulk transfer through the relay.`,
    },
    {
      alert: "ScrapeTargetDown",
      expr: "up == 0",
      forSeconds: t.pendingSeconds,
      severity: "critical",
      summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
      description: `Prometheus has not scraped {{ $labels.instance }} for ${t.pendingSeconds}s: the service is down, or its metrics port unreachable.`,
    },
    {
      alert: "GatewayRedisUnreachable",
      expr: "redis_connected == 0",
      forSeconds: t.pendingSeconds,
      severity: "critical",
      summary: "Gateway {{ $labels.instance }} cannot reach Redis",
      description: `Redis has been unreachable for ${t.pendingSeconds}s: /readyz answers 503, limits and caps are per instance only.`,
    },
    {
      alert: "CertificateExpiresSoon",
      expr: `(probe_ssl_earliest_cert_expiry - time()) / 86400 < ${t.certificateExpiryDays}`,
      forSeconds: 0,
      severity: "critical",
      summary: "The certificate of {{ $labels.instance }} expires soon",
      description: `The certificate served at {{ $labels.instance }} expires in {{ $value | humanize }} days (threshold ${t.certificateExpiryDays}): renewal has failed.`,
    },
  ];
}

/** Anchor of an alert's runbook section in docs/alerts.md. */
export const runbookAnchor = (alert: string) => `docs/alerts.md#${alert.toLowerCase()}`;

/** The rule file Prometheus loads. */
export function renderAlertRules(thresholds: AlertThresholds = ALERT_DEFAULTS): string {
  const rules = alertRules(thresholds).map((r) => ({
    alert: r.alert,
    expr: r.expr,
    ...(r.forSeconds > 0 ? { for: `${r.forSeconds}s` } : {}),
    labels: { severity: r.severity },
    annotations: { summary: r.summary, description: r.description, runbook: runbookAnchor(r.alert) },
  }));
  return "# Rendered by components/config/alert-rules.ts; runbooks in docs/alerts.md.\n" + stringify({ groups: [{ name: "rampart-security", rules }] }, { lineWidth: 0 });
}

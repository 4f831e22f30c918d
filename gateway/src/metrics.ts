/** Prometheus metrics (names as in docs/gateway-protocol.md), on a registry of our own so several instances can share a process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly authFailures: Counter<"reason">;
  readonly rateLimitHits: Counter<"scope">;
  readonly activeConnections: Gauge;
  readonly messages: Counter;
  readonly messageDuration: Histogram;
  readonly hmacFailures: Counter<"reason">;
  readonly fanoutRejected: Counter<"reason">;
  readonly anomalyBlocks: Counter<"pattern">;
}

export interface MetricProbes {
  /** Readiness of the shared Redis connections; `redis_connected` is exported only when given. */
  readonly redisReady?: () => boolean;
}

export function createMetrics(probes: MetricProbes = {}): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { redisReady } = probes;
  if (redisReady) {
    // Read at scrape time: the alert on an unreachable Redis needs no event to fire.
    new Gauge({
      name: "redis_connected",
      help: "1 while this instance's Redis connections are ready (as /readyz reports), 0 while Redis is unreachable",
      registers: [registry],
      collect() {
        this.set(redisReady() ? 1 : 0);
      },
    });
  }
  return {
    registry,
    authFailures: new Counter({ name: "auth_failures_total", help: "WebSocket authentication failures", labelNames: ["reason"], registers: [registry] }),
    rateLimitHits: new Counter({ name: "rate_limit_hits_total", help: "Requests refused by a rate limit or cap", labelNames: ["scope"], registers: [registry] }),
    activeConnections: new Gauge({ name: "active_connections", help: "Open WebSocket connections on this instance", registers: [registry] }),
    messages: new Counter({ name: "messages_total", help: "Room messages accepted (WebSocket and device API)", registers: [registry] }),
    messageDuration: new Histogram({
      name: "message_processing_duration_seconds",
      help: "Time from receiving a room message to handing it to fan-out",
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    hmacFailures: new Counter({ name: "hmac_failures_total", help: "Device API requests refused by signature checks", labelNames: ["reason"], registers: [registry] }),
    fanoutRejected: new Counter({
      name: "fanout_rejected_total",
      help: "Room channel payloads dropped because they carry no valid fan-out MAC (forged or foreign publishes)",
      labelNames: ["reason"],
      registers: [registry],
    }),
    anomalyBlocks: new Counter({ name: "anomaly_blocks_total", help: "Offenders blocked by anomaly detection, by pattern", labelNames: ["pattern"], registers: [registry] }),
  };
}

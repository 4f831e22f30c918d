/**
 * Anomaly detection (docs/gateway-protocol.md#anomaly-detection). Crossing a threshold within its window
 * logs an `anomaly` security event and blocks the offender for ANOMALY_BLOCK_SECONDS, cluster-wide with
 * Redis.
 *
 * Who is charged: what happens before anyone is authenticated (upgrades, failed first-frame auth, bad
 * device signatures) is charged to the IP, with thresholds a shared address (carrier-grade NAT, an
 * office egress) can carry; everything an authenticated user or device does is charged to that user or
 * `bot:{deviceId}`, never to the IP, so one user cannot lock out everyone behind the same address.
 * Addresses in ANOMALY_ALLOWLIST are never counted or blocked per IP.
 */
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { AnomalyConfig, AnomalyRule } from "../config.js";
import type { GatewayLog } from "../log.js";
import type { GatewayMetrics } from "../metrics.js";
import { isLimitResult, type LimiterFactory } from "../limits/limiters.js";

export type AnomalyPattern = "rapid_reconnect" | "failed_auth" | "room_hopping" | "bulk_messages";
export type SubjectKind = "ip" | "user";

export interface AnomalyDetector {
  /**
   * Count one event of `pattern` for the subject. True when the subject is now over the threshold
   * (and blocked): the caller refuses what it was doing.
   */
  record(pattern: AnomalyPattern, kind: SubjectKind, id: string, ip: string): Promise<boolean>;
  /** Milliseconds the subject stays blocked, 0 when it is not blocked. */
  blockedFor(kind: SubjectKind, id: string): Promise<number>;
  /** True for an address in ANOMALY_ALLOWLIST: never counted, blocked or capped per IP. */
  allowlisted(ip: string): boolean;
}

type RuleKey = `${AnomalyPattern}:${SubjectKind}`;

function familyOf(ip: string): "ipv4" | "ipv6" {
  return ip.includes(":") ? "ipv6" : "ipv4";
}

export function createAnomalyDetector(
  config: AnomalyConfig,
  limiters: LimiterFactory,
  log: GatewayLog,
  metrics?: Pick<GatewayMetrics, "anomalyBlocks">,
): AnomalyDetector {
  // The (pattern, subject) pairs that exist: anything else is a programming error.
  const rules: Partial<Record<RuleKey, AnomalyRule>> = {
    "rapid_reconnect:ip": config.rapidReconnect,
    "rapid_reconnect:user": config.rapidReconnectUser,
    "failed_auth:ip": config.failedAuth,
    "failed_auth:user": config.failedAuthUser,
    "room_hopping:user": config.roomHopping,
    "bulk_messages:user": config.bulkMessages,
  };
  const counters = new Map<RuleKey, RateLimiterAbstract>();
  for (const [key, rule] of Object.entries(rules) as [RuleKey, AnomalyRule][]) {
    // The IP counters keep their historical prefix (anomaly:<pattern>), so a rolling deploy shares them.
    const prefix = key.endsWith(":ip") ? `anomaly:${key.slice(0, -3)}` : `anomaly:${key.replace(":", ":by-")}`;
    counters.set(key, limiters({ keyPrefix: prefix, points: rule.threshold, durationSeconds: rule.windowSeconds }));
  }
  const blocks = limiters({ keyPrefix: "block", points: 1, durationSeconds: config.blockSeconds });
  const allowlisted = (kind: SubjectKind, id: string) => {
    if (kind !== "ip") return false;
    try {
      return config.allowlist.check(id, familyOf(id));
    } catch {
      return false; // not an address: nothing to exempt
    }
  };

  return {
    async record(pattern, kind, id, ip) {
      const ruleKey: RuleKey = `${pattern}:${kind}`;
      const rule = rules[ruleKey];
      const counter = counters.get(ruleKey);
      if (!rule || !counter) throw new Error(`anomaly pattern ${pattern} is not counted per ${kind}`);
      if (allowlisted(kind, id)) return false;
      const key = `${kind}:${id}`;
      try {
        await counter.consume(key);
        return false;
      } catch (rejection) {
        if (!isLimitResult(rejection)) return false; // store failure: insurance already answered or nothing to do
      }
      await blocks.block(key, config.blockSeconds).catch(() => undefined);
      metrics?.anomalyBlocks.inc({ pattern });
      log.security("anomaly", ip, {
        pattern,
        subject: kind,
        ...(kind === "user" ? { userId: id } : {}),
        threshold: rule.threshold,
        windowSeconds: rule.windowSeconds,
        blockSeconds: config.blockSeconds,
      });
      return true;
    },
    allowlisted: (ip) => allowlisted("ip", ip),
    async blockedFor(kind, id) {
      if (allowlisted(kind, id)) return 0;
      try {
        const res = await blocks.get(`${kind}:${id}`);
        return res && res.consumedPoints > 1 ? Math.max(res.msBeforeNext, 1) : 0;
      } catch {
        return 0;
      }
    },
  };
}

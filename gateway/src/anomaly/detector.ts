/**
 * Anomaly detection (the patterns of docs/gateway-protocol.md#anomaly-detection): rapid reconnects and failed-auth bursts
 * per IP, room hopping and bulk messages per user. Crossing a threshold within its window logs an
 * `anomaly` security event and blocks the offender for ANOMALY_BLOCK_SECONDS, cluster-wide with Redis.
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
}

const SUBJECT: Record<AnomalyPattern, SubjectKind> = {
  rapid_reconnect: "ip",
  failed_auth: "ip",
  room_hopping: "user",
  bulk_messages: "user",
};

export function createAnomalyDetector(
  config: AnomalyConfig,
  limiters: LimiterFactory,
  log: GatewayLog,
  metrics?: Pick<GatewayMetrics, "anomalyBlocks">,
): AnomalyDetector {
  const rules: Record<AnomalyPattern, AnomalyRule> = {
    rapid_reconnect: config.rapidReconnect,
    failed_auth: config.failedAuth,
    room_hopping: config.roomHopping,
    bulk_messages: config.bulkMessages,
  };
  const counters = Object.fromEntries(
    (Object.keys(rules) as AnomalyPattern[]).map((p) => [
      p,
      limiters({ keyPrefix: `anomaly:${p}`, points: rules[p].threshold, durationSeconds: rules[p].windowSeconds }),
    ]),
  ) as Record<AnomalyPattern, RateLimiterAbstract>;
  const blocks = limiters({ keyPrefix: "block", points: 1, durationSeconds: config.blockSeconds });

  return {
    async record(pattern, kind, id, ip) {
      if (SUBJECT[pattern] !== kind) throw new Error(`anomaly pattern ${pattern} is counted per ${SUBJECT[pattern]}`);
      const key = `${kind}:${id}`;
      try {
        await counters[pattern].consume(key);
        return false;
      } catch (rejection) {
        if (!isLimitResult(rejection)) return false; // store failure: insurance already answered or nothing to do
      }
      const rule = rules[pattern];
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
    async blockedFor(kind, id) {
      try {
        const res = await blocks.get(`${kind}:${id}`);
        return res && res.consumedPoints > 1 ? Math.max(res.msBeforeNext, 1) : 0;
      } catch {
        return 0;
      }
    },
  };
}

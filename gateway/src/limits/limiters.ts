/**
 * Rate limiter factory: Redis-backed (shared by every instance) with an in-memory insurance limiter
 * that takes over while Redis is unreachable; memory only when no Redis is configured.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { SharedRedis } from "./redis.js";
import { redisKey } from "./keys.js";

export interface LimiterSpec {
  readonly keyPrefix: string;
  readonly points: number;
  readonly durationSeconds: number;
}

export type LimiterFactory = (spec: LimiterSpec) => RateLimiterAbstract;

export function limiterFactory(redis: SharedRedis | undefined): LimiterFactory {
  return ({ keyPrefix, points, durationSeconds }) => {
    const memory = new RateLimiterMemory({ keyPrefix: redisKey(keyPrefix), points, duration: durationSeconds });
    if (!redis) return memory;
    return new RateLimiterRedis({
      storeClient: redis.client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      keyPrefix: redisKey(keyPrefix),
      points,
      duration: durationSeconds,
      insuranceLimiter: memory,
    });
  };
}

/** rate-limiter-flexible rejects with a result (over the limit) or an Error (store failure). */
export function isLimitResult(value: unknown): value is { msBeforeNext: number } {
  return typeof value === "object" && value !== null && "msBeforeNext" in value && !(value instanceof Error);
}

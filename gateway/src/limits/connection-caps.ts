/**
 * Connection caps per IP and per user. With Redis they are cluster-wide: each open connection holds a
 * lease (a member of a sorted set scored by its expiry) that its instance renews; a crashed instance's
 * leases simply expire, so its connections stop counting without any clean-up. Without Redis, or
 * while Redis is away, each instance counts its own connections in memory.
 */
import { randomUUID } from "node:crypto";
import type { SharedRedis } from "./redis.js";
import { redisKey } from "./keys.js";

const LEASE_MS = 60_000;
const RENEW_MS = 20_000;

const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

export interface Lease {
  release(): void;
}

export interface ConnectionCaps {
  /** A lease on one of `limit` slots for `key`, or undefined when the cap is reached. */
  acquire(key: string, limit: number): Promise<Lease | undefined>;
  close(): void;
}

export function createConnectionCaps(redis: SharedRedis | undefined): ConnectionCaps {
  const local = new Map<string, number>();
  const remote = new Map<string, string>(); // member -> key, the leases to renew

  const localLease = (key: string, limit: number): Lease | undefined => {
    const count = local.get(key) ?? 0;
    if (count >= limit) return undefined;
    local.set(key, count + 1);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        const left = (local.get(key) ?? 1) - 1;
        if (left <= 0) local.delete(key);
        else local.set(key, left);
      },
    };
  };

  const renew = redis
    ? setInterval(() => {
        if (remote.size === 0 || !redis.client.isReady) return;
        const expiry = Date.now() + LEASE_MS;
        const batch = redis.client.multi();
        for (const [member, key] of remote) batch.zAdd(key, { score: expiry, value: member }, { XX: true });
        batch.execAsPipeline().catch(() => undefined);
      }, RENEW_MS)
    : undefined;
  renew?.unref();

  return {
    async acquire(key, limit) {
      if (!redis || !redis.client.isReady) return localLease(key, limit);
      const leaseKey = redisKey("conn", key);
      const member = randomUUID();
      const now = Date.now();
      let granted: unknown;
      try {
        granted = await redis.client.eval(ACQUIRE, {
          keys: [leaseKey],
          arguments: [String(now), String(now + LEASE_MS), String(limit), member, String(LEASE_MS * 2)],
        });
      } catch {
        return localLease(key, limit);
      }
      if (granted !== 1) return undefined;
      remote.set(member, leaseKey);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          remote.delete(member);
          // If Redis is away now, the lease expires on its own.
          redis.client.zRem(leaseKey, member).catch(() => undefined);
        },
      };
    },
    close() {
      if (renew) clearInterval(renew);
    },
  };
}

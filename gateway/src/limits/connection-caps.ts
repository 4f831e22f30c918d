/**
 * Connection caps per IP and per user. With Redis they are cluster-wide: each open connection holds a
 * lease (a member of a sorted set scored by its expiry) that its instance renews; a crashed instance's
 * leases simply expire, so its connections stop counting without any clean-up. While Redis is away
 * each instance counts its own open connections in memory (every one it holds, not only those opened
 * during the outage), and once Redis is back it writes all of them again, so a Redis that came back empty
 * still counts the connections that outlived it.
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
  /** Open connections of this instance per key: the cap while Redis is away. */
  const local = new Map<string, number>();
  /** Every lease this instance holds, member -> key: what it renews, and writes again after an outage. */
  const held = new Map<string, string>();

  /**
   * Count a connection for `key` on this instance. `keep` starts renewing it: at once for a lease taken
   * while Redis is away, only once granted for one Redis is asked for (a renewal must not write a lease
   * the cap may still refuse); `drop` undoes the count when Redis refuses it.
   */
  const hold = (key: string): { member: string; keep(): Lease; drop(): void } => {
    const member = randomUUID();
    local.set(key, (local.get(key) ?? 0) + 1);
    let released = false;
    const drop = () => {
      if (released) return false;
      released = true;
      held.delete(member);
      const left = (local.get(key) ?? 1) - 1;
      if (left <= 0) local.delete(key);
      else local.set(key, left);
      return true;
    };
    const lease: Lease = {
      release() {
        // If Redis is away now, the lease expires on its own (or was never written).
        if (drop() && redis?.client.isReady) redis.client.zRem(redisKey("conn", key), member).catch(() => undefined);
      },
    };
    return {
      member,
      drop,
      keep() {
        if (!released) held.set(member, key);
        return lease;
      },
    };
  };

  // Renewal re-adds every held lease (no XX): after Redis restarts empty, the connections that outlived
  // it count again. Same connection as the release's ZREM, so a release is never undone by a renewal.
  const renew = () => {
    if (!redis || held.size === 0 || !redis.client.isReady) return;
    const expiry = Date.now() + LEASE_MS;
    const batch = redis.client.multi();
    const keys = new Set<string>();
    for (const [member, key] of held) {
      const leaseKey = redisKey("conn", key);
      batch.zAdd(leaseKey, { score: expiry, value: member });
      keys.add(leaseKey);
    }
    for (const leaseKey of keys) batch.pExpire(leaseKey, LEASE_MS * 2);
    batch.execAsPipeline().catch(() => undefined);
  };
  const timer = redis ? setInterval(renew, RENEW_MS) : undefined;
  timer?.unref();
  redis?.client.on("ready", renew);

  return {
    async acquire(key, limit) {
      const localLease = () => ((local.get(key) ?? 0) >= limit ? undefined : hold(key).keep());
      if (!redis || !redis.client.isReady) return localLease();
      const slot = hold(key);
      const now = Date.now();
      let granted: unknown;
      try {
        granted = await redis.client.eval(ACQUIRE, {
          keys: [redisKey("conn", key)],
          arguments: [String(now), String(now + LEASE_MS), String(limit), slot.member, String(LEASE_MS * 2)],
        });
      } catch {
        slot.drop();
        return localLease();
      }
      if (granted === 1) return slot.keep();
      slot.drop();
      return undefined;
    },
    close() {
      if (timer) clearInterval(timer);
      redis?.client.off("ready", renew);
    },
  };
}

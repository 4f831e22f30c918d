/**
 * The shared Redis connection (optional). Commands fail fast while Redis is away instead of queueing,
 * so every caller can fall back to its in-memory insurance and no request hangs on an outage.
 */
import { createClient } from "redis";
import type { GatewayLog } from "../log.js";

/** Longest wait between two reconnect attempts: Redis is used again at most this long after it is back. */
export const REDIS_RECONNECT_MAX_MS = 2000;

function newClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), REDIS_RECONNECT_MAX_MS) },
  });
}

export type RedisClient = ReturnType<typeof newClient>;

export interface SharedRedis {
  readonly client: RedisClient;
  /** A second connection for pub/sub: a subscribed connection cannot run other commands. */
  readonly subscriber: RedisClient;
  isReady(): boolean;
  close(): Promise<void>;
}

export function connectRedis(url: string, log: GatewayLog): SharedRedis {
  const client = newClient(url);
  const subscriber = newClient(url);
  let lastError = 0;
  for (const [name, c] of [["client", client], ["subscriber", subscriber]] as const) {
    c.on("error", (err: Error) => {
      // An outage produces one error per reconnect attempt: log at most one every 10 s.
      if (Date.now() - lastError > 10_000) {
        lastError = Date.now();
        log.warn("redis unavailable, using in-memory fallback", { connection: name, error: err.message });
      }
    });
    c.on("ready", () => log.info("redis connected", { connection: name }));
    c.connect().catch(() => undefined);
  }
  return {
    client,
    subscriber,
    isReady: () => client.isReady && subscriber.isReady,
    async close() {
      await Promise.allSettled([client.close(), subscriber.close()]);
    },
  };
}

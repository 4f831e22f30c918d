/**
 * Every Redis key and pub/sub channel of the gateway starts with this prefix: the gateway's Redis ACL
 * user (components/config/redis.ts, `gatewayAclUser`) may touch nothing else.
 */
export const REDIS_PREFIX = "gateway:";

export const redisKey = (...parts: string[]): string => REDIS_PREFIX + parts.join(":");

import type { RedisAclUser } from "./redis";

/**
 * ElastiCache RBAC access strings from the same per-client ACL users the Redis ACL file is rendered from
 * (components/config/redis.ts): one source, two renderers, so a command or key pattern taken from a
 * client's ACL is taken from its ElastiCache user too.
 *
 * An ElastiCache user starts with no keys, channels or commands, so the access string is the ACL line's
 * rules without `reset` and without the password (the user's `passwords` carry it). The default user,
 * which every user group must contain, is rendered off with nothing allowed.
 */
export function elasticacheAccessString(user: Pick<RedisAclUser, "keys" | "channels" | "commands">): string {
  if (user.commands.length === 0) throw new Error("elasticacheAccessString: a user must be allowed at least one command");
  return ["on", ...user.keys, ...user.channels.map((c) => `&${c}`), ...user.commands].join(" ");
}

/** The default user: off, no keys, no channels, no commands. */
export const ELASTICACHE_DEFAULT_ACCESS = "off -@all";

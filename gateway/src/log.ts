/**
 * Logging. The security log is one JSON line per event with `level`, `time`, `cat`, `event`, `ip`,
 * `charged` first (docs/gateway-protocol.md), so the fail2ban filter can anchor on the start of the line: fields a client
 * controls (user ids, device ids) come later and cannot forge the prefix.
 * Tokens, secrets and message text are never passed to these functions.
 */
import { isIP } from "node:net";
import { pino, type DestinationStream, type Logger } from "pino";

export type SecurityEvent =
  | "auth_failed"
  | "auth_timeout"
  | "origin_rejected"
  | "token_in_url"
  | "rate_limited"
  | "conn_cap"
  | "hmac_invalid"
  | "hmac_replay"
  | "hmac_stale"
  | "message_too_big"
  | "anomaly"
  | "forced_close";

/**
 * Who an event is charged to, written right after `ip`: `user` when it names an authenticated user
 * (`userId`, including `bot:{deviceId}`), `device` for a signed device over its own limit, else `ip`
 * (nothing authenticated yet). The fail2ban filter bans only `ip` lines: an address is never banned
 * for what one authenticated user behind it did.
 */
export type Charged = "ip" | "user" | "device";

export function chargedTo(details: Details): Charged {
  if (details.userId !== undefined) return "user";
  if (details.scope === "device") return "device";
  return "ip";
}

export type Details = Record<string, string | number | boolean | undefined>;

export interface GatewayLog {
  security(event: SecurityEvent, ip: string, details?: Details): void;
  info(msg: string, details?: Details): void;
  warn(msg: string, details?: Details): void;
  error(msg: string, details?: Details): void;
}

export function createLog(destination?: DestinationStream, level = process.env.LOG_LEVEL ?? "info"): GatewayLog {
  const root: Logger = pino(
    {
      level,
      base: undefined,
      messageKey: "msg",
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
  const security = root.child({ cat: "security" });
  const app = root.child({ cat: "app" });
  return {
    security(event, ip, details = {}) {
      // An address that is not an IP would break the filter's <ADDR>; it never comes from a client
      // header unchecked, but keep the line well-formed whatever happens.
      security.warn({ event, ip: isIP(ip) ? ip : "0.0.0.0", charged: chargedTo(details), ...details });
    },
    info: (msg, details) => app.info(details ?? {}, msg),
    warn: (msg, details) => app.warn(details ?? {}, msg),
    error: (msg, details) => app.error(details ?? {}, msg),
  };
}

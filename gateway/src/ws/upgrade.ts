/**
 * Checks before a WebSocket upgrade is accepted (docs/gateway-protocol.md, "upgrade" row): tokens never in the URL,
 * an exactly allowed Origin (a missing Origin is refused too: non-browser clients must send one),
 * no blocked IP, no reconnect storm, and the IP's connection cap.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";
import type { Lease } from "../limits/connection-caps.js";
import type { SessionContext } from "./context.js";

const TOKEN_PARAMS = new Set(["token", "access_token", "jwt"]);
const UNCAPPED: Lease = { release: () => undefined };
const MAX_LOGGED_ORIGIN = 200;

export function hasTokenInQuery(url: URL): boolean {
  for (const key of url.searchParams.keys()) if (TOKEN_PARAMS.has(key.toLowerCase())) return true;
  return false;
}

export function rejectUpgrade(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Length: 0\r\n${extra}\r\n`);
}

/** The IP's lease when the upgrade may proceed; otherwise the socket has been answered and closed. */
export async function admitUpgrade(ctx: SessionContext, req: IncomingMessage, url: URL, socket: Duplex, ip: string): Promise<Lease | undefined> {
  const { config, log, metrics, anomaly, caps } = ctx;
  if (hasTokenInQuery(url)) {
    log.security("token_in_url", ip, { path: url.pathname });
    rejectUpgrade(socket, 400);
    return undefined;
  }
  const origin = req.headers.origin;
  if (origin === undefined || !config.allowedOrigins.has(origin)) {
    log.security("origin_rejected", ip, { origin: origin === undefined ? "(none)" : origin.slice(0, MAX_LOGGED_ORIGIN) });
    rejectUpgrade(socket, 403);
    return undefined;
  }
  const blockedMs = await anomaly.blockedFor("ip", ip);
  if (blockedMs > 0) {
    metrics.rateLimitHits.inc({ scope: "ip_blocked" });
    log.security("rate_limited", ip, { scope: "ip_blocked" });
    rejectUpgrade(socket, 429, { "Retry-After": String(Math.ceil(blockedMs / 1000)) });
    return undefined;
  }
  if (await anomaly.record("rapid_reconnect", "ip", ip, ip)) {
    rejectUpgrade(socket, 429, { "Retry-After": String(config.anomaly.blockSeconds) });
    return undefined;
  }
  // An address the operator vouches for (a shared egress) is not capped per IP; its users still are.
  const lease = anomaly.allowlisted(ip) ? UNCAPPED : await caps.acquire(`ip:${ip}`, config.maxConnPerIp);
  if (!lease) {
    metrics.rateLimitHits.inc({ scope: "conn_ip" });
    log.security("conn_cap", ip, { scope: "ip", limit: config.maxConnPerIp });
    rejectUpgrade(socket, 429);
    return undefined;
  }
  if (socket.destroyed) {
    lease.release();
    return undefined;
  }
  return lease;
}

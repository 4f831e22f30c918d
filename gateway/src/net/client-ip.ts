/**
 * The client's address. Forwarding headers are believed only when the TCP peer is a trusted proxy
 * (TRUSTED_PROXIES); otherwise anyone could pick the address their failures are charged to.
 */
import { isIP, type BlockList } from "node:net";
import type { IncomingMessage } from "node:http";

/** `::ffff:192.0.2.1` -> `192.0.2.1`, so one client has one key whichever socket family it used. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return list.check(address, family === 6 ? "ipv6" : "ipv4");
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function clientIp(req: IncomingMessage, trustedProxies: BlockList): string {
  const peer = normaliseAddress(req.socket.remoteAddress ?? "0.0.0.0");
  if (!isTrusted(trustedProxies, peer)) return peer;

  const cf = headerValue(req, "cf-connecting-ip")?.trim();
  if (cf && isIP(cf)) return normaliseAddress(cf);

  // X-Forwarded-For is appended to by each proxy: walk from the right past our own proxies; the
  // first untrusted hop is the client as far as we can know. Entries left of it are client-chosen.
  const xff = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(xff) ? xff.join(",") : (xff ?? "")).split(",").map((h) => normaliseAddress(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isIP(hop)) return peer;
    if (!isTrusted(trustedProxies, hop)) return hop;
  }
  return peer;
}

/**
 * Fan-out payloads between instances carry an HMAC-SHA256 under FANOUT_KEY, a key only gateways hold.
 * The MAC covers the channel too, so a payload seen on one room cannot be replayed into another. Redis
 * ACLs already keep every other client off the gateway's channels; this holds even if one of them, or
 * an operator's stray `redis-cli PUBLISH`, gets there anyway.
 *
 * Wire form on the channel: `<43 characters: base64url MAC>.<frame JSON>`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const MAC_CHARS = 43;

export type FanoutRejection = { readonly rejected: "malformed" | "bad_mac" };

function mac(key: Uint8Array, channel: string, payload: string): Buffer {
  return createHmac("sha256", key).update(channel).update("\0").update(payload).digest();
}

export function sealFanout(key: Uint8Array, channel: string, payload: string): string {
  return `${mac(key, channel, payload).toString("base64url")}.${payload}`;
}

/** The payload if its MAC holds for this channel, otherwise why it was rejected. */
export function openFanout(key: Uint8Array, channel: string, sealed: string): string | FanoutRejection {
  if (sealed.length <= MAC_CHARS + 1 || sealed[MAC_CHARS] !== ".") return { rejected: "malformed" };
  const given = Buffer.from(sealed.slice(0, MAC_CHARS), "base64url");
  const payload = sealed.slice(MAC_CHARS + 1);
  const expected = mac(key, channel, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { rejected: "bad_mac" };
  return payload;
}

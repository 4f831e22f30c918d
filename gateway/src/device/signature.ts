/**
 * Device request signatures (docs/gateway-protocol.md):
 * `X-Rampart-Signature: v1=<hex HMAC-SHA256(secret, "v1:{ts}:{nonce}:{METHOD}:{path}:{hex sha256(body)}")>`.
 * Shared by the gateway and the signing tool, so both sides build the same string.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_WINDOW_SECONDS = 300;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const SIGNATURE_PATTERN = /^v1=([0-9a-f]{64})$/;

export interface SignedRequest {
  readonly timestamp: string;
  readonly nonce: string;
  readonly method: string;
  readonly path: string;
  readonly body: Uint8Array;
}

export function canonicalString(req: SignedRequest): string {
  const bodyHash = createHash("sha256").update(req.body).digest("hex");
  return `v1:${req.timestamp}:${req.nonce}:${req.method.toUpperCase()}:${req.path}:${bodyHash}`;
}

export function sign(secret: string, req: SignedRequest): string {
  return `v1=${createHmac("sha256", secret).update(canonicalString(req)).digest("hex")}`;
}

/** Constant-time check of a `v1=<hex>` header against the expected signature. */
export function signatureMatches(secret: string, req: SignedRequest, header: string): boolean {
  const presented = SIGNATURE_PATTERN.exec(header);
  const expected = createHmac("sha256", secret).update(canonicalString(req)).digest();
  // A malformed header is compared against a zero buffer so both paths cost one HMAC and one compare.
  const given = presented ? Buffer.from(presented[1]!, "hex") : Buffer.alloc(expected.length);
  return timingSafeEqual(given, expected) && presented !== null;
}

/** Seconds between the request's timestamp and now, or undefined when it is not a unix-seconds integer. */
export function timestampSkew(timestamp: string, nowMs = Date.now()): number | undefined {
  if (!/^\d{1,12}$/.test(timestamp)) return undefined;
  return Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
}

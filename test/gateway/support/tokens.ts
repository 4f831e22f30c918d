/** Test access tokens. */
import { SignJWT } from "jose";

export const JWT_SECRET = "test-secret-0123456789abcdef-0123456789abcdef";
export const ALLOWED_ORIGIN = "https://app.rampart.test";

export interface TokenOptions {
  readonly sub?: string;
  readonly rooms?: string[];
  /** Seconds from now (negative for an expired token). */
  readonly expiresIn?: number;
  readonly secret?: string;
  readonly iss?: string;
  readonly aud?: string;
}

export async function token(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ rooms: options.rooms ?? ["demo"] })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(options.sub ?? "alice")
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600));
  if (options.iss) jwt = jwt.setIssuer(options.iss);
  if (options.aud) jwt = jwt.setAudience(options.aud);
  return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** An unsigned `alg: none` token with valid-looking claims. */
export function noneToken(sub = "alice"): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: "none", typ: "JWT" })}.${enc({ sub, rooms: ["*"], exp: now + 3600 })}.`;
}

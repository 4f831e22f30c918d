/**
 * Access-token verification: algorithm pinned to the configured key type (so `alg: none` and
 * HS256-with-the-public-key confusion fail), `exp` and `sub` required, issuer/audience when configured.
 */
import { errors, jwtVerify } from "jose";
import { z } from "zod";
import type { GatewayConfig } from "../config.js";

export const MAX_TOKEN_LENGTH = 8192;
const CLOCK_TOLERANCE_SECONDS = 5;

const claimsSchema = z.object({
  // No whitespace or control characters: the user id is shown to other users and written to logs.
  sub: z.string().min(1).max(128).refine((s) => !/[\s\p{Cc}]/u.test(s)),
  exp: z.number().int().positive(),
  rooms: z.array(z.string().min(1).max(128)).max(100).default([]),
});

export interface Identity {
  readonly userId: string;
  /** Expiry, unix seconds. */
  readonly expiresAt: number;
  /** Rooms the token grants (`*` for all); an array, lighter than a Set for the usual few rooms. */
  readonly rooms: readonly string[];
}

export type AuthFailureReason = "expired" | "invalid_signature" | "algorithm" | "claims" | "malformed";

export class AuthError extends Error {
  constructor(readonly reason: AuthFailureReason) {
    super(`token rejected: ${reason}`);
  }
}

export type TokenVerifier = (token: string) => Promise<Identity>;

export function createTokenVerifier(config: Pick<GatewayConfig, "jwt" | "jwtIssuer" | "jwtAudience">): TokenVerifier {
  const options = {
    algorithms: [config.jwt.algorithm],
    requiredClaims: ["exp", "sub"],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
    ...(config.jwtAudience ? { audience: config.jwtAudience } : {}),
  };
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError("malformed");
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, config.jwt.key, options));
    } catch (err) {
      throw new AuthError(classify(err));
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new AuthError("claims");
    return { userId: claims.data.sub, expiresAt: claims.data.exp, rooms: claims.data.rooms };
  };
}

function classify(err: unknown): AuthFailureReason {
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JOSEAlgNotAllowed) return "algorithm";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "invalid_signature";
  if (err instanceof errors.JWTClaimValidationFailed) return "claims";
  return "malformed";
}

export function mayJoin(identity: Identity, room: string): boolean {
  return identity.rooms.includes("*") || identity.rooms.includes(room);
}

/**
 * TURN REST API credentials (coturn `use-auth-secret`): username `expiry:userId`, credential
 * base64(HMAC-SHA1(secret, username)). The shared secret never leaves the server.
 */
import { createHmac } from "node:crypto";
import type { TurnConfig } from "./config.js";

export interface IceServer {
  readonly urls: readonly string[];
  readonly username: string;
  readonly credential: string;
}

/** Credentials valid until `min(now + TTL, notAfter)` (unix seconds): never past the user's own token. */
export function turnCredentials(turn: TurnConfig, userId: string, notAfter: number, now = Date.now()): IceServer {
  const expiry = Math.min(Math.floor(now / 1000) + turn.ttlSeconds, notAfter);
  const username = `${expiry}:${userId}`;
  const credential = createHmac("sha1", turn.secret).update(username).digest("base64");
  return { urls: turn.uris, username, credential };
}

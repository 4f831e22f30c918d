/** Room-scoped LiveKit access tokens, minted only for rooms the gateway already let the user join. */
import { AccessToken } from "livekit-server-sdk";
import type { LiveKitConfig } from "./config.js";

const MAX_TTL_SECONDS = 600;

export async function liveKitToken(livekit: LiveKitConfig, userId: string, room: string, notAfter: number, now = Date.now()): Promise<string> {
  const ttl = Math.max(1, Math.min(MAX_TTL_SECONDS, notAfter - Math.floor(now / 1000)));
  const token = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity: userId, ttl });
  token.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
  return token.toJwt();
}

/** WebSocket frames (docs/gateway-protocol.md): every inbound frame is validated against these schemas. */
import { z } from "zod";
import { MAX_TOKEN_LENGTH } from "../auth/jwt.js";

export const MAX_TEXT_CHARS = 2000;
export const roomName = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/);

const token = z.string().min(1).max(MAX_TOKEN_LENGTH);

export const authFrame = z.strictObject({ type: z.literal("auth"), token });

export const clientFrame = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("join"), room: roomName }),
  z.strictObject({ type: z.literal("leave"), room: roomName }),
  z.strictObject({ type: z.literal("message"), room: roomName, text: z.string().min(1).max(MAX_TEXT_CHARS) }),
  z.strictObject({ type: z.literal("reauth"), token }),
]);

export type ClientFrame = z.infer<typeof clientFrame>;

export type ErrorCode = "AUTH_FAILED" | "AUTH_REQUIRED" | "FORBIDDEN" | "BAD_REQUEST" | "RATE_LIMITED";

export const CloseCode = {
  GOING_AWAY: 1001,
  TOO_BIG: 1009,
  /** A bug on our side while handling a frame: the connection cannot be trusted to be consistent. */
  INTERNAL_ERROR: 1011,
  AUTH_TIMEOUT: 4001,
  AUTH_FAILED: 4003,
  TOKEN_EXPIRED: 4004,
  RATE_LIMITED: 4008,
} as const;

/** Parse a text frame as JSON; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export const errorFrame = (code: ErrorCode) => `{"type":"error","code":"${code}"}`;

export function messageFrame(room: string, from: string, text: string, ts: number): string {
  return JSON.stringify({ type: "message", room, from, text, ts });
}

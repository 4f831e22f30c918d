/** The gateway's frames and close codes (docs/gateway-protocol.md, "WebSocket /ws"). */

export type ErrorCode = "AUTH_FAILED" | "AUTH_REQUIRED" | "FORBIDDEN" | "BAD_REQUEST" | "RATE_LIMITED";

export interface IceServer {
  readonly urls: readonly string[];
  readonly username: string;
  readonly credential: string;
}

/** Every frame the gateway sends, by its `type`. */
export interface ServerFrames {
  auth_ok: { readonly type: "auth_ok"; readonly userId: string; readonly expiresAt: number };
  reauth_ok: { readonly type: "reauth_ok"; readonly expiresAt: number };
  joined: {
    readonly type: "joined";
    readonly room: string;
    readonly livekit: { readonly url: string; readonly token: string } | null;
    readonly iceServers: readonly IceServer[];
  };
  left: { readonly type: "left"; readonly room: string };
  message: { readonly type: "message"; readonly room: string; readonly from: string; readonly text: string; readonly ts: number };
  error: { readonly type: "error"; readonly code: ErrorCode };
}

export type ServerFrame = ServerFrames[keyof ServerFrames];

export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  ABNORMAL: 1006,
  TOO_BIG: 1009,
  AUTH_TIMEOUT: 4001,
  AUTH_FAILED: 4003,
  TOKEN_EXPIRED: 4004,
  RATE_LIMITED: 4008,
} as const;

/** Query parameters the gateway refuses at the upgrade (400): tokens never travel in the URL. */
export const TOKEN_PARAMS = ["token", "access_token", "jwt"];

/** Room names the gateway accepts. */
export const ROOM_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

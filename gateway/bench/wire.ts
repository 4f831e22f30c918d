/**
 * The load client's two dialects, so every server gets the same load: the gateway's JSON frames (which the
 * bare servers answer too), and Socket.IO's protocol (Engine.IO 4 packets carrying Socket.IO 5 packets:
 * `0` open, `40{auth}` connect, `40`/`44` accepted/refused, `42[event, data]` an event, `2`/`3` ping/pong)
 * spoken over the same ws client, so neither side pays for a heavier client library.
 */
import type WebSocket from "ws";
import type { Wire } from "./common.js";

export interface WireDialect {
  /** The socket opened. */
  opened(ws: WebSocket, token: string): void;
  /** A text frame before authentication: "authed", "refused", or undefined to keep waiting. */
  handshake(ws: WebSocket, text: string, token: string): "authed" | "refused" | undefined;
  /** Answers the server's keep-alive if the frame is one; true when it was. */
  keepAlive(ws: WebSocket, text: string): boolean;
  join(room: string): string;
  message(room: string, text: string): string;
  isDelivery(text: string): boolean;
}

const rampart: WireDialect = {
  opened: (ws, token) => ws.send(JSON.stringify({ type: "auth", token })),
  handshake: (_ws, text) => (text.includes('"type":"auth_ok"') ? "authed" : text.includes('"type":"error"') ? "refused" : undefined),
  keepAlive: () => false, // WebSocket pings, answered by ws itself
  join: (room) => JSON.stringify({ type: "join", room }),
  message: (room, text) => JSON.stringify({ type: "message", room, text }),
  isDelivery: (text) => text.length > 30 && text.includes('"type":"message"'),
};

const socketIo: WireDialect = {
  opened: () => undefined, // the server speaks first
  handshake: (ws, text, token) => {
    if (text.startsWith("0{")) ws.send(`40${JSON.stringify({ token })}`);
    else if (text.startsWith("40")) return "authed";
    else if (text.startsWith("44")) return "refused";
    return undefined;
  },
  keepAlive: (ws, text) => {
    if (text !== "2") return false;
    ws.send("3");
    return true;
  },
  join: (room) => `42${JSON.stringify(["join", room])}`,
  message: (room, text) => `42${JSON.stringify(["message", { room, text }])}`,
  isDelivery: (text) => text.startsWith('42["message"'),
};

export const WIRES: Readonly<Record<Wire, WireDialect>> = { rampart, "socket.io": socketIo };

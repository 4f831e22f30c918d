/**
 * How the load client talks to each server, so every server gets the same load: connect and authenticate,
 * join the room, send messages, count deliveries. Two dialects are spoken over the same ws client, so
 * neither side pays for a heavier client library: the gateway's JSON frames (which the bare servers answer
 * too), and Socket.IO's protocol (Engine.IO 4 packets carrying Socket.IO 5 packets: `0` open, `40{auth}`
 * connect, `40`/`44` accepted/refused, `42[event, data]` an event, `2`/`3` ping/pong). Centrifugo is spoken
 * to through its own client, `centrifuge` (over ws), as its users would: its protocol is that library's.
 */
import { Centrifuge, type Subscription } from "centrifuge";
import WebSocket from "ws";
import { BENCH_ORIGIN, type Wire } from "./common.js";

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

/** One authenticated connection of the load client, whatever the server. */
export interface Connection {
  /** Joins the room; resolves when the server has accepted it (or at once, where nothing answers a join). */
  join(room: string, onDelivery: () => void): Promise<void>;
  message(room: string, text: string): void;
  terminate(): void;
}

type Connector = (url: string, token: string, timeoutMs: number) => Promise<Connection>;

/** A raw ws connection speaking one dialect: authenticated when the dialect's handshake says so. */
const overWs =
  (dialect: WireDialect): Connector =>
  (url, token, timeoutMs) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { origin: BENCH_ORIGIN, perMessageDeflate: false });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error("connect timeout"));
      }, timeoutMs);
      let onDelivery: (() => void) | undefined;
      const onMessage = (data: Buffer) => {
        const text = data.toString();
        if (dialect.keepAlive(ws, text)) return;
        const verdict = dialect.handshake(ws, text, token);
        if (!verdict) return;
        clearTimeout(timer);
        ws.off("message", onMessage);
        ws.on("message", (d: Buffer) => {
          const t = d.toString();
          if (!dialect.keepAlive(ws, t) && onDelivery && dialect.isDelivery(t)) onDelivery();
        });
        if (verdict === "refused") return reject(new Error(`auth refused: ${text}`));
        resolve({
          join: (room, deliver) => {
            onDelivery = deliver;
            ws.send(dialect.join(room));
            return Promise.resolve();
          },
          message: (room, text) => ws.send(dialect.message(room, text)),
          terminate: () => ws.terminate(),
        });
      };
      ws.on("message", onMessage);
      ws.once("open", () => dialect.opened(ws, token));
      ws.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });

/** ws with the bench's Origin (Centrifugo checks it, as the gateway does) and no compression, as for the others. */
class BenchWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols ?? [], { origin: BENCH_ORIGIN, perMessageDeflate: false });
  }
}

/** Centrifugo through `centrifuge`: authenticated at its `connected` event; a room is a channel subscription. */
const centrifuge: Connector = (url, token, timeoutMs) =>
  new Promise((resolve, reject) => {
    const client = new Centrifuge(url, { websocket: BenchWebSocket, token, timeout: timeoutMs, minReconnectDelay: 60_000, maxReconnectDelay: 60_000 });
    const timer = setTimeout(() => {
      client.disconnect();
      reject(new Error("connect timeout"));
    }, timeoutMs);
    const subs = new Map<string, Subscription>();
    client.once("connected", () => {
      clearTimeout(timer);
      resolve({
        join: (room, deliver) =>
          new Promise((joined, refused) => {
            const sub = client.newSubscription(room);
            subs.set(room, sub);
            sub.on("publication", () => deliver());
            sub.once("subscribed", () => joined());
            sub.once("error", (e) => refused(new Error(`subscribe ${room}: ${e.error.message}`)));
            sub.subscribe();
          }),
        message: (room, text) => void subs.get(room)?.publish({ room, text }).catch(() => undefined),
        terminate: () => client.disconnect(),
      });
    });
    client.once("disconnected", (ctx) => {
      clearTimeout(timer);
      reject(new Error(`auth refused: ${ctx.code} ${ctx.reason}`));
    });
    client.connect();
  });

export const CONNECTORS: Readonly<Record<Wire, Connector>> = { rampart: overWs(rampart), "socket.io": overWs(socketIo), centrifuge };

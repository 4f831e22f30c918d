/**
 * A room member on the project's client SDK (@rampart/client, in Node on its own WebSocket): what it sees
 * of a fault (states, closes, the URL it is on) and every message it receives, recorded in the ledger.
 */
import { RampartClient, type ClientState, type Disconnected, type WebSocketLike } from "@rampart/client";
import { ALLOWED_ORIGIN, token } from "../../gateway/support/tokens.js";
import type { Ledger } from "./room-load.js";

const NodeWebSocket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocketLike;

export class SdkMember {
  readonly client: RampartClient;
  readonly states: { state: ClientState; at: number }[] = [];
  readonly closes: (Disconnected & { at: number })[] = [];
  private seq = 0;

  constructor(
    readonly name: string,
    urls: readonly [string, ...string[]],
    readonly room: string,
    private readonly ledger: Ledger,
  ) {
    this.client = new RampartClient({
      url: urls,
      getToken: () => token({ sub: name, rooms: [room] }),
      createSocket: (url) => new NodeWebSocket(url, { headers: { origin: ALLOWED_ORIGIN } }),
    });
    this.client.on("state", (state) => this.states.push({ state, at: performance.now() }));
    this.client.on("disconnected", (d) => this.closes.push({ ...d, at: performance.now() }));
    this.client.on("message", (m) => {
      if (m.room === room) ledger.record({ id: m.text, to: name, at: performance.now() });
    });
    this.client.join(room);
  }

  /** Connect and resolve once open (authenticated, room joined). */
  start(timeoutMs = 15_000): Promise<void> {
    const opened = this.openedAfter(0, timeoutMs);
    this.client.connect();
    return opened.then(() => undefined);
  }

  /** When the client was next `open` after `since` (performance.now()), waiting up to `timeoutMs`. */
  openedAfter(since: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const found = () => this.states.find((s) => s.state === "open" && s.at > since);
      const now = found();
      if (now) return resolve(now.at);
      const timer = setTimeout(() => reject(new Error(`${this.name}: not open again within ${timeoutMs} ms (states ${this.states.map((s) => s.state).join(" ")})`)), timeoutMs);
      const off = this.client.on("state", () => {
        const s = found();
        if (!s) return;
        clearTimeout(timer);
        off();
        resolve(s.at);
      });
    });
  }

  /** Send the next numbered message (queued by the SDK while it is not open). */
  send(): void {
    const id = `${this.name}#${this.seq++}`;
    this.ledger.sent.set(id, { id, from: this.name, instance: this.client.url, at: performance.now() });
    this.client.send(this.room, id);
  }
}

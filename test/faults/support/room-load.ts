/**
 * A bounded messaging load on real WebSockets: members on named gateway instances, all in one room, each
 * sending a numbered message every tick; every delivery is recorded, so that each message can be counted
 * per path (same instance, across instances) and per phase of the fault.
 */
import WebSocket from "ws";
import { ALLOWED_ORIGIN, token } from "../../gateway/support/tokens.js";

export interface Sent {
  readonly id: string;
  readonly from: string;
  readonly instance: string;
  /** performance.now() when handed to the socket. */
  readonly at: number;
}

export interface Delivery {
  readonly id: string;
  readonly to: string;
  readonly at: number;
}

export class Ledger {
  readonly sent = new Map<string, Sent>();
  readonly deliveries: Delivery[] = [];
  duplicates = 0;
  private readonly seen = new Set<string>();

  record(delivery: Delivery): void {
    const key = `${delivery.id}>${delivery.to}`;
    if (this.seen.has(key)) {
      this.duplicates++;
      return;
    }
    this.seen.add(key);
    this.deliveries.push(delivery);
  }

  delivered(id: string, to: string): boolean {
    return this.seen.has(`${id}>${to}`);
  }
}

/** An authenticated WebSocket in the room, its deliveries going to the ledger. */
export class Member {
  closes: { code: number; at: number }[] = [];
  private seq = 0;

  private constructor(
    readonly name: string,
    readonly instance: string,
    readonly ws: WebSocket,
    private readonly ledger: Ledger,
  ) {
    ws.on("close", (code) => this.closes.push({ code, at: performance.now() }));
  }

  /** `options`: more `ws` client options (TLS trust, a client certificate, the Host header). */
  static async join(ledger: Ledger, name: string, instance: string, wsUrl: string, room: string, options: WebSocket.ClientOptions = {}): Promise<Member> {
    const ws = new WebSocket(wsUrl, { origin: ALLOWED_ORIGIN, perMessageDeflate: false, ...options });
    ws.on("error", () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const member = new Member(name, instance, ws, ledger);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no auth_ok and joined within 15 s`)), 15_000);
      ws.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; text?: string; room?: string };
        if (frame.type === "joined") {
          clearTimeout(timer);
          resolve();
        } else if (frame.type === "message" && frame.room === room) {
          ledger.record({ id: frame.text!, to: name, at: performance.now() });
        }
      });
    });
    ws.send(JSON.stringify({ type: "auth", token: await token({ sub: name, rooms: [room] }) }));
    ws.send(JSON.stringify({ type: "join", room }));
    await ready;
    return member;
  }

  /** Send the next numbered message; false when the socket is not open. */
  send(room: string): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    const id = `${this.name}#${this.seq++}`;
    this.ledger.sent.set(id, { id, from: this.name, instance: this.instance, at: performance.now() });
    this.ws.send(JSON.stringify({ type: "message", room, text: id }));
    return true;
  }
}

/** Every member sends one message per tick until `stop()`, and at most `maxTicks` ticks. */
export function runLoad(members: readonly Member[], room: string, tickMs: number, maxTicks: number): { stop(): void; ticks(): number } {
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks >= maxTicks) clearInterval(timer);
    for (const m of members) m.send(room);
  }, tickMs);
  return { stop: () => clearInterval(timer), ticks: () => ticks };
}

export interface PathCount {
  readonly phase: string;
  readonly path: "same instance" | "across instances";
  /** Deliveries due: one per message and member other than its sender. */
  readonly due: number;
  readonly delivered: number;
  readonly lost: number;
}

/** Count each message's deliveries to every other member, by the phase it was sent in and by path. */
export function countByPath(ledger: Ledger, members: readonly Member[], phaseOf: (sentAt: number) => string): PathCount[] {
  const counts = new Map<string, { phase: string; path: PathCount["path"]; due: number; delivered: number }>();
  for (const sent of ledger.sent.values()) {
    const phase = phaseOf(sent.at);
    for (const to of members) {
      if (to.name === sent.from) continue;
      const path = to.instance === sent.instance ? "same instance" : "across instances";
      const key = `${phase}|${path}`;
      const c = counts.get(key) ?? { phase, path, due: 0, delivered: 0 };
      c.due++;
      if (ledger.delivered(sent.id, to.name)) c.delivered++;
      counts.set(key, c);
    }
  }
  return [...counts.values()].map((c) => ({ ...c, lost: c.due - c.delivered }));
}

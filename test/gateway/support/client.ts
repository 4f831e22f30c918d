/** A WebSocket test client that queues frames and records how the connection ended. */
import WebSocket from "ws";
import { ALLOWED_ORIGIN } from "./tokens.js";

export interface Frame {
  type: string;
  [key: string]: unknown;
}

export class TestClient {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Status of a refused upgrade. */
  readonly refused: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.opened = new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.refused = new Promise((resolve) => {
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    });
  }

  static connect(url: string, options: { origin?: string | null; autoPong?: boolean; headers?: Record<string, string> } = {}): TestClient {
    const origin = options.origin === undefined ? ALLOWED_ORIGIN : options.origin;
    const ws = new WebSocket(url, {
      ...(origin === null ? {} : { origin }),
      ...(options.headers ? { headers: options.headers } : {}),
      autoPong: options.autoPong ?? true,
      perMessageDeflate: false,
    });
    ws.on("error", () => undefined);
    return new TestClient(ws);
  }

  /** Open, authenticate and return the auth_ok frame. */
  static async authed(url: string, jwt: string): Promise<TestClient> {
    const client = TestClient.connect(url);
    await client.opened;
    client.send({ type: "auth", token: jwt });
    const ok = await client.next("auth_ok");
    if (!ok) throw new Error("no auth_ok");
    return client;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Send frames back to back in one TCP write (the socket is corked around them), so the gateway
   * reads them together and cannot have answered one before the next arrives: true pipelining.
   */
  pipeline(frames: readonly (object | string)[]): void {
    const socket = (this.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    socket.cork();
    for (const frame of frames) this.send(frame);
    socket.uncork();
  }

  /** Frames received so far (not yet taken by `next`) of one type. */
  taken(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** The next frame (of `type` when given) not yet taken, waiting up to `timeoutMs`. */
  async next(type?: string, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => type === undefined || f.type === type);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type ?? "frame"} within ${timeoutMs} ms (have ${JSON.stringify(this.frames)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async join(room: string): Promise<Frame> {
    this.send({ type: "join", room });
    return this.next();
  }

  close(): void {
    this.ws.terminate();
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The gateway's client: first-frame authentication (never a token in the URL), sends queued until the
 * gateway has said `auth_ok` and the rooms are rejoined, reconnection with exponential backoff and full
 * jitter, a reaction per close code, and token refresh through `reauth` before the token expires.
 */
import { CloseCode, ROOM_NAME, TOKEN_PARAMS, type ServerFrame, type ServerFrames } from "./frames.js";

/**
 * What the client needs of a WebSocket: the browser's, Node's global one, or `ws`. The handlers take
 * `never` so that each platform's own event types are accepted as they are; the client reads only
 * `data` of a message event and `code`/`reason` of a close event.
 */
export interface WebSocketLike {
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface BackoffOptions {
  /** First retry window; each failed attempt doubles it (full jitter: the delay is uniform in [0, window]). Default 500. */
  readonly initialMs?: number;
  /** Largest window. Default 30,000. */
  readonly maxMs?: number;
  /** Added to the jittered delay after a 4008 (rate limited) close. Default 15,000. */
  readonly rateLimitedMs?: number;
}

export interface ClientOptions {
  /**
   * `wss://host/ws`, or several such URLs of the same deployment (gateway instances or regions): the
   * client starts on the first and moves to the next after a close that says the server is unavailable
   * (`FAILOVER_CODES`). A `token`, `access_token` or `jwt` parameter is refused (the gateway answers it
   * with 400).
   */
  readonly url: string | readonly [string, ...string[]];
  /** Called before every connection and before every refresh; returns a fresh access token. */
  readonly getToken: () => string | Promise<string>;
  /** Default `new WebSocket(url)`. In Node, pass one that sends an allowed `Origin` (the gateway refuses none). */
  readonly createSocket?: (url: string) => WebSocketLike;
  readonly backoff?: BackoffOptions;
  /** Re-authenticate this long before the token expires (at half its remaining life if it is shorter). Default 30,000. */
  readonly refreshBeforeExpiryMs?: number;
  /** Largest frame sent, in UTF-8 bytes: the gateway's `MAX_MESSAGE_BYTES` (it closes with 1009 above it). Default 16,384. */
  readonly maxFrameBytes?: number;
  /** Frames held while not connected; `send` throws past it. Default 100. */
  readonly maxQueued?: number;
}

/**
 * `idle` before `connect()`; `connecting` while the token is fetched and the socket opens;
 * `authenticating` until `auth_ok` and the rejoins are answered; `open`; `waiting` for a retry;
 * `stopped` after `close()` or a refused token (4003).
 */
export type ClientState = "idle" | "connecting" | "authenticating" | "open" | "waiting" | "stopped";

export interface Disconnected {
  readonly code: number;
  readonly reason: string;
  /** When the client retries, in ms; undefined when it does not (`close()`, 4003). */
  readonly retryInMs: number | undefined;
}

/** Every server frame by its type, and the client's own events. */
export interface ClientEvents extends ServerFrames {
  state: ClientState;
  disconnected: Disconnected;
  /** 4003: the gateway refused the token. The client stopped; call `connect()` once `getToken` has a new one. */
  token_rejected: { readonly code: number };
  /** 1009: a frame was over the gateway's limit. It is not sent again; the client reconnects. */
  too_big: { readonly code: number };
  /** `getToken()` failed; the client retries (connection) or tries again later (refresh). */
  token_error: { readonly error: unknown };
}

type Listener<K extends keyof ClientEvents> = (event: ClientEvents[K]) => void;

const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * Closes after which the next URL is tried: the server went away or cannot serve (1001, 1011-1014) or
 * the connection was lost or never established (1006: also a killed instance or a refused upgrade).
 * After the gateway's verdict on this client (4001-4008, 1009) it stays: every instance would say the same.
 */
export const FAILOVER_CODES: readonly number[] = [CloseCode.GOING_AWAY, CloseCode.ABNORMAL, 1011, 1012, 1013, 1014];
const encoder = new TextEncoder();

export class RampartClient {
  private readonly options: ClientOptions;
  private readonly urls: readonly string[];
  private urlIndex = 0;
  private readonly backoff: Required<BackoffOptions>;
  private readonly listeners = new Map<keyof ClientEvents, Set<Listener<never>>>();
  private readonly wanted = new Set<string>();
  private readonly queue: string[] = [];
  private ws: WebSocketLike | undefined;
  private authed = false;
  private pendingJoins = 0;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  state: ClientState = "idle";
  userId: string | undefined;
  /** Expiry of the current token, unix seconds. */
  expiresAt: number | undefined;

  constructor(options: ClientOptions) {
    const urls: readonly string[] = typeof options.url === "string" ? [options.url] : options.url;
    if (!Array.isArray(urls) || urls.length === 0) throw new TypeError("RampartClient: url must be a wss:// URL or a non-empty array of them");
    urls.forEach(checkUrl);
    this.urls = urls;
    this.options = options;
    this.backoff = { initialMs: 500, maxMs: 30_000, rateLimitedMs: 15_000, ...options.backoff };
    const numbers = { ...this.backoff, refreshBeforeExpiryMs: options.refreshBeforeExpiryMs ?? 0, maxFrameBytes: options.maxFrameBytes ?? 1, maxQueued: options.maxQueued ?? 0 };
    for (const [name, value] of Object.entries(numbers)) {
      if (!(typeof value === "number" && value >= 0 && value < Infinity)) throw new RangeError(`RampartClient: ${name} must be a finite number >= 0, not ${String(value)}`);
    }
  }

  /** The URL of the current (or next) connection attempt. */
  get url(): string {
    return this.urls[this.urlIndex]!;
  }

  /** Rooms the client is in, or will rejoin after a reconnect. */
  get rooms(): ReadonlySet<string> {
    return this.wanted;
  }

  on<K extends keyof ClientEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Start (or restart after `close()` or a refused token). */
  connect(): void {
    if (this.state !== "idle" && this.state !== "stopped") return;
    this.attempt = 0;
    void this.open();
  }

  /** Close with 1000 and stay closed. Queued frames are kept for a later `connect()`. */
  close(): void {
    this.stop();
    const ws = this.ws;
    this.drop();
    ws?.close(CloseCode.NORMAL, "client closed");
  }

  /** Join `room` now, and again after every reconnect until `leave(room)`. */
  join(room: string): void {
    checkRoom(room);
    if (this.wanted.has(room)) return;
    this.wanted.add(room);
    if (!this.authed) return; // sent with the rejoins after auth_ok
    if (this.state !== "open") this.pendingJoins++;
    this.transmit(JSON.stringify({ type: "join", room }));
  }

  leave(room: string): void {
    checkRoom(room);
    if (!this.wanted.delete(room)) return;
    if (this.authed) this.transmit(JSON.stringify({ type: "leave", room })); // otherwise it is simply not rejoined
  }

  /** Send `text` to `room`: at once when open, otherwise once connected, authenticated and rejoined. */
  send(room: string, text: string): void {
    checkRoom(room);
    const frame = JSON.stringify({ type: "message", room, text });
    const bytes = encoder.encode(frame).length;
    const max = this.options.maxFrameBytes ?? 16_384;
    if (bytes > max) throw new RangeError(`RampartClient: this message is ${bytes} bytes as a frame, over maxFrameBytes (${max}); the gateway would close the connection with 1009`);
    if (this.state === "open") return this.transmit(frame);
    if (this.queue.length >= (this.options.maxQueued ?? 100)) throw new RangeError(`RampartClient: ${this.queue.length} frames already wait for the connection (maxQueued); wait for the "open" state`);
    this.queue.push(frame);
  }

  private emit<K extends keyof ClientEvents>(event: K, value: ClientEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as Listener<K>)(value);
  }

  private setState(state: ClientState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }

  private async open(): Promise<void> {
    this.setState("connecting");
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (error) {
      this.emit("token_error", { error });
      return this.retry(this.jitter());
    }
    if (this.state !== "connecting") return; // closed meanwhile
    const ws = (this.options.createSocket ?? ((url) => new WebSocket(url)))(this.url);
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.setState("authenticating");
      ws.send(JSON.stringify({ type: "auth", token }));
    };
    ws.onmessage = (event: { readonly data: unknown }) => {
      if (ws === this.ws && typeof event.data === "string") this.onFrame(event.data);
    };
    ws.onerror = () => undefined; // a close event always follows
    ws.onclose = (event: { readonly code: number; readonly reason: string }) => {
      if (ws === this.ws) this.onClose(event.code, event.reason);
    };
  }

  private onFrame(data: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    switch (frame.type) {
      case "auth_ok":
        this.authed = true;
        this.attempt = 0;
        this.userId = frame.userId;
        this.expiresAt = frame.expiresAt;
        this.scheduleRefresh();
        this.pendingJoins = this.wanted.size;
        for (const room of this.wanted) this.transmit(JSON.stringify({ type: "join", room }));
        this.ready();
        break;
      case "reauth_ok":
        // The same expiry again (getToken gave no newer token): no new refresh; 4004 at expiry reconnects.
        if (frame.expiresAt > this.expiresAt!) {
          this.expiresAt = frame.expiresAt;
          this.scheduleRefresh();
        }
        break;
      case "left":
        this.wanted.delete(frame.room);
        break;
      case "joined":
      case "error":
        if (this.pendingJoins > 0) {
          this.pendingJoins--;
          this.ready();
        }
        break;
    }
    this.emit(frame.type, frame as never);
  }

  /** Open once every rejoin is answered; then the queue goes out in order. */
  private ready(): void {
    if (this.pendingJoins > 0 || !this.authed) return;
    this.setState("open");
    for (const frame of this.queue.splice(0)) this.transmit(frame);
  }

  private onClose(code: number, reason: string): void {
    this.drop();
    if (code === CloseCode.AUTH_FAILED) {
      this.stop();
      this.emit("disconnected", { code, reason, retryInMs: undefined });
      return this.emit("token_rejected", { code });
    }
    if (code === CloseCode.TOO_BIG) this.emit("too_big", { code });
    if (FAILOVER_CODES.includes(code)) this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    // 4004: the refresh came too late; a new connection with a fresh token at once.
    const delay = code === CloseCode.TOKEN_EXPIRED ? 0 : this.jitter() + (code === CloseCode.RATE_LIMITED ? this.backoff.rateLimitedMs : 0);
    this.emit("disconnected", { code, reason, retryInMs: delay });
    this.retry(delay);
  }

  private jitter(): number {
    return Math.random() * Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt++);
  }

  private retry(delay: number): void {
    if (this.state === "stopped") return;
    this.setState("waiting");
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const remaining = this.expiresAt! * 1000 - Date.now();
    const lead = this.options.refreshBeforeExpiryMs ?? 30_000;
    const delay = remaining > 2 * lead ? remaining - lead : remaining / 2;
    this.refreshTimer = setTimeout(() => void this.refresh(), Math.min(Math.max(delay, 0), MAX_TIMER_MS));
  }

  private async refresh(): Promise<void> {
    const ws = this.ws;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (error) {
      this.emit("token_error", { error });
      if (ws === this.ws && this.authed) this.scheduleRefresh();
      return;
    }
    if (ws === this.ws && this.authed) ws!.send(JSON.stringify({ type: "reauth", token }));
  }

  private transmit(frame: string): void {
    this.ws?.send(frame);
  }

  private stop(): void {
    clearTimeout(this.retryTimer);
    this.setState("stopped");
  }

  private drop(): void {
    clearTimeout(this.refreshTimer);
    this.ws = undefined;
    this.authed = false;
    this.pendingJoins = 0;
  }
}

function checkUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`RampartClient: url ${JSON.stringify(text)} is not an absolute URL; use wss://<host>/ws`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new TypeError(`RampartClient: url must be ws: or wss:, not ${url.protocol}`);
  for (const key of url.searchParams.keys()) {
    if (TOKEN_PARAMS.includes(key.toLowerCase())) {
      throw new TypeError(`RampartClient: url carries a "${key}" parameter; tokens go in the first frame only (the gateway refuses such URLs): remove it and return the token from getToken()`);
    }
  }
}

function checkRoom(room: string): void {
  if (!ROOM_NAME.test(room)) throw new TypeError(`RampartClient: room ${JSON.stringify(room)} must be 1-128 characters of A-Z a-z 0-9 _ . : -`);
}

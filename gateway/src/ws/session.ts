/**
 * One WebSocket connection: authentication by first frame, then join/leave/message/reauth
 * (the protocol table of docs/gateway-protocol.md). Clients only ever see generic error codes; the reasons go to the log.
 */
import type { Duplex } from "node:stream";
import { WebSocket, type RawData } from "ws";
import { AuthError, mayJoin, type Identity } from "../auth/jwt.js";
import type { Lease } from "../limits/connection-caps.js";
import { isLimitResult } from "../limits/limiters.js";
import { liveKitToken } from "../livekit.js";
import { turnCredentials } from "../turn.js";
import type { SessionContext } from "./context.js";
import type { RoomMember } from "./rooms.js";
import { authFrame, clientFrame, CloseCode, errorFrame, messageFrame, parseJson, type ClientFrame, type ErrorCode } from "./protocol.js";

type State = "awaiting_auth" | "authenticating" | "open" | "closing" | "closed";

const MAX_TIMER_MS = 2 ** 31 - 1;
const SESSION = Symbol("rampart.session");
type Owned = WebSocket & { [SESSION]: Session };

// Shared listeners (with the session found on the socket) instead of closures per connection: at
// 10,000 idle connections every object per session counts.
function onMessageShared(this: WebSocket, data: RawData, isBinary: boolean) {
  (this as Owned)[SESSION].onMessage(data, isBinary);
}
function onCloseShared(this: WebSocket) {
  (this as Owned)[SESSION].onClose();
}
function onErrorShared(this: WebSocket, err: Error & { code?: string }) {
  (this as Owned)[SESSION].onError(err);
}
function onPongShared(this: WebSocket) {
  (this as Owned)[SESSION].alive = true;
}
function onPingShared(this: WebSocket, data: Buffer) {
  (this as Owned)[SESSION].onPing(data);
}
function authTimeoutShared(session: Session) {
  session.onAuthTimeout();
}
function expiryShared(session: Session) {
  session.onExpiryTimer();
}
/** Frames a client may pipeline behind its auth frame before the verdict. */
export const MAX_QUEUED_BEFORE_AUTH = 8;
/**
 * Frames an authenticated connection may have waiting behind the one being handled. Frames are
 * handled strictly one after the other (each with its Redis round trips finished), so a client that
 * pipelines faster than that waits in this bounded queue; past it the connection is closed.
 */
export const MAX_QUEUED_FRAMES = 32;

export class Session implements RoomMember {
  private state: State = "awaiting_auth";
  private identity: Identity | undefined;
  private userLease: Lease | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Frames waiting while an earlier one is handled (undefined for a binary frame). */
  private inbox: (RawData | undefined)[] | undefined;
  /** True while a frame is being handled: later frames wait in `inbox`, in arrival order. */
  private busy = false;
  private joined: Set<string> | undefined;
  private slowSince = 0;
  /** Client pings in the current one-minute window (the server answers them itself: autoPong is off). */
  private pings = 0;
  private pingWindowStart = 0;
  alive = true;

  constructor(
    private readonly ctx: SessionContext,
    readonly ws: WebSocket,
    /** The upgraded TCP socket under `ws`, corked by the fan-out coalescer. */
    private readonly socket: Duplex,
    readonly ip: string,
    private readonly ipLease: Lease,
    private readonly onClosed: (session: Session) => void,
  ) {
    this.authTimer = setTimeout(authTimeoutShared, ctx.config.authTimeoutMs, this);
    (ws as Owned)[SESSION] = this;
    ws.on("message", onMessageShared);
    ws.on("close", onCloseShared);
    ws.on("error", onErrorShared);
    ws.on("pong", onPongShared);
    ws.on("ping", onPingShared);
  }

  /** Fan-out delivery. A client whose buffer stays over the bound is cut off (backpressure). */
  deliver(frame: Buffer): void {
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.ctx.config.maxBufferedBytes) {
      const now = Date.now();
      if (this.slowSince === 0) this.slowSince = now;
      else if (now - this.slowSince >= this.ctx.config.slowConsumerMs) this.dropSlowConsumer();
      return;
    }
    this.slowSince = 0;
    this.ctx.writes.hold(this.socket);
    this.socket.write(frame);
  }

  /** Called by the heartbeat sweep: the slow-consumer bound holds even when no new messages arrive. */
  checkBackpressure(now: number): void {
    if (this.slowSince !== 0 && this.ws.bufferedAmount > this.ctx.config.maxBufferedBytes && now - this.slowSince >= this.ctx.config.slowConsumerMs) {
      this.dropSlowConsumer();
    }
  }

  get userId(): string | undefined {
    return this.identity?.userId;
  }

  private dropSlowConsumer(): void {
    this.ctx.metrics.rateLimitHits.inc({ scope: "backpressure" });
    this.forcedClose("slow_consumer", { buffered: this.ws.bufferedAmount });
    this.ws.terminate();
  }

  /** Every close the server forces logs a security event, charged to the user once there is one. */
  forcedClose(reason: string, details: Record<string, number | string> = {}): void {
    this.ctx.log.security("forced_close", this.ip, { reason, ...(this.identity ? { userId: this.identity.userId } : {}), ...details });
  }

  /**
   * A client ping: answered while the connection stays within PINGS_PER_MINUTE. A burst beyond it is a
   * ping flood: RATE_LIMITED, close 4008 and a security event (before, ws answered every ping until its
   * socket gave up with a silent 1006).
   */
  onPing(data: Buffer): void {
    if (this.done) return;
    const now = Date.now();
    if (now - this.pingWindowStart >= 60_000) {
      this.pingWindowStart = now;
      this.pings = 0;
    }
    if (++this.pings > this.ctx.config.pingsPerMinute) {
      this.ctx.metrics.rateLimitHits.inc({ scope: "ping" });
      this.ctx.log.security("rate_limited", this.ip, { scope: "ping", limit: this.ctx.config.pingsPerMinute, ...(this.identity ? { userId: this.identity.userId } : {}) });
      return this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "ping flood");
    }
    this.ws.pong(data);
  }

  onAuthTimeout(): void {
    this.authTimer = undefined;
    if (this.state !== "awaiting_auth" && this.state !== "authenticating") return;
    this.ctx.metrics.authFailures.inc({ reason: "timeout" });
    this.ctx.log.security("auth_timeout", this.ip, { timeoutMs: this.ctx.config.authTimeoutMs });
    this.close(CloseCode.AUTH_TIMEOUT, "authentication timeout");
  }

  onMessage(data: RawData, isBinary: boolean): void {
    if (this.done) return;
    const frame = isBinary ? undefined : data;
    if (this.busy) {
      this.inbox ??= [];
      const limit = this.state === "open" ? MAX_QUEUED_FRAMES : MAX_QUEUED_BEFORE_AUTH;
      if (this.inbox.length >= limit) return this.overflow(limit);
      this.inbox.push(frame);
      return;
    }
    this.busy = true;
    void this.drain(frame);
  }

  /**
   * Handle `first`, then every frame that arrived meanwhile, one at a time: a frame's checks and Redis
   * round trips finish before the next frame is looked at, so pipelined frames behave exactly as if
   * the client had waited for each answer (rooms per connection, join-then-message, reauth-then-join).
   */
  private async drain(first: RawData | undefined): Promise<void> {
    let frame = first;
    try {
      for (;;) {
        await this.handleInOrder(frame);
        if (this.done || !this.inbox || this.inbox.length === 0) break;
        frame = this.inbox.shift();
      }
    } catch (err) {
      this.ctx.log.error("frame handling failed", { ip: this.ip, error: (err as Error).message });
      this.forcedClose("internal_error");
      this.close(CloseCode.INTERNAL_ERROR, "internal error");
    } finally {
      this.busy = false;
      if (this.done) this.inbox = undefined;
    }
  }

  private async handleInOrder(frame: RawData | undefined): Promise<void> {
    if (this.state === "awaiting_auth") return this.onFirstFrame(frame);
    if (this.state === "open") return this.dispatch(frame);
  }

  private overflow(limit: number): void {
    this.ctx.metrics.rateLimitHits.inc({ scope: "queue" });
    this.ctx.log.security("rate_limited", this.ip, { scope: "queue", limit, ...(this.identity ? { userId: this.identity.userId } : {}) });
    this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "too many pipelined frames");
  }

  private async onFirstFrame(data: RawData | undefined): Promise<void> {
    const frame = data === undefined ? undefined : authFrame.safeParse(parseJson(data.toString()));
    if (!frame?.success) {
      this.ctx.metrics.authFailures.inc({ reason: "auth_required" });
      this.ctx.log.security("auth_failed", this.ip, { reason: "auth_required" });
      void this.ctx.anomaly.record("failed_auth", "ip", this.ip, this.ip);
      return this.refuse("AUTH_REQUIRED", CloseCode.AUTH_FAILED, "authentication required");
    }
    this.state = "authenticating";
    await this.authenticate(frame.data.token);
  }

  private async authenticate(token: string): Promise<void> {
    let identity: Identity;
    try {
      identity = await this.ctx.verifyToken(token);
    } catch (err) {
      return this.authFailed(err);
    }
    if (this.done) return;
    const { config, anomaly, caps, log, metrics } = this.ctx;

    const blockedMs = await anomaly.blockedFor("user", identity.userId);
    if (this.done) return;
    if (blockedMs > 0) {
      metrics.rateLimitHits.inc({ scope: "user_blocked" });
      log.security("rate_limited", this.ip, { scope: "user_blocked", userId: identity.userId });
      return this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "blocked");
    }

    // Reconnect storms of an authenticated user are charged to that user, not to the shared address.
    if (await anomaly.record("rapid_reconnect", "user", identity.userId, this.ip)) {
      return this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "rate limited");
    }
    if (this.done) return;

    const lease = await caps.acquire(`user:${identity.userId}`, config.maxConnPerUser);
    if (this.done) return lease?.release();
    if (!lease) {
      metrics.rateLimitHits.inc({ scope: "conn_user" });
      log.security("conn_cap", this.ip, { scope: "user", userId: identity.userId, limit: config.maxConnPerUser });
      return this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "too many connections");
    }

    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.userLease = lease;
    this.identity = identity;
    this.state = "open";
    this.scheduleExpiry();
    this.send(JSON.stringify({ type: "auth_ok", userId: identity.userId, expiresAt: identity.expiresAt }));
  }

  /** A failed first-frame auth is charged to the IP; a failed re-auth to the authenticated user. */
  private authFailed(err: unknown): void {
    if (this.done) return;
    const reason = err instanceof AuthError ? err.reason : "error";
    if (!(err instanceof AuthError)) this.ctx.log.error("token verification error", { error: (err as Error).message });
    this.ctx.metrics.authFailures.inc({ reason });
    this.ctx.log.security("auth_failed", this.ip, { reason, ...(this.identity ? { userId: this.identity.userId } : {}) });
    if (this.identity) void this.ctx.anomaly.record("failed_auth", "user", this.identity.userId, this.ip);
    else void this.ctx.anomaly.record("failed_auth", "ip", this.ip, this.ip);
    this.refuse("AUTH_FAILED", CloseCode.AUTH_FAILED, "authentication failed");
  }

  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const delay = this.identity!.expiresAt * 1000 - Date.now();
    this.expiryTimer = setTimeout(expiryShared, Math.max(0, Math.min(delay, MAX_TIMER_MS)), this);
  }

  onExpiryTimer(): void {
    if (this.state !== "open" || !this.identity) return;
    if (Date.now() < this.identity.expiresAt * 1000) return this.scheduleExpiry();
    this.forcedClose("token_expired");
    this.close(CloseCode.TOKEN_EXPIRED, "token expired");
  }

  /** Every frame after authentication counts against MSG_PER_MINUTE, valid or not. */
  private async dispatch(data: RawData | undefined): Promise<void> {
    const identity = this.identity!;
    const started = performance.now();
    try {
      await this.ctx.frameLimiter.consume(`user:${identity.userId}`);
    } catch (rejection) {
      if (isLimitResult(rejection)) return this.flooded();
    }
    if (this.state !== "open") return;
    const frame = data === undefined ? undefined : clientFrame.safeParse(parseJson(data.toString()));
    if (!frame?.success) return this.send(errorFrame("BAD_REQUEST"));
    await this.handle(frame.data, started);
  }

  private async handle(frame: ClientFrame, started: number): Promise<void> {
    switch (frame.type) {
      case "message":
        return this.onRoomMessage(frame.room, frame.text, started);
      case "join":
        return this.onJoin(frame.room);
      case "leave":
        return this.onLeave(frame.room);
      case "reauth":
        return this.onReauth(frame.token);
    }
  }

  private async onRoomMessage(room: string, text: string, started: number): Promise<void> {
    const { userId } = this.identity!;
    if (!this.joined?.has(room)) return this.send(errorFrame("FORBIDDEN"));
    if (await this.ctx.anomaly.record("bulk_messages", "user", userId, this.ip)) {
      return this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "rate limited");
    }
    if (this.state !== "open") return;
    this.ctx.metrics.messages.inc();
    await this.ctx.rooms.publish(room, messageFrame(room, userId, text, Date.now()));
    this.ctx.metrics.messageDuration.observe((performance.now() - started) / 1000);
  }

  private async onJoin(room: string): Promise<void> {
    const identity = this.identity!;
    const { config, anomaly, rooms } = this.ctx;
    if (!mayJoin(identity, room)) return this.send(errorFrame("FORBIDDEN"));
    if (!this.joined?.has(room) && (this.joined?.size ?? 0) >= config.maxRoomsPerConnection) return this.send(errorFrame("FORBIDDEN"));
    if (await anomaly.record("room_hopping", "user", identity.userId, this.ip)) {
      return this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "rate limited");
    }
    if (this.state !== "open") return;
    (this.joined ??= new Set()).add(room);
    await rooms.join(room, this);
    const livekit = config.livekit
      ? { url: config.livekit.url, token: await liveKitToken(config.livekit, identity.userId, room, identity.expiresAt) }
      : null;
    const iceServers = config.turn ? [turnCredentials(config.turn, identity.userId, identity.expiresAt)] : [];
    if (this.state !== "open" || !this.joined.has(room)) return;
    this.send(JSON.stringify({ type: "joined", room, livekit, iceServers }));
  }

  private onLeave(room: string): void {
    if (this.joined?.delete(room)) this.ctx.rooms.leave(room, this);
    this.send(JSON.stringify({ type: "left", room }));
  }

  private async onReauth(token: string): Promise<void> {
    let identity: Identity;
    try {
      identity = await this.ctx.verifyToken(token);
    } catch (err) {
      return this.authFailed(err);
    }
    if (this.state !== "open") return;
    if (identity.userId !== this.identity!.userId) {
      return this.authFailed(new AuthError("claims"));
    }
    this.identity = identity;
    // The new token may grant fewer rooms: leave the ones it no longer covers.
    for (const room of this.joined ?? []) {
      if (!mayJoin(identity, room)) this.onLeave(room);
    }
    this.scheduleExpiry();
    this.send(JSON.stringify({ type: "reauth_ok", expiresAt: identity.expiresAt }));
  }

  private flooded(): void {
    if (this.done) return;
    this.ctx.metrics.rateLimitHits.inc({ scope: "message" });
    this.ctx.log.security("rate_limited", this.ip, { scope: "message", userId: this.identity?.userId, limit: this.ctx.config.msgPerMinute });
    this.refuse("RATE_LIMITED", CloseCode.RATE_LIMITED, "rate limited");
  }

  onError(err: Error & { code?: string }): void {
    if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      this.ctx.metrics.rateLimitHits.inc({ scope: "message_size" });
      this.ctx.log.security("message_too_big", this.ip, { limit: this.ctx.config.maxMessageBytes, ...(this.identity ? { userId: this.identity.userId } : {}) });
      return; // ws closes with 1009 itself
    }
    this.ctx.log.warn("websocket protocol error", { ip: this.ip, code: err.code ?? "unknown" });
  }

  onClose(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    this.inbox = undefined;
    for (const room of this.joined ?? []) this.ctx.rooms.leave(room, this);
    this.joined = undefined;
    this.userLease?.release();
    this.ipLease.release();
    this.onClosed(this);
  }

  private send(payload: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(payload);
  }

  private refuse(code: ErrorCode, closeCode: number, reason: string): void {
    this.send(errorFrame(code));
    this.close(closeCode, reason);
  }

  /** Close with a code; nothing more from this client is processed while the close handshake runs. */
  close(code: number, reason: string): void {
    if (this.done) return;
    this.state = "closing";
    this.ws.close(code, reason);
  }

  private get done(): boolean {
    return this.state === "closing" || this.state === "closed";
  }
}

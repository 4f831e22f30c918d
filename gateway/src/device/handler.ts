/**
 * `POST /v1/devices/{deviceId}/events`: HMAC-signed bot/device events delivered into a room as from
 * `bot:{deviceId}`. Every authentication failure gets the same 401 body; the reason goes to the log.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RateLimiterUnion } from "rate-limiter-flexible";
import { z } from "zod";
import type { GatewayConfig } from "../config.js";
import type { GatewayLog } from "../log.js";
import type { GatewayMetrics } from "../metrics.js";
import type { AnomalyDetector } from "../anomaly/detector.js";
import { isLimitResult, type LimiterFactory } from "../limits/limiters.js";
import type { RoomHub } from "../ws/rooms.js";
import { MAX_TEXT_CHARS, messageFrame, roomName } from "../ws/protocol.js";
import { DEVICE_ID_PATTERN, type DeviceRegistry } from "./registry.js";
import type { NonceCache } from "./nonces.js";
import { NONCE_PATTERN, SIGNATURE_WINDOW_SECONDS, signatureMatches, timestampSkew } from "./signature.js";

export const MAX_DEVICE_BODY_BYTES = 64 * 1024;

const eventSchema = z.strictObject({ room: roomName, text: z.string().min(1).max(MAX_TEXT_CHARS) });

/** Compared against when the device is unknown, so unknown and known devices cost the same. */
const DECOY_SECRET = "rampart-decoy-secret-never-matches-anything-0000";

export interface DeviceApiDeps {
  readonly config: GatewayConfig;
  readonly log: GatewayLog;
  readonly metrics: GatewayMetrics;
  readonly devices: DeviceRegistry;
  readonly nonces: NonceCache;
  readonly anomaly: AnomalyDetector;
  readonly rooms: RoomHub;
  readonly limiters: LimiterFactory;
}

type Outcome = { status: number; body: object; headers?: Record<string, string> };

const UNAUTHORIZED: Outcome = { status: 401, body: { error: "UNAUTHORIZED" } };

export function createDeviceHandler(deps: DeviceApiDeps) {
  const { config, log, metrics, devices, nonces, anomaly, rooms } = deps;
  const limits = new RateLimiterUnion(
    deps.limiters({ keyPrefix: "device:minute", points: config.deviceLimits.perMinute, durationSeconds: 60 }),
    deps.limiters({ keyPrefix: "device:hour", points: config.deviceLimits.perHour, durationSeconds: 3600 }),
    deps.limiters({ keyPrefix: "device:day", points: config.deviceLimits.perDay, durationSeconds: 86_400 }),
  );

  const hmacFailure = (ip: string, event: "hmac_invalid" | "hmac_replay" | "hmac_stale", reason: string, deviceId: string): Outcome => {
    metrics.hmacFailures.inc({ reason });
    log.security(event, ip, { reason, deviceId });
    void anomaly.record("failed_auth", "ip", ip, ip);
    return UNAUTHORIZED;
  };

  const tooMany = (ms: number): Outcome => ({
    status: 429,
    body: { error: "RATE_LIMITED" },
    headers: { "Retry-After": String(Math.max(1, Math.ceil(ms / 1000))) },
  });

  async function process(req: IncomingMessage, rawDeviceId: string, path: string, ip: string): Promise<Outcome> {
    const blockedMs = await anomaly.blockedFor("ip", ip);
    if (blockedMs > 0) {
      metrics.rateLimitHits.inc({ scope: "ip_blocked" });
      log.security("rate_limited", ip, { scope: "ip_blocked" });
      return tooMany(blockedMs);
    }

    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/json") return { status: 415, body: { error: "UNSUPPORTED_MEDIA_TYPE" } };
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_DEVICE_BODY_BYTES) return { status: 413, body: { error: "TOO_LARGE" } };
    const body = await readBody(req, MAX_DEVICE_BODY_BYTES);
    if (body === undefined) return { status: 413, body: { error: "TOO_LARGE" } };

    const deviceId = DEVICE_ID_PATTERN.test(rawDeviceId) ? rawDeviceId : "";
    const timestamp = header(req, "x-rampart-timestamp");
    const nonce = header(req, "x-rampart-nonce");
    const signature = header(req, "x-rampart-signature");
    const loggedId = deviceId || "invalid";
    if (!deviceId || !timestamp || !nonce || !signature || !NONCE_PATTERN.test(nonce)) {
      return hmacFailure(ip, "hmac_invalid", "malformed", loggedId);
    }
    const skew = timestampSkew(timestamp);
    if (skew === undefined) return hmacFailure(ip, "hmac_invalid", "malformed", deviceId);
    if (skew > SIGNATURE_WINDOW_SECONDS) return hmacFailure(ip, "hmac_stale", "stale", deviceId);

    const device = devices.approved(deviceId);
    const valid = signatureMatches(device?.secret ?? DECOY_SECRET, { timestamp, nonce, method: req.method ?? "POST", path, body }, signature);
    if (!device) return hmacFailure(ip, "hmac_invalid", "unknown_or_blocked_device", deviceId);
    if (!valid) return hmacFailure(ip, "hmac_invalid", "bad_signature", deviceId);
    // Claimed only once the signature holds: unauthenticated traffic cannot fill the replay cache.
    if (!(await nonces.claim(deviceId, nonce))) return hmacFailure(ip, "hmac_replay", "replay", deviceId);

    try {
      await limits.consume(deviceId);
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection;
      const results = Object.values(rejection as Record<string, unknown>).filter(isLimitResult);
      metrics.rateLimitHits.inc({ scope: "device" });
      log.security("rate_limited", ip, { scope: "device", deviceId });
      return tooMany(Math.max(0, ...results.map((r) => r.msBeforeNext)));
    }

    const sender = `bot:${deviceId}`;
    if (await anomaly.record("bulk_messages", "user", sender, ip)) return tooMany(config.anomaly.blockSeconds * 1000);
    if ((await anomaly.blockedFor("user", sender)) > 0) return tooMany(config.anomaly.blockSeconds * 1000);

    const event = eventSchema.safeParse(parseBody(body));
    if (!event.success) return { status: 400, body: { error: "BAD_REQUEST" } };
    if (device.rooms && !device.rooms.includes(event.data.room) && !device.rooms.includes("*")) {
      return { status: 403, body: { error: "FORBIDDEN" } };
    }
    metrics.messages.inc();
    await rooms.publish(event.data.room, messageFrame(event.data.room, sender, event.data.text, Date.now()));
    return { status: 202, body: { status: "accepted" } };
  }

  return async function handleDeviceEvent(req: IncomingMessage, res: ServerResponse, deviceId: string, path: string, ip: string): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await process(req, deviceId, path, ip);
    } catch (err) {
      log.error("device request failed", { error: (err as Error).message });
      outcome = { status: 500, body: { error: "INTERNAL" } };
    }
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(outcome.body);
    res.writeHead(outcome.status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      ...(outcome.status === 413 ? { Connection: "close" } : {}),
      ...outcome.headers,
    });
    res.end(text);
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The request body, or undefined once it exceeds `limit` bytes (reading stops there). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}


/**
 * The gateway: HTTP (health, readiness, device API) and the `/ws` WebSocket on one port, Prometheus
 * metrics on another. `startGateway` returns the bound ports and a graceful `close()`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEVICE_EVENTS_PATH, GATEWAY_PATHS } from "@rampart/catalogue";
import { WebSocketServer } from "ws";
import type { GatewayConfig } from "./config.js";
import { createLog, type GatewayLog } from "./log.js";
import { createMetrics } from "./metrics.js";
import { createTokenVerifier } from "./auth/jwt.js";
import { connectRedis } from "./limits/redis.js";
import { limiterFactory } from "./limits/limiters.js";
import { createConnectionCaps } from "./limits/connection-caps.js";
import { createAnomalyDetector } from "./anomaly/detector.js";
import { clientIp } from "./net/client-ip.js";
import { createRoomHub } from "./ws/rooms.js";
import { Session } from "./ws/session.js";
import { admitUpgrade, rejectUpgrade } from "./ws/upgrade.js";
import type { SessionContext } from "./ws/context.js";
import { CloseCode } from "./ws/protocol.js";
import { loadDeviceRegistry } from "./device/registry.js";
import { createNonceCache } from "./device/nonces.js";
import { createDeviceHandler } from "./device/handler.js";
import { WriteCoalescer } from "./ws/write-coalescer.js";

export interface RunningGateway {
  readonly port: number;
  readonly metricsPort: number;
  /** Stop accepting, close every WebSocket with 1001, wait up to DRAIN_MS for them, release everything. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly log?: GatewayLog;
}

const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

function json(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const log = options.log ?? createLog();
  const redis = config.redisUrl ? connectRedis(config.redisUrl, log) : undefined;
  const metrics = createMetrics(redis ? { redisReady: () => redis.isReady() } : {});
  const limiters = limiterFactory(redis);
  const caps = createConnectionCaps(redis);
  const anomaly = createAnomalyDetector(config.anomaly, limiters, log, metrics);
  const rooms = createRoomHub(redis, log, config.fanoutKey ? { key: config.fanoutKey, rejected: metrics.fanoutRejected } : undefined);
  const devices = loadDeviceRegistry(config.devicesFile, log);
  const nonces = createNonceCache(redis);
  const sessions = new Set<Session>();
  let closing = false;

  const ctx: SessionContext = {
    config,
    log,
    metrics,
    verifyToken: createTokenVerifier(config),
    caps,
    anomaly,
    rooms,
    frameLimiter: limiters({ keyPrefix: "frames", points: config.msgPerMinute, durationSeconds: 60 }),
    writes: new WriteCoalescer(),
  };
  const handleDevice = createDeviceHandler({ config, log, metrics, devices, nonces, anomaly, rooms, limiters });

  // autoPong off: each session answers pings itself, within PINGS_PER_MINUTE.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes, perMessageDeflate: false, clientTracking: false, autoPong: false });
  const onSessionClosed = (session: Session) => {
    sessions.delete(session);
    metrics.activeConnections.dec();
  };

  const server: Server = createServer((req, res) => void route(req, res));
  // Slow-request protection: a client must send its headers and body promptly.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://gateway.invalid");
    // Liveness stays 200 through a Redis outage (a restart would drop every connection and bring Redis back
    // no sooner), but says the instance is degraded: limits per instance, fan-out to local members only.
    if (req.method === "GET" && url.pathname === GATEWAY_PATHS.health) {
      if (!redis) return json(res, 200, { status: "ok", redis: "not_configured" });
      return json(res, 200, redis.isReady() ? { status: "ok", redis: "up" } : { status: "degraded", redis: "down" });
    }
    if (req.method === "GET" && url.pathname === GATEWAY_PATHS.ready) {
      const redisOk = !redis || redis.isReady();
      const ready = redisOk && !closing;
      return json(res, ready ? 200 : 503, { status: ready ? "ready" : "unavailable", redis: redis ? (redisOk ? "up" : "down") : "not_configured" });
    }
    const device = DEVICE_EVENTS_PATH.exec(url.pathname);
    if (device) {
      if (req.method !== "POST") {
        res.setHeader("Allow", "POST");
        return json(res, 405, { error: "METHOD_NOT_ALLOWED" });
      }
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      return handleDevice(req, res, decodeURIComponentSafe(device[1]!), url.pathname, clientIp(req, config.trustedProxies));
    }
    return json(res, 404, { error: "NOT_FOUND" });
  }

  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => undefined);
    const url = new URL(req.url ?? "/", "http://gateway.invalid");
    if (url.pathname !== GATEWAY_PATHS.websocket) return rejectUpgrade(socket, 404);
    if (closing) return rejectUpgrade(socket, 503);
    const ip = clientIp(req, config.trustedProxies);
    admitUpgrade(ctx, req, url, socket, ip).then(
      (lease) => {
        if (!lease) return;
        if (closing) {
          lease.release();
          return rejectUpgrade(socket, 503);
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          sessions.add(new Session(ctx, ws, socket, ip, lease, onSessionClosed));
          metrics.activeConnections.inc();
        });
      },
      (err: Error) => {
        log.error("upgrade failed", { error: err.message });
        rejectUpgrade(socket, 500);
      },
    );
  });
  server.on("clientError", (_err, socket) => rejectUpgrade(socket, 400));

  // One sweep for every connection instead of a timer each: ping, and cut peers that missed a pong.
  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const session of sessions) {
      if (!session.alive) {
        session.forcedClose("heartbeat_missed");
        session.ws.terminate();
        continue;
      }
      session.alive = false;
      session.ws.ping();
      session.checkBackpressure(now);
    }
  }, config.heartbeatMs);

  const metricsServer = createServer((req, res) => {
    if (req.method !== "GET" || new URL(req.url ?? "/", "http://metrics.invalid").pathname !== GATEWAY_PATHS.metrics) return json(res, 404, { error: "NOT_FOUND" });
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": metrics.registry.contentType });
        res.end(text);
      },
      () => json(res, 500, { error: "INTERNAL" }),
    );
  });

  await Promise.all([listen(server, config.port, config.host), listen(metricsServer, config.metricsPort, config.metricsHost)]);
  const port = (server.address() as AddressInfo).port;
  const metricsPort = (metricsServer.address() as AddressInfo).port;
  log.info("gateway listening", {
    host: config.host,
    port,
    metricsHost: config.metricsHost,
    metricsPort,
    redis: redis ? "configured" : "memory",
    livekit: config.livekit ? "configured" : "off",
    turn: config.turn ? "configured" : "off",
    jwtAlgorithm: config.jwt.algorithm,
  });

  let closed: Promise<void> | undefined;
  return {
    port,
    metricsPort,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        clearInterval(heartbeat);
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const session of sessions) session.close(CloseCode.GOING_AWAY, "server shutting down");
        const deadline = Date.now() + config.drainMs;
        while (sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        for (const session of sessions) session.ws.terminate();
        server.closeAllConnections();
        await serverClosed;
        const metricsClosed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections();
        await metricsClosed;
        caps.close();
        nonces.close();
        devices.close();
        await rooms.close();
        await redis?.close();
        log.info("gateway stopped");
      })()),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return "";
  }
}

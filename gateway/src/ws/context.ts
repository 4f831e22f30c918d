/** What a WebSocket session needs from the gateway around it. */
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { GatewayConfig } from "../config.js";
import type { GatewayLog } from "../log.js";
import type { GatewayMetrics } from "../metrics.js";
import type { TokenVerifier } from "../auth/jwt.js";
import type { ConnectionCaps } from "../limits/connection-caps.js";
import type { AnomalyDetector } from "../anomaly/detector.js";
import type { RoomHub } from "./rooms.js";
import type { WriteCoalescer } from "./write-coalescer.js";

export interface SessionContext {
  readonly config: GatewayConfig;
  readonly log: GatewayLog;
  readonly metrics: GatewayMetrics;
  readonly verifyToken: TokenVerifier;
  readonly caps: ConnectionCaps;
  readonly anomaly: AnomalyDetector;
  readonly rooms: RoomHub;
  /** MSG_PER_MINUTE per user, shared by all of the user's connections on every instance. */
  readonly frameLimiter: RateLimiterAbstract;
  /** Batches each member's fan-out frames of one event-loop turn into one write. */
  readonly writes: WriteCoalescer;
}

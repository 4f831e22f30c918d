/**
 * The gateway's HTTP surface: the gateway serves it, the edge proxy and the WAF route and guard it, the
 * container healthcheck probes it. See docs/gateway-protocol.md.
 */
const API = "/v1/";

export const GATEWAY_PATHS = {
  /** WebSocket upgrade; the only path that upgrades. */
  websocket: "/ws",
  /** The gateway's versioned HTTP API; the edge routes all of it to the gateway. */
  api: API,
  /** Device API prefix: `POST /v1/devices/{deviceId}/events`. */
  devicePrefix: `${API}devices/`,
  health: "/healthz",
  ready: "/readyz",
  /** Served on the metrics port only, never through the edge. */
  metrics: "/metrics",
} as const;

/** The signed path of one device's events endpoint (the HMAC covers it exactly as sent). */
export function deviceEventsPath(deviceId: string): string {
  return `${GATEWAY_PATHS.devicePrefix}${encodeURIComponent(deviceId)}/events`;
}

/** Matches a device events path, capturing the (still URL-encoded) device id. */
export const DEVICE_EVENTS_PATH = /^\/v1\/devices\/([^/]+)\/events$/;

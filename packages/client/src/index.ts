/** @rampart/client: the Rampart gateway's WebSocket client for browsers and Node (docs/gateway-protocol.md). */
export { FAILOVER_CODES, RampartClient } from "./client.js";
export type { BackoffOptions, ClientEvents, ClientOptions, ClientState, Disconnected, WebSocketLike } from "./client.js";
export { CloseCode } from "./frames.js";
export type { ErrorCode, IceServer, ServerFrame, ServerFrames } from "./frames.js";

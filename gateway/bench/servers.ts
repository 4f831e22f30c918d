/**
 * The servers of `npm run bench:gateway`, in the order they are measured. Adding one is one entry: a
 * module under servers/ exporting `start` (run in a process of its own by server-host.ts), and the wire
 * the load client speaks to it, with the path it connects to.
 */
import type { Wire } from "./common.js";

export interface ServerEntry {
  readonly name: string;
  /** Module under bench/servers/ exporting `start: StartServer`. */
  readonly module: string;
  readonly wire: Wire;
  readonly path: string;
}

export const SERVERS: readonly ServerEntry[] = [
  { name: "gateway", module: "gateway.ts", wire: "rampart", path: "/ws" },
  { name: "bare-ws", module: "bare-ws.ts", wire: "rampart", path: "/ws" },
  { name: "bare-ws-corked", module: "bare-ws-corked.ts", wire: "rampart", path: "/ws" },
  { name: "socket.io", module: "socket-io.ts", wire: "socket.io", path: "/socket.io/?EIO=4&transport=websocket" },
  { name: "centrifugo", module: "centrifugo.ts", wire: "centrifuge", path: "/connection/websocket" },
];

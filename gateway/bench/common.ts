import type { Server } from "node:http";

/** What every benchmark server and the load client agree on. */
export const BENCH_SECRET = "bench-secret-0123456789-0123456789-abcdef";
export const BENCH_ORIGIN = "https://bench.rampart.test";
export const BENCH_ROOM = "bench";

/** Started by the server host (server-host.ts), each server in a process of its own. */
export interface BenchServer {
  readonly port: number;
  close(): Promise<void>;
  /**
   * Heap and RSS of a server that runs outside the host's Node process (a binary it started); absent, the
   * host measures its own process after garbage collection.
   */
  memory?(): Promise<{ heap: number; rss: number }>;
}

export interface BenchServerOptions {
  /** Concurrent connections the load may hold: limits of servers that have them are raised above it. */
  readonly maxConnections: number;
}

export type StartServer = (options: BenchServerOptions) => Promise<BenchServer>;

/**
 * How the load client speaks to a server: the gateway's JSON frames, Socket.IO's packets, or Centrifugo's
 * protocol through its own client library (`centrifuge`).
 */
export type Wire = "rampart" | "socket.io" | "centrifuge";

/** Listen on an ephemeral loopback port; `close()` runs `terminate` (the server's own clean-up) and closes every connection. */
export function listen(server: Server, terminate: () => void): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            terminate();
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    ),
  );
}

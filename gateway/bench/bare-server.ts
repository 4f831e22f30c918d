/**
 * The baseline: a bare ws server doing the minimum the same client load needs — answer the auth
 * frame and broadcast every other frame to all connections. No auth, limits, validation or metrics.
 */
import { createServer, type Server } from "node:http";
import { WebSocketServer, WebSocket } from "ws";

export function startBareServer(): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: "/ws", perMessageDeflate: false, maxPayload: 16_384 });
  wss.on("connection", (ws) => {
    ws.on("message", (data: Buffer) => {
      if (data.includes('"type":"auth"')) return ws.send('{"type":"auth_ok"}');
      if (data.includes('"type":"join"')) return;
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data, { binary: false });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        server,
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss.clients) c.terminate();
            wss.close();
            server.close(() => done());
          }),
      }),
    ),
  );
}

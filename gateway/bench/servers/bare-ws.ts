/**
 * `bare-ws`, today's naive baseline: a bare ws server doing the minimum the client load needs — answer
 * the auth frame (without verifying the token) and send every other frame to every connection, one
 * `ws.send` each. No auth, limits, validation or metrics.
 */
import { createServer } from "node:http";
import { WebSocketServer, WebSocket } from "ws";
import { listen, type StartServer } from "../common.js";

export const start: StartServer = () => {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: "/ws", perMessageDeflate: false, maxPayload: 16_384 });
  wss.on("connection", (ws) => {
    ws.on("message", (data: Buffer) => {
      if (data.includes('"type":"auth"')) return ws.send('{"type":"auth_ok"}');
      if (data.includes('"type":"join"')) return;
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data, { binary: false });
    });
  });
  return listen(server, () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
};

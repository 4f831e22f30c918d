/**
 * `bare-ws-corked`, the practical limit of Node + ws: like `bare-ws`, but each broadcast frame is encoded
 * once (`Sender.frame`) and the same bytes are written to every socket, and each socket is corked at its
 * first write of an event-loop turn and uncorked after it, so a member's frames of one turn leave in one
 * writev. Nothing else is ever sent on these sockets, so writing beside ws's sender is safe here.
 */
import type { Socket } from "node:net";
import { createServer } from "node:http";
import * as ws from "ws";
import { listen, type StartServer } from "../common.js";

// ws's frame encoder: exported as Sender, not described by @types/ws.
interface FrameOptions { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
const { WebSocketServer } = ws;
const TEXT = 1;

export const start: StartServer = () => {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16_384, clientTracking: false });
  const sockets = new Set<Socket>();
  const corked = new Set<Socket>();
  let scheduled = false;
  const uncork = () => {
    scheduled = false;
    for (const s of corked) s.uncork();
    corked.clear();
  };
  server.on("upgrade", (req, socket: Socket, head) => {
    if (new URL(req.url ?? "/", "http://bench.invalid").pathname !== "/ws") return socket.destroy();
    wss.handleUpgrade(req, socket, head, (client) => {
      client.on("message", (data: Buffer) => {
        if (data.includes('"type":"auth"')) {
          sockets.add(socket);
          return client.send('{"type":"auth_ok"}');
        }
        if (data.includes('"type":"join"')) return;
        const frame = Buffer.concat(Sender.frame(data, { fin: true, rsv1: false, opcode: TEXT, mask: false, readOnly: false }));
        for (const s of sockets) {
          if (!corked.has(s)) {
            s.cork();
            corked.add(s);
          }
          s.write(frame);
        }
        if (!scheduled) {
          scheduled = true;
          setImmediate(uncork);
        }
      });
      client.on("close", () => {
        sockets.delete(socket);
        corked.delete(socket);
      });
    });
  });
  return listen(server, () => {
    for (const s of sockets) s.destroy();
    wss.close();
  });
};

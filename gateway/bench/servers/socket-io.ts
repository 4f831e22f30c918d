/**
 * `socket.io`: Socket.IO 4 as its documentation sets it up for this job — an `allowRequest` origin check,
 * an `io.use` middleware that verifies the handshake's JWT (HS256, as the gateway does), rooms joined
 * with `socket.join` and broadcast with `io.to(room).emit`.
 */
import { createServer } from "node:http";
import { jwtVerify } from "jose";
import { Server } from "socket.io";
import { BENCH_ORIGIN, BENCH_SECRET, listen, type StartServer } from "../common.js";

const key = new TextEncoder().encode(BENCH_SECRET);

export const start: StartServer = () => {
  const server = createServer();
  const io = new Server(server, {
    transports: ["websocket"],
    maxHttpBufferSize: 16_384,
    allowRequest: (req, callback) => callback(null, req.headers.origin === BENCH_ORIGIN),
  });
  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth.token;
    if (typeof token !== "string") return next(new Error("unauthorized"));
    jwtVerify(token, key, { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] }).then(
      ({ payload }) => {
        socket.data.userId = payload.sub;
        socket.data.rooms = payload.rooms;
        next();
      },
      () => next(new Error("unauthorized")),
    );
  });
  io.on("connection", (socket) => {
    socket.on("join", (room: unknown) => {
      const granted = socket.data.rooms as unknown;
      if (typeof room === "string" && Array.isArray(granted) && granted.includes(room)) void socket.join(room);
    });
    socket.on("message", (frame: { room?: unknown; text?: unknown }) => {
      const { room, text } = frame ?? {};
      if (typeof room !== "string" || typeof text !== "string" || text.length > 2000 || !socket.rooms.has(room)) return;
      io.to(room).emit("message", { room, from: socket.data.userId, text, ts: Date.now() });
    });
  });
  return listen(server, () => void io.close());
};

// Runs inside the suite's client container (node 24 + the repo's `ws` package copied in). Opens the
// gateway WebSocket through the edge proxy with the origin-pull client certificate, authenticates with
// the JWT given in the environment, joins a room and prints every frame it received as one JSON line.
import console from "node:console";
import { readFileSync } from "node:fs";
import process from "node:process";
import { setTimeout } from "node:timers";
import WebSocket from "./node_modules/ws/wrapper.mjs";

const { WS_URL, WS_ORIGIN, WS_HOST, WS_SERVERNAME, WS_TOKEN, WS_ROOM, WS_CERT_DIR } = process.env;
const tls = WS_CERT_DIR
  ? {
      ca: readFileSync(`${WS_CERT_DIR}/server-ca.pem`),
      cert: readFileSync(`${WS_CERT_DIR}/client.pem`),
      key: readFileSync(`${WS_CERT_DIR}/client.key`),
      servername: WS_SERVERNAME,
    }
  : {};
const frames = [];
const done = (outcome) => {
  console.log(JSON.stringify({ outcome, frames }));
  process.exit(outcome === "joined" ? 0 : 1);
};
setTimeout(() => done("timeout"), 10_000).unref();

const ws = new WebSocket(WS_URL, { origin: WS_ORIGIN, headers: WS_HOST ? { Host: WS_HOST } : {}, ...tls });
ws.on("open", () => ws.send(JSON.stringify({ type: "auth", token: WS_TOKEN })));
ws.on("unexpected-response", (_req, res) => done(`http-${res.statusCode}`));
ws.on("error", (err) => done(`error: ${err.message}`));
ws.on("close", (code) => done(`closed-${code}`));
ws.on("message", (data) => {
  const frame = JSON.parse(String(data));
  frames.push(frame);
  if (frame.type === "auth_ok") ws.send(JSON.stringify({ type: "join", room: WS_ROOM }));
  if (frame.type === "joined") done("joined");
  if (frame.type === "error") done(`error-${frame.code}`);
});

/**
 * Load client for the benchmark, run as a child process so it has its own file-descriptor budget.
 * Commands arrive over IPC; every phase is bounded in count and time.
 */
import { SignJWT } from "jose";
import WebSocket from "ws";

type Command =
  | { cmd: "connect"; url: string; origin: string; count: number; concurrency: number; secret: string; prefix: string }
  | { cmd: "throughput"; url: string; origin: string; members: number; rounds: number; batch: number; secret: string; prefix: string }
  | { cmd: "closeAll" };

const open: WebSocket[] = [];
const PHASE_TIMEOUT_MS = 120_000;

async function jwt(secret: string, sub: string): Promise<string> {
  return new SignJWT({ rooms: ["bench"] }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setExpirationTime("2h").sign(new TextEncoder().encode(secret));
}

function connectOne(url: string, origin: string, token: string): Promise<{ ws: WebSocket; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin, perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error("connect timeout")), 30_000);
    ws.once("open", () => ws.send(JSON.stringify({ type: "auth", token })));
    ws.once("message", (data) => {
      clearTimeout(timer);
      const frame = JSON.parse(data.toString()) as { type: string };
      if (frame.type !== "auth_ok") return reject(new Error(`auth refused: ${data.toString()}`));
      resolve({ ws, ms: performance.now() - started });
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function connect(c: Extract<Command, { cmd: "connect" }>) {
  const tokens = await Promise.all(Array.from({ length: c.count }, (_, i) => jwt(c.secret, `${c.prefix}${i}`)));
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      while (next < c.count && Date.now() < deadline) {
        const i = next++;
        const { ws, ms } = await connectOne(c.url, c.origin, tokens[i]!);
        open.push(ws);
        latencies.push(ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { connected: latencies.length, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function throughput(c: Extract<Command, { cmd: "throughput" }>) {
  const members = await Promise.all(Array.from({ length: c.members }, async (_, i) => (await connectOne(c.url, c.origin, await jwt(c.secret, `${c.prefix}${i}`))).ws));
  let received = 0;
  for (const ws of members) {
    ws.send(JSON.stringify({ type: "join", room: "bench" }));
    ws.on("message", (data: Buffer) => {
      if (data.length > 30 && data.includes('"type":"message"')) received++;
    });
  }
  await new Promise((r) => setTimeout(r, 300));
  received = 0;
  const text = "x".repeat(100);
  const frame = JSON.stringify({ type: "message", room: "bench", text });
  const started = performance.now();
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  let expected = 0;
  for (let round = 0; round < c.rounds && Date.now() < deadline; round++) {
    for (const ws of members) for (let i = 0; i < c.batch; i++) ws.send(frame);
    expected += c.members * c.batch * c.members;
    while (received < expected && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  }
  const seconds = (performance.now() - started) / 1000;
  for (const ws of members) ws.terminate();
  return { delivered: received, expected, seconds, deliveredPerSecond: received / seconds, sentPerSecond: received / c.members / seconds };
}

process.on("message", (command: Command) => {
  const run = async () => {
    switch (command.cmd) {
      case "connect":
        return connect(command);
      case "throughput":
        return throughput(command);
      case "closeAll": {
        const closing = open.splice(0);
        for (const ws of closing) ws.terminate();
        return { closed: closing.length };
      }
    }
  };
  run().then(
    (result) => process.send!({ ok: true, result }),
    (err: Error) => process.send!({ ok: false, error: err.message }),
  );
});

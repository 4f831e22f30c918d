/**
 * `npm run bench -w gateway`: the gateway against a bare ws server, same client load, same run.
 * Measures authenticated connections per second and connect-to-auth_ok latency, messages per second
 * through one room, and heap/RSS per idle authenticated connection. Prints a table and writes
 * bench-results/gateway.json. Loopback only; every phase is bounded.
 * Environment: BENCH_CONNECTIONS (10000), BENCH_MEMBERS (20), BENCH_ROUNDS (40), BENCH_BATCH (50), BENCH_REPEATS (5).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { pino } from "pino";
import { loadConfig } from "../src/config.js";
import { createLog } from "../src/log.js";
import { startGateway } from "../src/server.js";
import { startBareServer } from "./bare-server.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const SECRET = "bench-secret-0123456789-0123456789-abcdef";
const ORIGIN = "https://bench.rampart.test";

function call<T>(client: ChildProcess, command: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("bench client timed out")), 180_000);
    client.once("message", (reply: { ok: boolean; result?: T; error?: string }) => {
      clearTimeout(timer);
      if (reply.ok) resolve(reply.result as T);
      else reject(new Error(reply.error));
    });
    client.send(command);
  });
}

async function settledHeap(): Promise<{ heap: number; rss: number }> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 200));
    gc();
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

interface ConnectResult { connected: number; perSecond: number; p50: number; p99: number }
interface ThroughputResult { delivered: number; expected: number; seconds: number; deliveredPerSecond: number; sentPerSecond: number }

async function measureConnections(name: string, port: number, client: ChildProcess) {
  const url = `ws://127.0.0.1:${port}/ws`;
  const before = await settledHeap();
  const connect = await call<ConnectResult>(client, { cmd: "connect", url, origin: ORIGIN, count: CONNECTIONS, concurrency: 100, secret: SECRET, prefix: `${name}-idle-` });
  await new Promise((r) => setTimeout(r, 500));
  const after = await settledHeap();
  await call(client, { cmd: "closeAll" });
  await new Promise((r) => setTimeout(r, 1000));
  return { connect, before, after };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Throughput runs alternate between the two servers so machine noise hits both alike; medians are reported. */
async function measureThroughput(ports: Record<"bare" | "gateway", number>, client: ChildProcess) {
  const runs: Record<"bare" | "gateway", ThroughputResult[]> = { bare: [], gateway: [] };
  for (let i = 0; i < REPEATS; i++) {
    for (const name of ["bare", "gateway"] as const) {
      const url = `ws://127.0.0.1:${ports[name]}/ws`;
      runs[name].push(await call<ThroughputResult>(client, { cmd: "throughput", url, origin: ORIGIN, members: MEMBERS, rounds: ROUNDS, batch: BATCH, secret: SECRET, prefix: `${name}-room${i}-` }));
    }
  }
  return runs;
}

function summarise({ connect, before, after }: Awaited<ReturnType<typeof measureConnections>>, throughput: ThroughputResult[]) {
  return {
    connectionsPerSecond: connect.perSecond,
    connected: connect.connected,
    authP50Ms: connect.p50,
    authP99Ms: connect.p99,
    heapPerConnectionBytes: (after.heap - before.heap) / connect.connected,
    rssPerConnectionBytes: (after.rss - before.rss) / connect.connected,
    messagesDeliveredPerSecond: median(throughput.map((t) => t.deliveredPerSecond)),
    messagesSentPerSecond: median(throughput.map((t) => t.sentPerSecond)),
    throughputRuns: throughput.map((t) => Math.round(t.deliveredPerSecond)),
    delivered: throughput.map((t) => `${t.delivered}/${t.expected}`),
  };
}

const client = fork(new URL("./client.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
try {
  const bare = await startBareServer();

  const config = loadConfig({
    GATEWAY_PORT: "0",
    METRICS_PORT: "0",
    ALLOWED_ORIGINS: ORIGIN,
    JWT_SECRET: SECRET,
    MAX_CONN_PER_IP: String(CONNECTIONS * 2),
    MSG_PER_MINUTE: "1000000",
    ANOMALY_RAPID_RECONNECT: `${CONNECTIONS * 4}/60`,
    ANOMALY_BULK_MESSAGES: "1000000/60",
    MAX_BUFFERED_BYTES: "8388608",
  });
  const gateway = await startGateway(config, { log: createLog(pino.destination("/dev/null")) });
  const bareConnections = await measureConnections("bare", bare.port, client);
  const gatewayConnections = await measureConnections("gateway", gateway.port, client);
  const throughput = await measureThroughput({ bare: bare.port, gateway: gateway.port }, client);
  await bare.close();
  await gateway.close();
  const bareResult = summarise(bareConnections, throughput.bare);
  const gatewayResult = summarise(gatewayConnections, throughput.gateway);

  const ratio = gatewayResult.messagesDeliveredPerSecond / bareResult.messagesDeliveredPerSecond;
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    connections: CONNECTIONS,
    room: { members: MEMBERS, rounds: ROUNDS, batch: BATCH, repeats: REPEATS },
    bare: bareResult,
    gateway: gatewayResult,
    throughputRatio: ratio,
    targets: { throughputRatioMin: 0.9, heapPerConnectionMaxBytes: 8192 },
  };
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  const rows: [string, string, string][] = [
    ["authenticated connections / s", fmt(bareResult.connectionsPerSecond), fmt(gatewayResult.connectionsPerSecond)],
    ["connect -> auth_ok p50 (ms)", fmt(bareResult.authP50Ms, 2), fmt(gatewayResult.authP50Ms, 2)],
    ["connect -> auth_ok p99 (ms)", fmt(bareResult.authP99Ms, 2), fmt(gatewayResult.authP99Ms, 2)],
    [`messages delivered / s (room of ${MEMBERS})`, fmt(bareResult.messagesDeliveredPerSecond), fmt(gatewayResult.messagesDeliveredPerSecond)],
    ["messages sent / s", fmt(bareResult.messagesSentPerSecond), fmt(gatewayResult.messagesSentPerSecond)],
    [`heap per idle connection (B, n=${CONNECTIONS})`, fmt(bareResult.heapPerConnectionBytes), fmt(gatewayResult.heapPerConnectionBytes)],
    ["RSS per idle connection (B)", fmt(bareResult.rssPerConnectionBytes), fmt(gatewayResult.rssPerConnectionBytes)],
  ];
  console.log(`\n${"".padEnd(44)}${"bare ws".padStart(14)}${"gateway".padStart(14)}`);
  for (const [label, a, b] of rows) console.log(`${label.padEnd(44)}${a.padStart(14)}${b.padStart(14)}`);
  console.log(`\nthroughput ratio gateway/bare: ${(ratio * 100).toFixed(1)} % (target >= 90 %)`);
  console.log(`heap per idle authenticated connection: ${fmt(gatewayResult.heapPerConnectionBytes)} B (target <= 8192 B)`);
  const dir = new URL("../../bench-results/", import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}gateway.json`, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written: ${dir}gateway.json`);
} finally {
  client.kill();
}

/**
 * Load client for the benchmark, run as a child process so it has its own file-descriptor budget.
 * Commands arrive over IPC; every phase is bounded in count and time.
 */
import { SignJWT } from "jose";
import { BENCH_ROOM, BENCH_SECRET, type Wire } from "./common.js";
import { CONNECTORS, type Connection } from "./wire.js";

interface Target { url: string; wire: Wire; prefix: string }
export type Command =
  | ({ cmd: "connect"; count: number; concurrency: number } & Target)
  | ({ cmd: "openLoop"; ratePerSecond: number; count: number } & Target)
  | ({ cmd: "throughput"; members: number; rounds: number; batch: number } & Target)
  | { cmd: "closeAll" };

export interface LatencyResult { connected: number; failed: number; perSecond: number; p50: number; p99: number; seconds: number }
export interface ThroughputResult { delivered: number; expected: number; seconds: number; deliveredPerSecond: number }

const open: Connection[] = [];
const PHASE_TIMEOUT_MS = 120_000;
const CONNECT_TIMEOUT_MS = 30_000;
/** A fan-out round that makes no progress for this long ends the phase (reported as incomplete). */
const STALL_MS = 10_000;
const key = new TextEncoder().encode(BENCH_SECRET);

function jwt(sub: string): Promise<string> {
  return new SignJWT({ rooms: [BENCH_ROOM] }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setExpirationTime("2h").sign(key);
}

/** Connect and authenticate; `started` is when the attempt was due (open loop: its scheduled time). */
function connectOne(t: Target, token: string, started = performance.now()): Promise<{ conn: Connection; ms: number }> {
  return CONNECTORS[t.wire](t.url, token, CONNECT_TIMEOUT_MS).then((conn) => ({ conn, ms: performance.now() - started }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function summary(latencies: number[], failed: number, seconds: number): LatencyResult {
  latencies.sort((a, b) => a - b);
  return { connected: latencies.length, failed, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), seconds };
}

const tokensFor = (prefix: string, count: number) => Promise.all(Array.from({ length: count }, (_, i) => jwt(`${prefix}${i}`)));

/** Closed loop: `concurrency` workers, each connecting again as soon as its previous connection is authenticated. */
async function connect(c: Extract<Command, { cmd: "connect" }>): Promise<LatencyResult> {
  const tokens = await tokensFor(c.prefix, c.count);
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      while (next < c.count && Date.now() < deadline) {
        const i = next++;
        try {
          const { conn, ms } = await connectOne(c, tokens[i]!);
          open.push(conn);
          latencies.push(ms);
        } catch {
          failed++;
        }
      }
    }),
  );
  return summary(latencies, failed, (performance.now() - started) / 1000);
}

/**
 * Open loop: attempts start on a fixed schedule whatever the server does, and each latency runs from the
 * attempt's scheduled time, so a stall of the server (or of this client) is counted, not hidden.
 */
async function openLoop(c: Extract<Command, { cmd: "openLoop" }>): Promise<LatencyResult> {
  const tokens = await tokensFor(c.prefix, c.count);
  const latencies: number[] = [];
  let failed = 0;
  const attempts: Promise<void>[] = [];
  const interval = 1000 / c.ratePerSecond;
  const t0 = performance.now() + 20;
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  let i = 0;
  while (i < c.count && Date.now() < deadline) {
    const now = performance.now();
    for (; i < c.count && t0 + i * interval <= now; i++) {
      attempts.push(
        connectOne(c, tokens[i]!, t0 + i * interval).then(
          ({ conn, ms }) => {
            open.push(conn);
            latencies.push(ms);
          },
          () => void failed++,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(interval, t0 + i * interval - performance.now()))));
  }
  await Promise.all(attempts);
  return summary(latencies, failed, (performance.now() - t0) / 1000);
}

/** One room of `members`; in each round every member sends `batch` messages, and the round ends when all deliveries arrived. */
async function throughput(c: Extract<Command, { cmd: "throughput" }>): Promise<ThroughputResult> {
  const tokens = await tokensFor(c.prefix, c.members);
  const members = await Promise.all(tokens.map(async (t) => (await connectOne(c, t)).conn));
  let received = 0;
  await Promise.all(members.map((m) => m.join(BENCH_ROOM, () => void received++)));
  await new Promise((r) => setTimeout(r, 300));
  received = 0;
  const text = "x".repeat(100);
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  let expected = 0;
  const started = performance.now();
  let stalled = false;
  for (let round = 0; round < c.rounds && !stalled && Date.now() < deadline; round++) {
    for (const m of members) for (let i = 0; i < c.batch; i++) m.message(BENCH_ROOM, text);
    expected += c.members * c.batch * c.members;
    let seen = received;
    let progressAt = Date.now();
    while (received < expected && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
      if (received !== seen) [seen, progressAt] = [received, Date.now()];
      else if (Date.now() - progressAt > STALL_MS) {
        stalled = true;
        break;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  for (const m of members) m.terminate();
  return { delivered: received, expected, seconds, deliveredPerSecond: received / seconds };
}

process.on("message", (command: Command) => {
  const run = async () => {
    switch (command.cmd) {
      case "connect":
        return connect(command);
      case "openLoop":
        return openLoop(command);
      case "throughput":
        return throughput(command);
      case "closeAll": {
        const closing = open.splice(0);
        for (const conn of closing) conn.terminate();
        return { closed: closing.length };
      }
    }
  };
  run().then(
    (result) => process.send!({ ok: true, result }),
    (err: Error) => process.send!({ ok: false, error: err.message }),
  );
});

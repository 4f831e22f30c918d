/**
 * `npm run bench:gateway`: the gateway against what users would pick instead (bench/servers.ts), same run,
 * same client load. Each server runs in a process of its own (server-host.ts) so heap and RSS per idle
 * authenticated connection are measured where they are spent; the load comes from one client process
 * (client.ts). Figures: connections/s and connect→auth_ok p50/p99 closed-loop, connect→auth_ok p99 at an
 * open-loop arrival rate, fan-out deliveries/s through one room (repeats alternate between the servers so
 * machine noise hits all alike; medians reported). Prints a table and the targets, writes
 * bench-results/gateway.json (the figures) and bench-results/gateway-run.json (parameters, every run, the
 * machine's load). Loopback only; every phase is bounded.
 * Environment: BENCH_CONNECTIONS (4000 idle, for memory), BENCH_CLOSED_COUNT (1000 per closed-loop run), BENCH_OPEN_RATE (500), BENCH_OPEN_SECONDS (3), BENCH_MEMBERS (20),
 * BENCH_ROUNDS (4), BENCH_BATCH (24), BENCH_REPEATS (3), BENCH_SERVERS (all, comma-separated names).
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import type { Command, LatencyResult, ThroughputResult } from "./client.js";
import { MAX_QUEUED_FRAMES } from "../src/ws/session.js";
import { SERVERS, type ServerEntry } from "./servers.js";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4_000);
const CLOSED_COUNT = Number(process.env.BENCH_CLOSED_COUNT ?? 1000);
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 500);
const OPEN_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 3);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
// Each member pipelines one batch per round; the gateway closes a connection that has more than
// MAX_QUEUED_FRAMES frames waiting (the protocol's bound), so a batch stays below it for every server.
const BATCH = Number(process.env.BENCH_BATCH ?? 24);
if (!(BATCH > 0 && BATCH < MAX_QUEUED_FRAMES)) {
  throw new Error(`BENCH_BATCH must be between 1 and ${MAX_QUEUED_FRAMES - 1} (the gateway's per-connection frame queue), got ${BATCH}`);
}
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const ONLY = process.env.BENCH_SERVERS?.split(",").map((s) => s.trim());
const WARM_UP = 200;
const CALL_TIMEOUT_MS = 180_000;

const TARGETS = { fanOutOfCorkedMin: 0.95, fanOutOfSocketIoMin: 3, openLoopAuthP99MaxMs: 20, rssPerIdleConnectionMaxBytes: 8192 };

const here = (path: string) => new URL(path, import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function call<T>(child: ChildProcess, command?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(command)} within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
    const onExit = (code: number | null) => reject(new Error(`process exited (${code}) before answering ${JSON.stringify(command)}`));
    child.once("exit", onExit);
    child.once("message", (reply: { ok: boolean; result?: T; error?: string }) => {
      clearTimeout(timer);
      child.off("exit", onExit);
      if (reply.ok) resolve(reply.result as T);
      else reject(new Error(reply.error));
    });
    if (command) child.send(command);
  });
}

const client = fork(here("./client.ts"), [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
const load = <T>(command: Command) => call<T>(client, command);

interface Host { entry: ServerEntry; child: ChildProcess; url: string }
interface Memory { heap: number; rss: number }

async function startHost(entry: ServerEntry): Promise<Host> {
  const child = fork(here("./server-host.ts"), [here(`./servers/${entry.module}`), String(CONNECTIONS + OPEN_RATE * OPEN_SECONDS)], {
    execArgv: ["--expose-gc", "--import", "tsx"],
    stdio: "inherit",
  });
  const { port } = await call<{ port: number }>(child);
  return { entry, child, url: `ws://127.0.0.1:${port}${entry.path}` };
}

const target = (host: Host, prefix: string) => ({ url: host.url, wire: host.entry.wire, prefix: `${host.entry.name}-${prefix}-` });

/** Memory held by CONNECTIONS idle authenticated connections, in a fresh server process (warmed up first). */
async function measureMemory(host: Host) {
  await load({ cmd: "connect", count: WARM_UP, concurrency: 50, ...target(host, "warm") });
  await load({ cmd: "closeAll" });
  await sleep(500);
  const before = await call<Memory>(host.child, { cmd: "memory" });
  const idle = await load<LatencyResult>({ cmd: "connect", count: CONNECTIONS, concurrency: 100, ...target(host, "idle") });
  await sleep(500);
  const after = await call<Memory>(host.child, { cmd: "memory" });
  await load({ cmd: "closeAll" });
  await sleep(1000);
  return { idle, before, after };
}

/** One repeat on one server: closed-loop connections, open-loop connections, fan-out. */
async function measureRound(host: Host, i: number) {
  const closed = await load<LatencyResult>({ cmd: "connect", count: CLOSED_COUNT, concurrency: 100, ...target(host, `closed${i}`) });
  await load({ cmd: "closeAll" });
  await sleep(300);
  const openLoop = await load<LatencyResult>({ cmd: "openLoop", ratePerSecond: OPEN_RATE, count: OPEN_RATE * OPEN_SECONDS, ...target(host, `open${i}`) });
  await load({ cmd: "closeAll" });
  await sleep(300);
  const fanOut = await load<ThroughputResult>({ cmd: "throughput", members: MEMBERS, rounds: ROUNDS, batch: BATCH, ...target(host, `room${i}`) });
  await sleep(300);
  return { closed, openLoop, fanOut };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

const loadBefore = loadavg();
const runStarted = performance.now();
const hosts: Host[] = [];
try {
  const entries = SERVERS.filter((s) => !ONLY || ONLY.includes(s.name));
  if (entries.length === 0) throw new Error(`BENCH_SERVERS names none of ${SERVERS.map((s) => s.name).join(", ")}`);
  const memory: Record<string, Awaited<ReturnType<typeof measureMemory>>> = {};
  for (const entry of entries) {
    const host = await startHost(entry);
    hosts.push(host);
    console.log(`${entry.name}: ${CONNECTIONS} idle connections...`);
    memory[entry.name] = await measureMemory(host);
  }
  // Repeats alternate between the servers, so the machine's noise hits all of them alike.
  const rounds: Record<string, Awaited<ReturnType<typeof measureRound>>[]> = Object.fromEntries(entries.map((e) => [e.name, []]));
  for (let i = 0; i < REPEATS; i++) {
    for (const host of hosts) {
      console.log(`${host.entry.name}: round ${i + 1}/${REPEATS}...`);
      rounds[host.entry.name]!.push(await measureRound(host, i));
    }
  }
  const loadAfter = loadavg();

  const warnings: string[] = [];
  const servers: Record<string, Record<string, number>> = {};
  for (const { name } of entries) {
    const m = memory[name]!;
    const r = rounds[name]!;
    for (const x of r) {
      if (x.fanOut.delivered < x.fanOut.expected) warnings.push(`${name}: a fan-out run delivered ${x.fanOut.delivered} of ${x.fanOut.expected}`);
      if (x.closed.failed + x.openLoop.failed > 0) warnings.push(`${name}: ${x.closed.failed + x.openLoop.failed} connection attempts failed`);
    }
    if (m.idle.failed > 0) warnings.push(`${name}: ${m.idle.failed} of the idle connections failed`);
    servers[name] = {
      connectionsPerSecond: median(r.map((x) => x.closed.perSecond)),
      authP50Ms: median(r.map((x) => x.closed.p50)),
      authP99Ms: median(r.map((x) => x.closed.p99)),
      openLoopAuthP99Ms: median(r.map((x) => x.openLoop.p99)),
      deliveriesPerSecond: median(r.map((x) => x.fanOut.deliveredPerSecond)),
      heapPerIdleConnectionBytes: (m.after.heap - m.before.heap) / m.idle.connected,
      rssPerIdleConnectionBytes: (m.after.rss - m.before.rss) / m.idle.connected,
    };
  }

  const labels: [string, string, number][] = [
    [`authenticated connections / s (closed loop, median of ${REPEATS})`, "connectionsPerSecond", 0],
    ["connect -> auth_ok p50 (ms, closed loop)", "authP50Ms", 1],
    ["connect -> auth_ok p99 (ms, closed loop)", "authP99Ms", 1],
    [`connect -> auth_ok p99 (ms, open loop ${OPEN_RATE}/s)`, "openLoopAuthP99Ms", 1],
    [`deliveries / s (room of ${MEMBERS}, median of ${REPEATS})`, "deliveriesPerSecond", 0],
    [`heap per idle connection (B, n=${CONNECTIONS})`, "heapPerIdleConnectionBytes", 0],
    ["RSS per idle connection (B)", "rssPerIdleConnectionBytes", 0],
  ];
  const names = entries.map((e) => e.name);
  console.log(`\n${"".padEnd(48)}${names.map((n) => n.padStart(16)).join("")}`);
  for (const [label, key, digits] of labels) console.log(`${label.padEnd(48)}${names.map((n) => fmt(servers[n]![key]!, digits).padStart(16)).join("")}`);

  const verdicts: string[] = [];
  const gw = servers.gateway;
  if (gw) {
    const check = (ok: boolean, text: string) => verdicts.push(`${ok ? "met   " : "MISSED"} ${text}`);
    if (servers["bare-ws-corked"]) {
      const r = gw.deliveriesPerSecond! / servers["bare-ws-corked"].deliveriesPerSecond!;
      check(r >= TARGETS.fanOutOfCorkedMin, `fan-out ${(r * 100).toFixed(1)} % of bare-ws-corked (target >= ${TARGETS.fanOutOfCorkedMin * 100} %)`);
    }
    if (servers["socket.io"]) {
      const r = gw.deliveriesPerSecond! / servers["socket.io"].deliveriesPerSecond!;
      check(r >= TARGETS.fanOutOfSocketIoMin, `fan-out ${r.toFixed(2)} x socket.io (target >= ${TARGETS.fanOutOfSocketIoMin} x)`);
    }
    check(gw.openLoopAuthP99Ms! <= TARGETS.openLoopAuthP99MaxMs, `open-loop connect -> auth_ok p99 ${fmt(gw.openLoopAuthP99Ms!, 1)} ms (target <= ${TARGETS.openLoopAuthP99MaxMs} ms)`);
    check(gw.rssPerIdleConnectionBytes! <= TARGETS.rssPerIdleConnectionMaxBytes, `RSS ${fmt(gw.rssPerIdleConnectionBytes!)} B per idle connection (target <= ${TARGETS.rssPerIdleConnectionMaxBytes} B)`);
  }
  console.log(`\n${[...verdicts, ...warnings.map((w) => `WARNING ${w}`)].join("\n")}`);
  const runSeconds = Math.round((performance.now() - runStarted) / 1000);
  console.log(`run took ${runSeconds} s`);
  console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${loadAfter.map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} CPUs`);

  const dir = here("../../bench-results/");
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}gateway.json`, `${JSON.stringify({ servers }, null, 2)}\n`);
  const details = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runSeconds,
    loadAverage: { before: loadBefore, after: loadAfter },
    parameters: { idleConnections: CONNECTIONS, closedLoopConnections: CLOSED_COUNT, openLoop: { ratePerSecond: OPEN_RATE, seconds: OPEN_SECONDS }, room: { members: MEMBERS, rounds: ROUNDS, batch: BATCH, repeats: REPEATS } },
    targets: TARGETS,
    verdicts,
    warnings,
    memory,
    rounds,
  };
  writeFileSync(`${dir}gateway-run.json`, `${JSON.stringify(details, null, 2)}\n`);
  console.log(`written: ${dir}gateway.json, ${dir}gateway-run.json`);
} finally {
  for (const host of hosts) host.child.kill();
  client.kill();
}

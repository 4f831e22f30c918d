/** Real gateway instances for tests: in-process (with captured logs) or as `npm start` child processes. */
import { spawn, type ChildProcess } from "node:child_process";
import { loadConfig } from "../../../gateway/src/config.js";
import { createLog } from "../../../gateway/src/log.js";
import { startGateway, type RunningGateway } from "../../../gateway/src/server.js";
import { ALLOWED_ORIGIN, JWT_SECRET } from "./tokens.js";

export const FANOUT_KEY = "test-only-fanout-key-0123456789-0123456789";

export const REPO_ROOT = new URL("../../../", import.meta.url).pathname;

/** Defaults for tests: ephemeral ports, anomaly thresholds out of the way unless a test sets them. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    METRICS_HOST: "127.0.0.1",
    METRICS_PORT: "0",
    ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    JWT_SECRET,
    // Read only when REDIS_URL is set: the same key on every instance of a test.
    FANOUT_KEY: FANOUT_KEY,
    MAX_CONN_PER_IP: "1000",
    ANOMALY_RAPID_RECONNECT: "100000/60",
    ANOMALY_USER_RECONNECT: "100000/60",
    ANOMALY_USER_FAILED_AUTH: "100000/60",
    ANOMALY_FAILED_AUTH: "100000/60",
    ANOMALY_ROOM_HOPPING: "100000/60",
    ANOMALY_BULK_MESSAGES: "100000/60",
    DRAIN_MS: "1000",
    ...overrides,
  };
}

export interface LogLine {
  level: string;
  time: number;
  cat: string;
  event?: string;
  ip?: string;
  [key: string]: unknown;
}

export interface TestGateway extends RunningGateway {
  readonly url: string;
  readonly wsUrl: string;
  readonly metricsUrl: string;
  readonly rawLog: string[];
  logs(): LogLine[];
  security(event?: string): LogLine[];
}

export async function startTestGateway(overrides: Record<string, string> = {}): Promise<TestGateway> {
  const rawLog: string[] = [];
  const log = createLog({ write: (line: string) => void rawLog.push(line) }, "debug");
  const running = await startGateway(loadConfig(testEnv(overrides)), { log });
  const logs = () => rawLog.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LogLine);
  return {
    ...running,
    url: `http://127.0.0.1:${running.port}`,
    wsUrl: `ws://127.0.0.1:${running.port}/ws`,
    metricsUrl: `http://127.0.0.1:${running.metricsPort}/metrics`,
    rawLog,
    logs,
    security: (event) => logs().filter((l) => l.cat === "security" && (event === undefined || l.event === event)),
  };
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly metricsPort: number;
  readonly url: string;
  readonly wsUrl: string;
  output(): string;
  stop(): Promise<number | null>;
}

/** `node --import tsx gateway/src/main.ts` as a child process, as `npm start -w gateway` runs it. */
export function spawnGateway(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: `${REPO_ROOT}gateway`,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export async function startGatewayProcess(overrides: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawnGateway(testEnv(overrides));
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const listening = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}`)), 20_000);
    const check = () => {
      const line = out.split("\n").find((l) => l.includes('"gateway listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { port: number; metricsPort: number });
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}): ${out}`));
    });
  });
  return {
    child,
    ...listening,
    url: `http://127.0.0.1:${listening.port}`,
    wsUrl: `ws://127.0.0.1:${listening.port}/ws`,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        process.kill(child.pid!, "SIGTERM");
      }),
  };
}

/** Poll `url` until it answers `status` (bounded). */
export async function waitForStatus(url: string, status: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await fetch(url).then((r) => r.status, () => 0);
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} answered ${last}, expected ${status}`);
}

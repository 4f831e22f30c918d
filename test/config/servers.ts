import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const execFileAsync = promisify(execFile);

/** A server process a test started; stopped by its PID only. */
export interface RunningServer {
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Start a server process. `stdoutFile`: send stdout to a regular file instead of a pipe (nginx cannot
 * open /dev/stdout when it is a socket, which is what Node's pipes are; in a container it is a FIFO).
 */
export function startServer(
  command: string,
  args: readonly string[],
  options: { uid?: number; gid?: number; cwd?: string; stdoutFile?: string } = {},
): RunningServer {
  const { stdoutFile, ...spawnOptions } = options;
  const stdoutFd = stdoutFile ? openSync(stdoutFile, "a") : undefined;
  const child = spawn(command, [...args], { stdio: ["ignore", stdoutFd ?? "pipe", "pipe"], ...spawnOptions });
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopping: Promise<void> | undefined;
  return {
    pid,
    child,
    output: () => (stdoutFile ? readFileSync(stdoutFile, "utf8") : "") + out,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        process.kill(pid, "SIGTERM");
        const timer = setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
        }, 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Poll until a TCP connect to host:port succeeds (bounded). */
export async function waitForTcp(host: string, port: number, server?: RunningServer, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server && (server.child.exitCode !== null || server.child.signalCode !== null)) {
      throw new Error(`server exited before listening on ${host}:${port}:\n${server.output()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => (s.destroy(), resolve(false)));
      s.connect(port, host);
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms:\n${server?.output() ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port that was free a moment ago on the given loopback address. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A random address in 127.0.0.0/8 (avoiding .0.0.1 and .0.0.2): lets fixed catalogue ports coexist with other tests. */
export function randomLoopbackAddress(): string {
  const b = () => 1 + Math.floor(Math.random() * 254);
  return `127.${100 + Math.floor(Math.random() * 100)}.${b()}.${b()}`;
}

export function makeTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `rampart-${prefix}-`));
  chmodSync(path, 0o755);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

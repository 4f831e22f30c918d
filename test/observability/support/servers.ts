/**
 * Debian's Prometheus and Alertmanager (or the pinned Alertmanager release built from its Go module) as
 * child processes on loopback, each on a free port with its own
 * data directory, stopped by their PIDs; and a local HTTP receiver that records what Alertmanager posts.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { createServer, type Server } from "node:http";
import { freePort } from "../../gateway/support/ports.js";

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready at ${url} within ${timeoutMs} ms:\n${output()}`);
}

async function startServer(binary: string, args: (port: number) => string[], timeoutMs: number): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(binary, args(port), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      process.kill(child.pid!, "SIGTERM");
    });
  try {
    await waitReady(`${url}/-/ready`, child, () => out, timeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, port, output: () => out, stop };
}

export function startPrometheus(configFile: string, dataDir: string): Promise<RunningServer> {
  return startServer(
    "prometheus",
    (port) => [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, "--storage.tsdb.retention.time=1h"],
    60_000,
  );
}

/** `binary`: Debian's 0.25 by default, or `pinnedAlertmanager().alertmanager` (the release the stacks pin). */
export function startAlertmanager(configFile: string, dataDir: string, binary = "prometheus-alertmanager"): Promise<RunningServer> {
  return startServer(
    binary,
    // An empty cluster address turns clustering (and its 9094 listener) off, as in the stacks.
    (port) => [`--config.file=${configFile}`, `--storage.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
    60_000,
  );
}

export function startBlackboxExporter(configFile: string): Promise<RunningServer> {
  return startServer("prometheus-blackbox-exporter", (port) => [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`], 60_000);
}

/** `openssl s_server` on a free loopback port serving `cert`/`key` (TLS only, no HTTP). */
export async function startTlsServer(certFile: string, keyFile: string): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn("openssl", ["s_server", "-quiet", "-accept", `127.0.0.1:${port}`, "-cert", certFile, "-key", keyFile, "-naccept", "1000"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const { connect } = await import("node:net");
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`openssl s_server exited: ${out}`);
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, "127.0.0.1", () => {
        sock.destroy();
        resolve(true);
      });
      sock.on("error", () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`openssl s_server not listening: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(child.pid!, "SIGTERM");
      }),
  };
}

export interface Receiver {
  readonly url: string;
  readonly posts: Array<{ path: string; body: string }>;
  close(): Promise<void>;
}

/** Records every POST; answers 200 like a chat webhook. */
export async function startReceiver(): Promise<Receiver> {
  const posts: Array<{ path: string; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      if (req.method === "POST") posts.push({ path: req.url ?? "/", body });
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `probe` until it returns a value, at most `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const ROOT = join(__dirname, "..", "..", "..");

/**
 * The Alertmanager release the stacks pin (DEFAULT_IMAGES.alertmanager) and its amtool, built from the Go
 * module by scripts/testbed/build-go-tool.sh into a cache outside the repo (seconds once cached; .ci/run
 * builds it first). Throws, naming the script, when it cannot be had: a test using it fails, never skips.
 */
export function pinnedAlertmanager(): { alertmanager: string; amtool: string } {
  const script = join(ROOT, "scripts", "testbed", "build-go-tool.sh");
  let binary: string;
  try {
    binary = execFileSync(script, ["alertmanager"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20 * 60_000 }).trim().split("\n").pop()!;
  } catch (e) {
    throw new Error(`the pinned Alertmanager could not be built: run ${script} alertmanager (${(e as Error).message.split("\n")[0]})`);
  }
  return { alertmanager: binary, amtool: join(dirname(binary), "amtool") };
}

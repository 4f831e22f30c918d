/**
 * `centrifugo`: Centrifugo v6 (built from its Go module by scripts/testbed/build-go-tool.sh and cached
 * outside the repo), configured as its documentation sets it up for this job: HMAC (HS256) connection
 * tokens with the bench's secret, the bench's origin allowed, channels without a namespace open to client
 * subscribe and to publishing by subscribers (v6 refuses both by default), no history, presence or
 * join/leave messages (off by default; the other servers keep none either), logs at warn. Everything else
 * is Centrifugo's default. Its memory is its own process's: RSS from /proc, Go heap allocated from its
 * metrics, both after full collections (pprof's heap profile with gc=1, on loopback only).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_ORIGIN, BENCH_SECRET, type StartServer } from "../common.js";

const repo = new URL("../../../", import.meta.url).pathname;
const READY_TIMEOUT_MS = 30_000;

function binary(): string {
  // Prints the cached binary's path (building it the first time: several minutes).
  const out = execFileSync(join(repo, "scripts/testbed/build-go-tool.sh"), ["centrifugo"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return out.trim().split("\n").pop()!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) throw new Error(`centrifugo exited before it was ready: ${gone}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`centrifugo did not answer /health on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms`);
}

export const start: StartServer = async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-centrifugo-"));
  const config = {
    http_server: { address: "127.0.0.1", port },
    log: { level: "warn" },
    client: { token: { hmac_secret_key: BENCH_SECRET }, allowed_origins: [BENCH_ORIGIN] },
    channel: { without_namespace: { allow_subscribe_for_client: true, allow_publish_for_subscriber: true } },
    health: { enabled: true },
    // pprof's heap profile with gc=1 runs a full collection first: the memory figures are taken after one,
    // as the Node servers' are.
    debug: { enabled: true },
    prometheus: { enabled: true },
    usage_stats: { disabled: true },
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const child = spawn(binary(), ["--config", join(dir, "config.json")], { stdio: ["ignore", "inherit", "inherit"] });
  let exit: string | undefined;
  child.once("exit", (code, signal) => (exit = `exit ${code ?? signal}`));
  child.once("error", (err) => (exit = err.message));
  // However this process ends, Centrifugo ends with it.
  process.once("exit", () => void (exit ?? child.kill("SIGKILL")));
  await waitReady(port, () => exit);
  return {
    port,
    memory: async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 200));
        await (await fetch(`http://127.0.0.1:${port}/debug/pprof/heap?gc=1`)).arrayBuffer();
      }
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const heap = Number(/^go_memstats_heap_alloc_bytes (\S+)$/m.exec(metrics)?.[1]);
      if (!Number.isFinite(rssKb) || !Number.isFinite(heap)) throw new Error("centrifugo: no VmRSS or go_memstats_heap_alloc_bytes to read");
      return { heap, rss: rssKb * 1024 };
    },
    close: () =>
      new Promise<void>((done) => {
        const finish = () => {
          rmSync(dir, { recursive: true, force: true });
          done();
        };
        if (exit) return finish();
        child.once("exit", finish);
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
};

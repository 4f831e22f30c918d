/**
 * Runs one benchmark server in a process of its own (`--expose-gc`), so heap and RSS per connection are
 * that server's alone (a server that is a binary of its own, Centrifugo, reports its process's figures). IPC: `{cmd:"memory"}` answers heap and RSS after garbage collection;
 * `{cmd:"stop"}` closes the server and exits.
 */
import type { BenchServer, StartServer } from "./common.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("server-host.ts needs --expose-gc");
const [modulePath, maxConnections] = process.argv.slice(2);
if (!modulePath || !maxConnections) throw new Error("usage: server-host.ts <server module> <max connections>");

const { start } = (await import(modulePath)) as { start: StartServer };
const server: BenchServer = await start({ maxConnections: Number(maxConnections) });

async function settledMemory(): Promise<{ heap: number; rss: number }> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 200));
    gc!();
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

process.on("message", (message: { cmd: "memory" | "stop" }) => {
  if (message.cmd === "memory") void (server.memory ? server.memory() : settledMemory()).then((memory) => process.send!({ ok: true, result: memory }));
  if (message.cmd === "stop") void server.close().finally(() => process.exit(0));
});
// The runner ends its hosts with SIGTERM: close first, so a server that is a process of its own goes too.
process.once("SIGTERM", () => void server.close().finally(() => process.exit(0)));
process.send!({ ok: true, result: { port: server.port } });

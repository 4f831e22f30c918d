/**
 * The edge proxy (real nginx on Rampart's rendered edge config, unprivileged as in its container) in
 * front of the real gateway, reloaded with `nginx -s reload` on a newly rendered config that points to a
 * rotated server certificate, while WebSockets through it authenticate, join and message one room.
 */
import { execFile, spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chownSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect, type PeerCertificate } from "node:tls";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import type WebSocket from "ws";
import { renderEdgeNginxConf } from "../../components/config/nginx.js";
import { describeWithBinaries } from "../support/testbed.js";
import { edgeInput } from "../config/fixtures.js";
import { freePort, makeTempDir, startServer, waitForTcp, type RunningServer } from "../config/servers.js";
import { startTestGateway, type TestGateway } from "../gateway/support/gateway.js";
import { Ledger, Member, runLoad } from "./support/room-load.js";
import { ms, printFigures, sleep, until } from "./support/figures.js";

const run = promisify(execFile);
const UNPRIVILEGED = 65534;
const CONNECTIONS = 20;
const TICK_MS = 200;
const ROOM = "edge";
const HOST = "rtc.test";

describeWithBinaries(["nginx", "openssl"], { root: true })("the edge proxy reloaded with a rotated certificate", () => {
  const tmp = makeTempDir("faults-edge");
  const f = (...parts: string[]) => join(tmp.path, ...parts);
  let gateway: TestGateway;
  let nginx: RunningServer;
  let port: number;

  const openssl = (...args: string[]) => run("openssl", args);
  const asNginxUser = { uid: UNPRIVILEGED, gid: UNPRIVILEGED };
  const render = (certDir: string) =>
    renderEdgeNginxConf({
      ...edgeInput,
      listenAddress: "127.0.0.1",
      listenPort: port,
      serverNames: [HOST],
      tls: { certPath: f(certDir, "server.crt"), keyPath: f(certDir, "server.key"), clientCaPath: f("pullca.crt") },
      trustedProxyCidrs: ["127.0.0.2/32"],
      upstreams: { gateway: { host: "127.0.0.1", port: gateway.port }, livekit: { host: "127.0.0.1", port: gateway.port } },
      scratchDir: f("scratch"),
      rateLimit: { requestsPerSecond: 200, burst: 200 },
      maxConnectionsPerIp: 200,
    });
  const chownAll = () => {
    for (const dir of [".", "original", "rotated"]) {
      for (const name of readdirSync(f(dir))) chownSync(f(dir, name), UNPRIVILEGED, UNPRIVILEGED);
      chownSync(f(dir), UNPRIVILEGED, UNPRIVILEGED);
    }
  };

  beforeAll(async () => {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    for (const dir of ["original", "rotated"]) {
      mkdirSync(f(dir));
      await openssl("req", "-x509", ...ec, "-keyout", f(dir, "server.key"), "-out", f(dir, "server.crt"), "-days", "1", "-subj", `/CN=${HOST}`, "-addext", `subjectAltName=DNS:${HOST}`);
    }
    await openssl("req", "-x509", ...ec, "-keyout", f("pullca.key"), "-out", f("pullca.crt"), "-days", "1", "-subj", "/CN=pullca");
    await openssl("req", ...ec, "-keyout", f("client.key"), "-out", f("client.csr"), "-subj", "/CN=origin-pull-client");
    await openssl("x509", "-req", "-in", f("client.csr"), "-CA", f("pullca.crt"), "-CAkey", f("pullca.key"), "-CAcreateserial", "-out", f("client.crt"), "-days", "1");
    gateway = await startTestGateway({ MSG_PER_MINUTE: "600" });
    port = await freePort();
    mkdirSync(f("scratch"));
    writeFileSync(f("nginx.conf"), render("original"));
    writeFileSync(f("access.log"), "");
    chownAll();
    nginx = startServer("nginx", ["-e", "stderr", "-p", tmp.path, "-c", f("nginx.conf"), "-g", "daemon off;"], { ...asNginxUser, stdoutFile: f("access.log") });
    await waitForTcp("127.0.0.1", port, nginx);
  });
  afterAll(async () => {
    await nginx?.stop();
    await gateway?.close();
    tmp.remove();
  });

  /** What a Cloudflare edge presents: the origin-pull client certificate, SNI and Host of the proxied name. */
  const tlsOptions = () => ({
    servername: HOST,
    ca: [readFileSync(f("original", "server.crt")), readFileSync(f("rotated", "server.crt"))],
    cert: readFileSync(f("client.crt")),
    key: readFileSync(f("client.key")),
  });
  const wsOptions = (): WebSocket.ClientOptions => ({ ...tlsOptions(), headers: { host: HOST } });
  const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;
  /** `nginx -t`, `nginx -s reload` as the proxy's own user; stdout a regular file, as the access log needs. */
  const nginxCommand = (...args: string[]) => {
    const out = openSync(f("access.log"), "a");
    try {
      const result = spawnSync("nginx", ["-e", "stderr", "-p", tmp.path, "-c", f("nginx.conf"), ...args], { ...asNginxUser, stdio: ["ignore", out, "pipe"], timeout: 30_000 });
      if (result.status !== 0) throw new Error(`nginx ${args.join(" ")} failed (${result.status}): ${result.stderr.toString()}`);
    } finally {
      closeSync(out);
    }
  };
  /** The certificate a new TLS connection to the edge is served. */
  const served = () =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port, ...tlsOptions() }, () => {
        const cert: PeerCertificate = socket.getPeerCertificate();
        socket.end();
        resolve(cert.fingerprint256);
      });
      socket.once("error", reject);
    });
  /** nginx processes under the master, by title ("worker process" or "worker process is shutting down"). */
  const workers = () =>
    readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .map((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, "utf8");
          const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
          return ppid === nginx.pid ? readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " ").trim() : undefined;
        } catch {
          return undefined;
        }
      })
      .filter((t): t is string => t !== undefined && t.includes("worker"));

  it("keeps every established WebSocket and its messages through the reload; new connections get the new certificate", async () => {
    const original = fingerprint(f("original", "server.crt"));
    const rotated = fingerprint(f("rotated", "server.crt"));
    expect(await served()).toBe(original);
    const ledger = new Ledger();
    const members: Member[] = [];
    for (let i = 0; i < CONNECTIONS; i++) members.push(await Member.join(ledger, `edge-${i}`, "edge", `wss://127.0.0.1:${port}/ws`, ROOM, wsOptions()));
    const established = members.map((m) => (m.ws as unknown as { _socket: { getPeerCertificate(): PeerCertificate } })._socket.getPeerCertificate().fingerprint256);
    expect(new Set(established)).toEqual(new Set([original]));
    const load = runLoad(members, ROOM, TICK_MS, 60);
    await sleep(2000);

    // The rotation as an operator makes it: a config rendered for the new files, checked, then a reload.
    writeFileSync(f("nginx.conf"), render("rotated"));
    chownAll();
    nginxCommand("-t");
    const reloaded = performance.now();
    nginxCommand("-s", "reload");
    const rotatedAt = await until("new connections are served the rotated certificate", async () => (await served().catch(() => "")) === rotated, 10_000, 50);
    const afterReload = workers();
    await sleep(3000);
    load.stop();
    await sleep(1000); // the last messages in flight

    // A new connection after the reload: the rotated certificate, and the whole protocol through it.
    const late = await Member.join(ledger, "edge-late", "edge", `wss://127.0.0.1:${port}/ws`, ROOM, wsOptions());
    const lateCert = (late.ws as unknown as { _socket: { getPeerCertificate(): PeerCertificate } })._socket.getPeerCertificate().fingerprint256;
    late.send(ROOM);
    await until("the late member's message reaches every established member", () => members.every((m) => ledger.delivered("edge-late#0", m.name)), 10_000);

    let due = 0;
    let delivered = 0;
    for (const sent of ledger.sent.values()) {
      if (sent.from === "edge-late") continue;
      for (const to of members) {
        if (to.name === sent.from) continue;
        due++;
        if (ledger.delivered(sent.id, to.name)) delivered++;
      }
    }
    const sentAfter = [...ledger.sent.values()].filter((s) => s.at > reloaded).length;
    printFigures(
      "edge proxy reloaded with a rotated certificate (nginx -s reload)",
      [["established WebSockets", "dropped", "deliveries due", "delivered", "lost"], [CONNECTIONS, members.filter((m) => m.closes.length > 0).length, due, delivered, due - delivered]],
      [
        `load: ${CONNECTIONS} WebSockets through the edge to the gateway in one room, one message each per ${TICK_MS} ms; ${ledger.sent.size} messages, ${sentAfter} of them after the reload`,
        `new certificate served ${ms(rotatedAt - reloaded)} after the reload; nginx workers right after: ${afterReload.length} (${afterReload.filter((w) => w.includes("shutting down")).length} old ones shutting down, still carrying the established connections)`,
      ],
    );

    expect(members.flatMap((m) => m.closes)).toEqual([]);
    expect(delivered).toBe(due);
    expect(ledger.duplicates).toBe(0);
    expect(sentAfter).toBeGreaterThan(CONNECTIONS * 5);
    expect(lateCert).toBe(rotated);
    // Why none is cut later either: old workers close their connections only at worker_shutdown_timeout, which is not rendered.
    expect(render("rotated")).not.toMatch(/worker_shutdown_timeout/);
    expect(await served()).toBe(rotated);
    for (const m of [...members, late]) m.ws.close();
  });
});

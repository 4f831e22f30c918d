import { spawnSync } from "node:child_process";
import { chownSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { request } from "node:https";
import { connect as connectHttp2 } from "node:http2";
import { connect } from "node:tls";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { EDGE_LOCATION_METHODS, renderEdgeNginxConf } from "../../components/config/nginx";
import { describeWithBinaries } from "../support/testbed";
import { edgeInput } from "./fixtures";
import { execFileAsync, freePort, makeTempDir, type RunningServer, startServer, waitForTcp } from "./servers";

/**
 * Real nginx on the rendered edge config, run as an unprivileged uid (65534) like the container.
 * Certificates come from openssl: a server certificate (standing in for the Origin CA one), an
 * origin-pull CA with a client certificate (standing in for Cloudflare's), and a rogue CA. Upstreams
 * are loopback echo servers (HTTP + WebSocket) that report what nginx forwarded.
 */
const describe = describeWithBinaries(["nginx", "openssl"], { root: true });

const UNPRIVILEGED = 65534;
const TRUSTED_PEER = "127.0.0.2";
const UNTRUSTED_PEER = "127.0.0.1";

interface Echo {
  server: Server;
  port: number;
  hits: string[];
}

async function startEcho(name: string): Promise<Echo> {
  const hits: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    hits.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ upstream: name, url: req.url, headers: req.headers }));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    hits.push(`ws:${req.url}`);
    ws.on("message", (m) => ws.send(`${name}:${m.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (typeof addr !== "object" || !addr) throw new Error("echo server has no address");
  return { server, port: addr.port, hits };
}

describe("real nginx on the rendered edge config", () => {
  const tmp = makeTempDir("nginx");
  const f = (name: string) => join(tmp.path, name);
  let nginx: RunningServer;
  let gateway: Echo;
  let livekit: Echo;
  let port: number;

  const openssl = (...args: string[]) => execFileAsync("openssl", args);

  beforeAll(async () => {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await openssl("req", "-x509", ...ec, "-keyout", f("server.key"), "-out", f("server.crt"), "-days", "1",
      "-subj", "/CN=rtc.test", "-addext", "subjectAltName=DNS:rtc.test,IP:127.0.0.1");
    for (const ca of ["pullca", "rogueca"]) {
      await openssl("req", "-x509", ...ec, "-keyout", f(`${ca}.key`), "-out", f(`${ca}.crt`), "-days", "1", "-subj", `/CN=${ca}`);
      await openssl("req", ...ec, "-keyout", f(`${ca}-client.key`), "-out", f(`${ca}-client.csr`), "-subj", "/CN=origin-pull-client");
      await openssl("x509", "-req", "-in", f(`${ca}-client.csr`), "-CA", f(`${ca}.crt`), "-CAkey", f(`${ca}.key`),
        "-CAcreateserial", "-out", f(`${ca}-client.crt`), "-days", "1");
    }
    gateway = await startEcho("gateway");
    livekit = await startEcho("livekit");
    port = await freePort();
    mkdirSync(f("scratch"));
    writeFileSync(
      f("nginx.conf"),
      renderEdgeNginxConf({
        ...edgeInput,
        listenAddress: "127.0.0.1",
        listenPort: port,
        serverNames: ["rtc.test"],
        tls: { certPath: f("server.crt"), keyPath: f("server.key"), clientCaPath: f("pullca.crt") },
        trustedProxyCidrs: [`${TRUSTED_PEER}/32`],
        upstreams: { gateway: { host: "127.0.0.1", port: gateway.port }, livekit: { host: "127.0.0.1", port: livekit.port } },
        scratchDir: f("scratch"),
        rateLimit: { requestsPerSecond: 2, burst: 5 },
      }),
    );
    writeFileSync(f("access.log"), "");
    for (const name of [...readdirSync(tmp.path), "."]) chownSync(f(name), UNPRIVILEGED, UNPRIVILEGED);
    nginx = startServer("nginx", ["-e", "stderr", "-p", tmp.path, "-c", f("nginx.conf"), "-g", "daemon off;"], {
      uid: UNPRIVILEGED,
      gid: UNPRIVILEGED,
      stdoutFile: f("access.log"),
    });
    await waitForTcp("127.0.0.1", port, nginx);
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([gateway, livekit].filter(Boolean).map((e) => new Promise((r) => e.server.close(r))));
    tmp.remove();
  });

  interface Reply {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }

  function get(
    path: string,
    opts: { clientCa?: "pullca" | "rogueca" | null; localAddress?: string; headers?: Record<string, string>; method?: string; body?: string; servername?: string } = {},
  ): Promise<Reply> {
    const ca = opts.clientCa === undefined ? "pullca" : opts.clientCa;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          method: opts.method ?? "GET",
          servername: opts.servername ?? "rtc.test",
          ca: readFileSync(f("server.crt")),
          ...(ca ? { cert: readFileSync(f(`${ca}-client.crt`)), key: readFileSync(f(`${ca}-client.key`)) } : {}),
          localAddress: opts.localAddress ?? UNTRUSTED_PEER,
          headers: { host: "rtc.test", ...opts.headers },
          agent: false,
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end(opts.body);
    });
  }

  it("passes `nginx -t` as the unprivileged user and runs as that user", async () => {
    // stdout goes to a regular file: nginx opens /dev/stdout for the access log even under -t.
    const fd = openSync(f("access.log"), "a");
    const t = spawnSync("nginx", ["-t", "-e", "stderr", "-p", tmp.path, "-c", f("nginx.conf")], {
      uid: UNPRIVILEGED,
      gid: UNPRIVILEGED,
      stdio: ["ignore", fd, "pipe"],
      timeout: 10_000,
    });
    closeSync(fd);
    expect(t.stderr.toString()).toContain("test is successful");
    expect(t.status).toBe(0);
    const status = readFileSync(`/proc/${nginx.pid}/status`, "utf8");
    expect(status).toMatch(new RegExp(`^Uid:\\s+${UNPRIVILEGED}\\s`, "m"));
  });

  it("refuses a client without the origin-pull certificate, or with one from another CA", async () => {
    const none = await get("/v1/devices/d1/events", { clientCa: null });
    expect(none.status).toBe(400);
    expect(none.body).toContain("No required SSL certificate was sent");
    const rogue = await get("/v1/devices/d1/events", { clientCa: "rogueca" });
    expect(rogue.status).toBe(400);
    expect(gateway.hits).not.toContain("/v1/devices/d1/events");
  });

  it("proxies the device API to the gateway for a client with the origin-pull certificate", async () => {
    const r = await get("/v1/devices/d2/events", { method: "POST", body: '{"room":"r","text":"hi"}', headers: { "content-type": "application/json" } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ upstream: "gateway", url: "/v1/devices/d2/events" });
  });

  it("believes CF-Connecting-IP only from the trusted proxy range, and overwrites forged forwarding headers", async () => {
    const forged = { "cf-connecting-ip": "203.0.113.50", "x-forwarded-for": "198.51.100.1", "x-real-ip": "198.51.100.2" };
    const trusted = JSON.parse((await get("/v1/whoami", { method: "POST", localAddress: TRUSTED_PEER, headers: forged })).body);
    expect(trusted.headers).toMatchObject({ "x-real-ip": "203.0.113.50", "cf-connecting-ip": "203.0.113.50", "x-forwarded-for": "203.0.113.50" });
    const untrusted = JSON.parse((await get("/v1/whoami", { method: "POST", localAddress: UNTRUSTED_PEER, headers: forged })).body);
    expect(untrusted.headers).toMatchObject({ "x-real-ip": UNTRUSTED_PEER, "cf-connecting-ip": UNTRUSTED_PEER, "x-forwarded-for": UNTRUSTED_PEER });
  });

  it("proxies WebSocket upgrades: /ws to the gateway and /rtc to LiveKit", async () => {
    for (const [path, name] of [["/ws", "gateway"], ["/rtc?access_token=secret-token", "livekit"]] as const) {
      // servername is passed through to tls.connect (SNI), though ws' types do not list it.
      const options: WebSocket.ClientOptions & { servername: string } = {
        servername: "rtc.test",
        headers: { host: "rtc.test" },
        ca: readFileSync(f("server.crt")),
        cert: readFileSync(f("pullca-client.crt")),
        key: readFileSync(f("pullca-client.key")),
      };
      const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, options);
      const reply = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no WebSocket reply on ${path}`)), 5_000);
        ws.once("open", () => ws.send("ping"));
        ws.once("message", (m) => (clearTimeout(timer), resolve(m.toString())));
        ws.once("error", (e) => (clearTimeout(timer), reject(e)));
      });
      ws.close();
      expect(reply).toBe(`${name}:ping`);
    }
    // The access log holds the path without the query string (tokens travel there).
    await new Promise((r) => setTimeout(r, 200));
    expect(nginx.output()).toContain('"uri":"/rtc"');
    expect(nginx.output()).not.toContain("secret-token");
  });

  it("answers 429 past the burst, per real client IP (bounded: 30 requests)", async () => {
    const headers = { "cf-connecting-ip": "198.51.100.77" };
    const statuses: number[] = [];
    for (let n = 0; n < 30; n++) statuses.push((await get("/v1/flood", { method: "POST", localAddress: TRUSTED_PEER, headers })).status);
    expect(statuses.slice(0, 5).every((s) => s === 200)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(10);
    // Another client IP behind the same proxy still gets through: the key is the real client IP.
    expect((await get("/v1/flood", { method: "POST", localAddress: TRUSTED_PEER, headers: { "cf-connecting-ip": "198.51.100.78" } })).status).toBe(200);
  });

  it("refuses TLS 1.1 and accepts TLS 1.2 and 1.3", async () => {
    const handshake = (version: "TLSv1.1" | "TLSv1.2" | "TLSv1.3") =>
      new Promise<string>((resolve) => {
        const socket = connect({
          host: "127.0.0.1",
          port,
          servername: "rtc.test",
          minVersion: version,
          maxVersion: version,
          // Let the client offer old protocols at all, so the refusal is the server's.
          ciphers: "DEFAULT@SECLEVEL=0",
          ca: readFileSync(f("server.crt")),
          cert: readFileSync(f("pullca-client.crt")),
          key: readFileSync(f("pullca-client.key")),
        });
        socket.setTimeout(5_000, () => (socket.destroy(), resolve("timeout")));
        socket.once("secureConnect", () => (resolve(socket.getProtocol() ?? "?"), socket.end()));
        socket.once("error", (e) => resolve(`error: ${e.message}`));
      });
    expect(await handshake("TLSv1.1")).toMatch(/^error/);
    expect(await handshake("TLSv1.2")).toBe("TLSv1.2");
    expect(await handshake("TLSv1.3")).toBe("TLSv1.3");
  });

  it("hides the version and sends security headers, also on errors", async () => {
    const r = await get("/nothing-here");
    expect(r.status).toBe(404);
    expect(r.headers.server).toBe("nginx");
    expect(r.headers["strict-transport-security"]).toMatch(/max-age=\d{8}/);
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["x-frame-options"]).toBe("DENY");
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("never serves /metrics or unrouted paths, and never forwards them", async () => {
    for (const path of ["/metrics", "/v1/metrics", "/twirp/metrics", "/admin", "/"]) {
      expect((await get(path, { localAddress: TRUSTED_PEER, headers: { "cf-connecting-ip": "198.51.100.90" } })).status, path).toBe(404);
    }
    expect([...gateway.hits, ...livekit.hits].filter((h) => h.includes("metrics") || h === "/admin" || h === "/")).toEqual([]);
  });

  it("refuses bodies over the limit with 413", async () => {
    const r = await get("/v1/devices/d3/events", {
      method: "POST",
      body: "x".repeat(65 * 1024),
      localAddress: TRUSTED_PEER,
      headers: { "cf-connecting-ip": "198.51.100.91", "content-type": "application/json" },
    });
    expect(r.status).toBe(413);
  });
  /** A TLS handshake with the given SNI (none: no SNI at all) and key-exchange group offer. */
  function handshake(opts: { servername?: string | null; ecdhCurve?: string; alpn?: string[] } = {}): Promise<{ ok: true; group?: string; alpn: string | false | null } | { ok: false; error: string }> {
    return new Promise((resolve) => {
      const socket = connect({
        host: "127.0.0.1",
        port,
        ...(opts.servername === null ? {} : { servername: opts.servername ?? "rtc.test" }),
        ...(opts.ecdhCurve ? { ecdhCurve: opts.ecdhCurve } : {}),
        ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
        ca: readFileSync(f("server.crt")),
        cert: readFileSync(f("pullca-client.crt")),
        key: readFileSync(f("pullca-client.key")),
        rejectUnauthorized: false,
      });
      socket.setTimeout(5_000, () => (socket.destroy(), resolve({ ok: false, error: "timeout" })));
      socket.once("secureConnect", () => {
        const key = socket.getEphemeralKeyInfo() as { name?: string } | null;
        resolve({ ok: true, ...(key?.name ? { group: key.name } : {}), alpn: socket.alpnProtocol });
        socket.end();
      });
      socket.once("error", (e) => resolve({ ok: false, error: e.message }));
    });
  }

  it("refuses the TLS handshake for an unknown SNI and for none, so no certificate of ours is shown", async () => {
    const hitsBefore = gateway.hits.length + livekit.hits.length;
    for (const servername of ["evil.test", null]) {
      const r = await handshake({ servername });
      expect(r.ok, String(servername)).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/unrecognized name|alert|handshake/i);
    }
    expect((await handshake({ servername: "rtc.test" })).ok).toBe(true);
    expect(gateway.hits.length + livekit.hits.length).toBe(hitsBefore);
  });

  it("drops a request whose Host is not ours even on a connection made with our SNI, and never proxies it", async () => {
    const hitsBefore = gateway.hits.length;
    const outcome = await get("/v1/devices/d9/events", { method: "POST", headers: { host: "evil.test" } }).then(
      (r) => `status ${r.status}`,
      (e: Error) => `closed: ${e.message}`,
    );
    // 421 Misdirected Request (nginx's answer when Host and SNI disagree under client-certificate
    // verification) or 444 (the default server's connection drop): never a route.
    expect(outcome).toMatch(/^(status 421|closed: (socket hang up|read ECONNRESET))$/);
    expect(gateway.hits.length).toBe(hitsBefore);
  });

  it("answers 405 with Allow for every method a location does not use, before anything is proxied", async () => {
    const hitsBefore = gateway.hits.length + livekit.hits.length;
    const cases: [string, string, readonly string[]][] = [
      ["/ws", "POST", EDGE_LOCATION_METHODS.gatewayWebSocket],
      ["/ws", "DELETE", EDGE_LOCATION_METHODS.gatewayWebSocket],
      ["/v1/devices/d4/events", "GET", EDGE_LOCATION_METHODS.deviceApi],
      ["/v1/devices/d4/events", "PUT", EDGE_LOCATION_METHODS.deviceApi],
      ["/v1/devices/d4/events", "OPTIONS", EDGE_LOCATION_METHODS.deviceApi],
      ["/rtc", "POST", EDGE_LOCATION_METHODS.livekitSignal],
      ["/rtc/validate", "PATCH", EDGE_LOCATION_METHODS.livekitSignal],
      ["/twirp/livekit.RoomService/ListRooms", "GET", EDGE_LOCATION_METHODS.livekitTwirp],
      ["/twirp/livekit.RoomService/DeleteRoom", "DELETE", EDGE_LOCATION_METHODS.livekitTwirp],
    ];
    for (const [path, method, allowed] of cases) {
      const r = await get(path, { method, localAddress: TRUSTED_PEER, headers: { "cf-connecting-ip": "198.51.100.95" } });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.allow, `${method} ${path}`).toBe(allowed.join(", "));
      expect(r.headers["strict-transport-security"], `${method} ${path}`).toMatch(/max-age=/);
    }
    expect(gateway.hits.length + livekit.hits.length).toBe(hitsBefore);
    // The methods each location does use still pass.
    const twirp = await get("/twirp/livekit.RoomService/ListRooms", { method: "POST", localAddress: TRUSTED_PEER, headers: { "cf-connecting-ip": "198.51.100.96" } });
    expect(JSON.parse(twirp.body)).toMatchObject({ upstream: "livekit" });
    const validate = await get("/rtc/validate", { localAddress: TRUSTED_PEER, headers: { "cf-connecting-ip": "198.51.100.96" } });
    expect(JSON.parse(validate.body)).toMatchObject({ upstream: "livekit", url: "/rtc/validate" });
  });

  it("speaks HTTP/2 (ALPN h2) and proxies an HTTP/2 request, while WebSockets keep HTTP/1.1", async () => {
    expect(await handshake({ alpn: ["h2", "http/1.1"] })).toMatchObject({ ok: true, alpn: "h2" });
    const session = connectHttp2(`https://127.0.0.1:${port}`, {
      servername: "rtc.test",
      ca: readFileSync(f("server.crt")),
      cert: readFileSync(f("pullca-client.crt")),
      key: readFileSync(f("pullca-client.key")),
    });
    session.on("error", () => undefined);
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = session.request({ ":method": "POST", ":path": "/v1/devices/h2/events", ":authority": "rtc.test", "content-type": "application/json" });
      let status = 0;
      let body = "";
      req.on("response", (h) => (status = Number(h[":status"])));
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => resolve({ status, body }));
      req.on("error", reject);
      req.setTimeout(10_000, () => req.close());
      req.end('{"room":"r","text":"over h2"}');
    });
    session.close();
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ upstream: "gateway", url: "/v1/devices/h2/events" });
  });

  it("offers only X25519, P-256 and P-384 for the key exchange", async () => {
    expect(await handshake({ ecdhCurve: "X25519" })).toMatchObject({ ok: true, group: "X25519" });
    expect(await handshake({ ecdhCurve: "prime256v1" })).toMatchObject({ ok: true, group: "prime256v1" });
    expect(await handshake({ ecdhCurve: "secp384r1" })).toMatchObject({ ok: true, group: "secp384r1" });
    for (const group of ["X448", "secp521r1", "ffdhe2048"]) {
      expect((await handshake({ ecdhCurve: group })).ok, group).toBe(false);
    }
    // A client offering everything gets the first of ours.
    expect(await handshake({ ecdhCurve: "X448:secp521r1:X25519" })).toMatchObject({ ok: true, group: "X25519" });
  });
});

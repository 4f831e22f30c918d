/**
 * Rampart's containers on the real Docker engine of this machine (issue 5). Each service's container
 * settings come from its Pulumi component (captured under mocks) and are created on the engine exactly
 * as declared, only the image substituted by a local build of the same software (docker/testbed).
 * Everything runs on --internal networks this suite creates; the client and the outsider are containers
 * too, so no traffic leaves the engine.
 */
import { SignJWT } from "jose";
import { mkdtempSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { portsOfService, type PortEntry } from "@rampart/catalogue";
import { inspectContainer, type ContainerInspect } from "./support/docker-api";
import { EngineRun } from "./support/engine";
import { describeWithEngine, LOCAL_IMAGES } from "./support/engine-gate";
import { capabilityMask, capabilityNames, containerMounts, containerProcesses, tcpReachable, writeError } from "./support/hardening";
import { CATALOGUE_SERVICE, declareStack, engineSpec, newPlanBasics, SERVICES, type Service, type StackPlan } from "./support/stack";
import { removeContainer } from "./support/docker-api";
import { prove, summary } from "./support/summary";
import type { EngineSpec } from "./support/container-spec";

const HEALTH_TIMEOUT_MS = 120_000;
// A JVM on a loaded 2-core machine, creating its security index on first start: generous, but bounded.
const SEARCH_HEALTH_TIMEOUT_MS = 300_000;
const healthTimeout = (s: Service) => (s === "search" ? SEARCH_HEALTH_TIMEOUT_MS : HEALTH_TIMEOUT_MS);

interface Running {
  id: string;
  spec: EngineSpec;
  inspect: ContainerInspect;
}

const describeEngine = describeWithEngine([...Object.values(LOCAL_IMAGES)]);

describeEngine("Rampart services on a real Docker engine", () => {
  const engine = new EngineRun("svc");
  let plan: StackPlan;
  let network: string;
  let client: string;
  let outsider: string;
  const running = {} as Record<Service, Running>;
  const seedIds = Object.fromEntries(SERVICES.map((s) => [s, [] as string[]])) as Record<Service, string[]>;
  const startErrors = {} as Partial<Record<Service, Error>>;
  const certDir = mkdtempSync(join(tmpdir(), "rampart-client-certs-"));

  beforeAll(async () => {
    plan = await declareStack(newPlanBasics());
    network = await engine.internalNetwork("internal", plan.subnet);
    const elsewhere = await engine.internalNetwork("elsewhere");

    // LiveKit cannot run here (no image): nginx only needs its upstream name to resolve at start.
    await engine.helper("livekit-name", LOCAL_IMAGES.base, network, ["sleep", "900"]);
    await renameAlias(engine, "livekit-name", network, "livekit", plan.address.livekit);

    // The client: node 24, curl, redis-cli and turnutils from the Debian packages, on the same network.
    client = await engine.helper("client", LOCAL_IMAGES.node, network, ["sleep", "900"]);
    outsider = await engine.helper("outsider", LOCAL_IMAGES.base, elsewhere, ["sleep", "900"]);
    await provisionClient(engine, client, plan, certDir);

    for (const service of SERVICES) {
      try {
        for (const [n, helper] of plan.helpers[service].entries()) {
          seedIds[service].push(await engine.launch(`${service}-helper${n}`, engineSpec(service, helper, network, engine.volumeName)));
        }
        const spec = engineSpec(service, plan.captured[service], network, engine.volumeName);
        const id = await engine.launch(service, spec);
        running[service] = { id, spec, inspect: await inspectContainer(id) };
      } catch (err) {
        startErrors[service] = err as Error;
      }
    }
    await Promise.all(
      SERVICES.filter((s) => running[s]).map(async (s) => {
        try {
          running[s].inspect = await engine.waitHealthy(running[s].id, s, healthTimeout(s));
        } catch (err) {
          startErrors[s] = err as Error;
        }
      }),
    );
  });

  afterAll(async () => {
    rmSync(certDir, { recursive: true, force: true });
    const leftovers = await engine.cleanup();
    console.log(summary("Proven on the real Docker engine (docker/testbed images, settings from the Pulumi components):"));
    if (leftovers.length > 0) throw new Error(`cleanup left: ${leftovers.join("; ")}`);
  });

  const seedSpec = (service: Service, helper: StackPlan["helpers"][Service][number]) => engineSpec(service, helper, network, engine.volumeName);

  const started = (service: Service): Running => {
    const err = startErrors[service];
    if (err) throw err;
    return running[service];
  };

  for (const service of SERVICES) {
    it(`${service}: starts from its declared settings and becomes healthy through its declared healthcheck`, () => {
      const r = started(service);
      expect(r.inspect.State.Health?.Status).toBe("healthy");
      const declaredTest = (plan.captured[service].inputs.healthcheck as { tests: string[] }).tests;
      expect(r.inspect.Config.Healthcheck).toMatchObject({ Test: declaredTest });
      for (const a of r.spec.adjustments) prove(service, `(machine adjustment: ${a})`);
      prove(service, "starts with exactly its declared settings and becomes healthy via its declared healthcheck");
    });

    it(`${service}: every process runs as the declared non-root uid with NoNewPrivs and no capability beyond its exceptions`, async () => {
      const r = started(service);
      const [uid, gid] = String(plan.captured[service].inputs.user).split(":").map(Number);
      expect(uid).toBeGreaterThan(0);
      const idU = await engine.exec(r.id, ["id", "-u"]);
      expect(idU.stdout.trim()).toBe(String(uid));
      const declaredAdds = ((plan.captured[service].inputs.capabilities as { adds?: string[] }).adds ?? []);
      const allowed = capabilityMask(declaredAdds);
      const procs = await containerProcesses(engine, r.id);
      expect(procs.map((p) => p.pid)).toContain(1);
      for (const p of procs) {
        expect({ pid: p.pid, cmd: p.cmdline, uid: p.uid, gid: p.gid }).toEqual({ pid: p.pid, cmd: p.cmdline, uid, gid });
        expect(p.noNewPrivs, `NoNewPrivs of ${p.cmdline}`).toBe(1);
        expect(capabilityNames(p.capEff & ~allowed), `CapEff of ${p.cmdline}`).toEqual([]);
        expect(capabilityNames(p.capBnd), `CapBnd of ${p.cmdline}`).toEqual(capabilityNames(allowed));
      }
      prove(service, `runs as uid ${uid}:${gid} (id -u and every /proc/<pid>/status); NoNewPrivs: 1; CapEff ⊆ {${declaredAdds.join(",") || "none"}}; bounding set = {${declaredAdds.join(",") || "none"}}`);
    });

    it(`${service}: the root filesystem is read-only, scratch is the declared tmpfs, config files cannot be changed`, async () => {
      const r = started(service);
      expect(await writeError(engine, r.id, "/rampart-write-probe")).toMatch(/Read-only file system/);
      const mounts = await containerMounts(engine, r.id);
      const declaredTmpfs = (plan.captured[service].inputs.tmpfs ?? {}) as Record<string, string>;
      for (const [path, options] of Object.entries(declaredTmpfs)) {
        const m = mounts.find((x) => x.target === path);
        expect(m, `tmpfs at ${path}`).toMatchObject({ fstype: "tmpfs" });
        for (const flag of ["nosuid", "nodev", options.includes("noexec") ? "noexec" : undefined].filter(Boolean)) {
          expect(m!.options, `${path} mount options`).toContain(flag);
        }
      }
      // The files arrive through the component's never-started seed (a read-only root refuses uploads):
      // the service itself declares none, and reads them from volumes it mounts at their directories.
      expect(r.spec.uploads).toEqual([]);
      const uploads = plan.helpers[service].flatMap((h) => seedSpec(service, h).uploads);
      expect(uploads.length, `${service} receives its files through its seed`).toBeGreaterThan(0);
      for (const id of seedIds[service]) {
        const seed = await inspectContainer(id);
        expect({ status: seed.State.Status, readOnly: seed.HostConfig.ReadonlyRootfs, network: seed.HostConfig.NetworkMode }).toEqual({ status: "created", readOnly: false, network: "none" });
      }
      for (const u of uploads) {
        const st = await engine.exec(r.id, ["stat", "-c", "%a %u %g", u.file]);
        expect(st.stdout.trim(), `${u.file}`).toBe(`${u.mode.toString(8)} ${u.uid} ${u.gid}`);
        const dir = u.file.slice(0, u.file.lastIndexOf("/"));
        expect(await writeError(engine, r.id, `${dir}/rampart-write-probe`), `writing into ${dir}`).toBeDefined();
        // The kernel's view: the file's directory is a read-only mount in the service.
        const mount = mounts.filter((m) => dir === m.target || dir.startsWith(`${m.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
        expect(mount?.options, `${dir} mounted read-only`).toContain("ro");
      }
      prove(service, `writing to / fails (read-only root); tmpfs ${Object.keys(declaredTmpfs).join(", ")} mounted nosuid,nodev${Object.values(declaredTmpfs).every((o) => o.includes("noexec")) ? ",noexec" : ""}; ${uploads.length} files, uploaded into its never-started seed (state "created", network none), have their declared owner/mode and sit on read-only mounts the service cannot write`);
    });

    it(`${service}: memory and process limits are enforced by the kernel`, async () => {
      const r = started(service);
      const memory = Number(plan.captured[service].inputs.memory) * 1024 * 1024;
      const cg = await engine.exec(r.id, ["sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"]);
      expect(Number(cg.stdout.trim())).toBe(memory);
      expect(r.inspect.HostConfig.MemorySwap).toBe(memory);
      const main = (await containerProcesses(engine, r.id)).find((p) => p.pid !== 1)!;
      const limits = await engine.exec(r.id, ["cat", `/proc/${main.pid}/limits`]);
      for (const u of (r.spec.create.HostConfig as { Ulimits: { Name: string; Hard: number }[] }).Ulimits) {
        const label = { nofile: "Max open files", nproc: "Max processes", memlock: "Max locked memory" }[u.Name];
        expect(label, `ulimit ${u.Name} is known to the suite`).toBeDefined();
        const row = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, "m").exec(limits.stdout);
        expect(row?.[1], `${u.Name} of ${main.cmdline}`).toBe(u.Hard < 0 ? "unlimited" : String(u.Hard));
      }
      prove(service, `memory cgroup limit ${memory / 1048576} MiB with no swap; ulimits ${((r.spec.create.HostConfig as { Ulimits: { Name: string; Hard: number }[] }).Ulimits).map((u) => `${u.Name}=${u.Hard}`).join(", ")} on the service process`);
    });
  }

  it("redis: answers an authenticated command and refuses the default user and a wrong password", async () => {
    started("redis");
    const cli = (...args: string[]) => engine.exec(client, ["redis-cli", "--no-auth-warning", "-h", plan.address.redis, ...args]);
    const auth = ["--user", "gateway", "--pass", plan.secrets.redisGatewayPassword];
    expect((await cli(...auth, "SET", "gateway:probe", "1")).stdout.trim()).toBe("OK");
    expect((await cli(...auth, "GET", "gateway:probe")).stdout.trim()).toBe("1");
    const both = async (...args: string[]) => {
      const r = await cli(...args);
      return r.stdout + r.stderr;
    };
    expect(await both("PING")).toMatch(/NOAUTH/);
    expect(await both("--user", "default", "--pass", "", "PING")).toMatch(/WRONGPASS|NOAUTH/);
    expect(await both("--user", "gateway", "--pass", "not-the-password", "PING")).toMatch(/WRONGPASS/);
    prove("redis", "SET/GET as the gateway ACL user over the internal network; default user and a wrong password refused");
  });

  it("coturn: allocates a relay for TURN REST credentials and refuses a wrong secret", async () => {
    started("coturn");
    const uclient = (secret: string) =>
      engine.exec(client, ["timeout", "20", "turnutils_uclient", "-y", "-n", "3", "-u", "rampart-test", "-W", secret, plan.address.coturn], { timeoutMs: 30_000 });
    const good = await uclient(plan.secrets.turnSecret);
    const goodOut = good.stdout + good.stderr;
    expect(goodOut).not.toMatch(/Cannot complete Allocation/);
    // -y: two allocations relay to each other through coturn; every message must come back.
    const totals = /start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/.exec(goodOut);
    expect(totals, goodOut).not.toBeNull();
    expect(Number(totals![1])).toBeGreaterThan(0);
    expect(totals![2]).toBe(totals![1]);
    expect(goodOut).toMatch(/Total lost packets 0 \(0\.0+%\)/);
    const bad = await uclient("wrong-secret-wrong-secret-wrong-secret");
    expect(bad.stdout + bad.stderr).toMatch(/Cannot complete Allocation|401/);
    // The relay must not become a way into private addresses: Redis's address on the internal network is a
    // denied peer (the peer is inside this suite's network; nothing leaves it). Loopback is not probed:
    // locally external-ip is 127.0.0.1, and coturn treats a peer on its own external address as itself.
    for (const peer of [plan.address.redis]) {
      const denied = await engine.exec(client, ["timeout", "20", "turnutils_uclient", "-v", "-n", "1", "-u", "rampart-test", "-W", plan.secrets.turnSecret,
        "-e", peer, "-r", "6379", plan.address.coturn], { timeoutMs: 30_000 });
      expect(denied.stdout + denied.stderr, `peer ${peer}`).toMatch(/403 \(Forbidden IP\)|Forbidden IP/);
    }
    prove("coturn", "relaying to Redis's internal (RFC 1918) address is refused: 403 (Forbidden IP)");
    prove("coturn", `TURN allocations with REST credentials relay ${totals![2]}/${totals![1]} messages with 0 % loss (turnutils_uclient -y); a wrong secret cannot allocate`);
  });

  /** curl from the client container to the search node: the HTTP status (000: no HTTP answer) and the body. */
  const searchCurl = async (url: string, ...args: string[]) => {
    const r = await engine.exec(client, ["curl", "-sS", "-m", "20", "-w", "\n%{http_code}", "--cacert", "/client/certs/search-ca.pem", ...args, url], { timeoutMs: 40_000 });
    const lines = r.stdout.split("\n");
    return { status: lines.pop() ?? "", body: lines.join("\n"), code: r.code, stderr: r.stderr };
  };
  const searchUrl = (path: string) => `https://${plan.address.search}:9200${path}`;
  const searchAuth = () => ["-u", `admin:${plan.secrets.searchPassword}`];

  it("search: answers its own user over TLS with the stack's CA, refuses no credentials and a wrong password", async () => {
    started("search");
    const ok = await searchCurl(searchUrl("/_cluster/health"), ...searchAuth());
    expect(ok.status, ok.stderr).toBe("200");
    expect(JSON.parse(ok.body)).toMatchObject({ cluster_name: "rampart", number_of_nodes: 1 });
    const who = await searchCurl(searchUrl("/_plugins/_security/authinfo"), ...searchAuth());
    expect(JSON.parse(who.body)).toMatchObject({ user_name: "admin", backend_roles: ["rampart_admin"] });
    const none = await searchCurl(searchUrl("/_cluster/health"));
    expect(none.status).toBe("401");
    const wrong = await searchCurl(searchUrl("/_cluster/health"), "-u", "admin:not-the-password");
    expect(wrong.status).toBe("401");
    // The demo users of the security plugin do not exist (DISABLE_INSTALL_DEMO_CONFIG, rendered users only).
    const demo = await searchCurl(searchUrl("/_cluster/health"), "-u", "admin:admin");
    expect(demo.status).toBe("401");
    prove("search", "OpenSearch 2.19.4 with its security plugin: the stack's own user over HTTPS (verified against the stack's CA) gets 200 and is admin/rampart_admin; no credentials, a wrong password and the plugin's demo admin:admin get 401");
  });

  it("search: refuses plain HTTP on its HTTPS port and offers nothing below TLS 1.2", async () => {
    started("search");
    const plain = await engine.exec(client, ["curl", "-sS", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}", `http://${plan.address.search}:9200/`], { timeoutMs: 40_000 });
    // curl exit 52 (empty reply) or 56 (reset): the node closes a plain-HTTP connection without an HTTP answer.
    expect(plain.stdout).toBe("000");
    expect([52, 56], plain.stderr).toContain(plain.code);
    const tls11 = await searchCurl(searchUrl("/"), ...searchAuth(), "--tlsv1.1", "--tls-max", "1.1");
    expect(tls11.status).toBe("000");
    const tls12 = await searchCurl(searchUrl("/"), ...searchAuth(), "--tlsv1.2", "--tls-max", "1.2");
    expect(tls12.status).toBe("200");
    prove("search", `plain HTTP to 9200 gets no HTTP answer (curl exit ${plain.code}); TLS 1.1 is refused, TLS 1.2 and 1.3 answer`);
  });

  it("edge: serves HTTPS to the origin-pull client certificate and refuses a request without one", async () => {
    started("edge");
    const curl = (...args: string[]) =>
      engine.exec(client, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", "/client/certs/server-ca.pem",
        "--resolve", `${plan.serverName}:8443:${edgeAddress(running.edge.inspect)}`, ...args, `https://${plan.serverName}:8443/not-routed`]);
    expect((await curl("--cert", "/client/certs/client.pem", "--key", "/client/certs/client.key")).stdout).toBe("404");
    expect((await curl()).stdout).toBe("400");
    expect((await curl("--cert", "/client/certs/stranger.pem", "--key", "/client/certs/stranger.key")).stdout).toBe("400");
    prove("edge", "HTTPS with the origin-pull client certificate answered; without a certificate or with one from another CA: 400");
  });

  it("gateway: a WebSocket auth round-trip through the edge proxy with a JWT signed by the deployed secret", async () => {
    started("gateway");
    started("edge");
    const token = await new SignJWT({ rooms: ["lobby"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("container-test-user")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(plan.secrets.jwtSecret));
    const roundtrip = async (jwt: string) => {
      const res = await engine.exec(client, ["env", `WS_URL=wss://${edgeAddress(running.edge.inspect)}:8443/ws`, `WS_HOST=${plan.serverName}`,
        `WS_SERVERNAME=${plan.serverName}`, `WS_ORIGIN=${plan.origin}`, `WS_TOKEN=${jwt}`, "WS_ROOM=lobby", "WS_CERT_DIR=/client/certs",
        "node", "/client/ws-roundtrip.mjs"], { timeoutMs: 20_000 });
      return JSON.parse(res.stdout.trim().split("\n").pop() ?? "{}") as { outcome: string; frames: { type: string; userId?: string }[] };
    };
    const ok = await roundtrip(token);
    expect(ok.outcome).toBe("joined");
    expect(ok.frames[0]).toMatchObject({ type: "auth_ok", userId: "container-test-user" });
    const forged = await new SignJWT({ rooms: ["lobby"] }).setProtectedHeader({ alg: "HS256" }).setSubject("x").setExpirationTime("5m")
      .sign(new TextEncoder().encode("a-different-secret-of-at-least-32-bytes!"));
    expect((await roundtrip(forged)).outcome).not.toBe("joined");
    prove("gateway", "WebSocket auth → auth_ok → join → joined through the edge (client cert) with a JWT signed by the deployed secret; a forged JWT is refused");
  });

  it("internal services cannot be reached from a container outside their network", async () => {
    const targets: [Service, string, PortEntry][] = [
      ["redis", plan.address.redis, portsOfService("redis")[0]!],
      ["gateway", containerAddress(started("gateway").inspect), portsOfService("gateway").find((p) => p.id === "gateway-http")!],
      ...portsOfService("elasticsearch").filter((p) => p.platforms?.includes("docker")).map((entry): [Service, string, PortEntry] => ["search", plan.address.search, entry]),
    ];
    for (const [service, ip, entry] of targets) {
      // Positive control: the same probe succeeds from the client on the internal network.
      expect(await tcpReachable(engine, client, ip, entry.from), `${service} from the client`).toBe(true);
      expect(await tcpReachable(engine, outsider, ip, entry.from), `${service} from outside`).toBe(false);
      prove(service, `${entry.id} ${entry.from}/tcp (${entry.class}) reachable on the internal network, unreachable from a container on another network`);
    }
  });

  it("admin-class and vpc ports are never published beyond loopback", async () => {
    const checked: string[] = [];
    for (const service of SERVICES) {
      const r = started(service);
      const bindings = r.inspect.HostConfig.PortBindings ?? {};
      for (const [key, list] of Object.entries(bindings)) {
        const declared = (plan.captured[service].inputs.ports as { internal: number; external: number; protocol: string }[]).find((p) => `${p.internal}/${p.protocol}` === key)!;
        const entry = portsOfService(CATALOGUE_SERVICE[service]).find((p) => p.from <= declared.external && declared.external <= p.to && p.protocol === declared.protocol);
        expect(entry, `${service} ${key} is in the port catalogue`).toBeDefined();
        if (entry!.class === "admin" || entry!.class === "vpc") {
          for (const b of list ?? []) expect(b.HostIp, `${service} ${key}`).toBe("127.0.0.1");
          checked.push(`${service} ${key} (${entry!.id}, ${entry!.class}) → ${(list ?? []).map((b) => b.HostIp).join(",")}`);
        }
      }
      // Docker publishes nothing for a container on an --internal network: the host sees no port at all.
      const published = execFileSync("docker", ["port", r.id], { encoding: "utf8" }).trim();
      expect(published).toBe("");
    }
    // The gateway's metrics (admin class): answered, published on loopback only, unreachable from other
    // networks. When they are published, Docker needs them listening on the container's interface, so
    // peers on the gateway's own networks can reach them: reported, since only a firewall could stop it.
    const gw = started("gateway");
    const metricsPort = portsOfService("gateway").find((p) => p.id === "gateway-metrics")!.from;
    const metrics = await engine.exec(gw.id, ["node", "-e", `fetch('http://127.0.0.1:${metricsPort}/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`]);
    expect(metrics.code).toBe(0);
    expect(await tcpReachable(engine, outsider, containerAddress(gw.inspect), metricsPort)).toBe(false);
    const published = gw.inspect.HostConfig.PortBindings?.[`${metricsPort}/tcp`];
    if (published) {
      expect(published.map((b) => b.HostIp)).toEqual(["127.0.0.1"]);
      const sameNetwork = await tcpReachable(engine, client, containerAddress(gw.inspect), metricsPort);
      prove("gateway", `metrics (admin class ${metricsPort}) answered, bound to 127.0.0.1 on the host, unreachable from other networks` +
        (sameNetwork ? "; NOTE reachable by containers on the gateway's own network (Docker publishing needs a listener on the container interface)" : ""));
    } else {
      expect(await tcpReachable(engine, client, containerAddress(gw.inspect), metricsPort)).toBe(false);
      prove("gateway", `metrics (admin class ${metricsPort}) served on 127.0.0.1 inside the container only, unreachable from any network`);
    }
    // Without a restricted port published the check above would prove nothing.
    expect(checked.length, "some admin/vpc port is published by the declared stack").toBeGreaterThan(0);
    prove("all", `admin/vpc ports published on 127.0.0.1 only: ${checked.join("; ")}; \`docker port\` empty on the --internal network`);
  });

  // Last: it replaces the search container. The data volume is the one the component declares, mapped to
  // this run's name; the container is removed (as a replacement would) and created again from the same spec.
  it("search: a document indexed into the node survives the container's recreation on the same volume", async () => {
    const before = started("search");
    const doc = { probe: `survives-${Date.now()}` };
    const put = await searchCurl(searchUrl("/rampart-durability/_doc/1?refresh=true"), ...searchAuth(), "-X", "PUT", "-H", "Content-Type: application/json", "-d", JSON.stringify(doc));
    expect(put.status, put.body).toBe("201");
    const dataMount = before.inspect.Mounts.find((m) => m.Destination === "/usr/share/opensearch/data");
    expect(dataMount?.Type, "the data directory is a named volume").toBe("volume");
    await removeContainer(before.id);
    const id = await engine.launch("search-recreated", before.spec);
    const inspect = await engine.waitHealthy(id, "search (recreated)", SEARCH_HEALTH_TIMEOUT_MS);
    running.search = { id, spec: before.spec, inspect };
    expect(inspect.Mounts.find((m) => m.Destination === "/usr/share/opensearch/data")?.Name).toBe(dataMount!.Name);
    const got = await searchCurl(searchUrl("/rampart-durability/_doc/1"), ...searchAuth());
    expect(got.status, got.body).toBe("200");
    expect(JSON.parse(got.body)).toMatchObject({ found: true, _source: doc });
    // The users came from the security index on the volume, not from a fresh initialisation: still only ours.
    expect((await searchCurl(searchUrl("/_cluster/health"))).status).toBe("401");
    prove("search", `a document indexed before the container was removed is found after a new container starts on the same data volume (${dataMount!.Name}); authentication still enforced`);
  }, SEARCH_HEALTH_TIMEOUT_MS + 60_000);
});

function containerAddress(inspect: ContainerInspect): string {
  const nets = Object.values(inspect.NetworkSettings.Networks ?? {});
  const ip = nets[0]?.IPAddress;
  if (!ip) throw new Error(`${inspect.Name} has no address`);
  return ip;
}

const edgeAddress = containerAddress;

/** Gives a helper container a fixed alias (the upstream name) on the network by reconnecting it. */
async function renameAlias(engine: EngineRun, part: string, network: string, alias: string, ip: string): Promise<void> {
  const name = engine.name(part);
  execFileSync("docker", ["network", "disconnect", network, name]);
  execFileSync("docker", ["network", "connect", "--alias", alias, "--ip", ip, network, name]);
}

/** Copies the client certificates, the `ws` package and the round-trip script into the client container. */
async function provisionClient(engine: EngineRun, client: string, plan: StackPlan, dir: string): Promise<void> {
  const certs = join(dir, "certs");
  cpSync(resolve(__dirname, "support/ws-roundtrip.mjs"), join(dir, "ws-roundtrip.mjs"));
  cpSync(resolve(__dirname, "../../node_modules/ws"), join(dir, "node_modules/ws"), { recursive: true });
  execFileSync("mkdir", ["-p", certs]);
  const files: Record<string, string> = {
    "server-ca.pem": plan.pki.serverCertPem,
    "client.pem": plan.pki.clientCertPem,
    "client.key": plan.pki.clientKeyPem,
    "stranger.pem": plan.pki.strangerCertPem,
    "stranger.key": plan.pki.strangerKeyPem,
    "search-ca.pem": plan.searchPki.caCertPem,
  };
  for (const [f, content] of Object.entries(files)) writeFileSync(join(certs, f), content, { mode: 0o644 });
  execFileSync("docker", ["cp", `${dir}/.`, `${client}:/client`]);
  void engine;
}

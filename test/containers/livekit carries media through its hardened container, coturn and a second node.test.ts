/**
 * LiveKit on the real Docker engine under exactly the settings its Pulumi component declares (local
 * target; only the image substituted by the same release built from its Go module), with the Redis ACL
 * user, coturn and gateway the stack declares. Real WebRTC clients (@livekit/rtc-node) in this process
 * reach the containers over the suite's own --internal network (the host holds the bridge's address), get
 * their LiveKit token and TURN credentials from the gateway's `joined` answer, and exchange audio —
 * directly, relay-only through coturn, and across two LiveKit nodes sharing one Redis.
 */
import { execFileSync } from "node:child_process";
import { SignJWT } from "jose";
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import { createClient } from "redis";
import WebSocket from "ws";
import { afterAll, beforeAll, expect, it } from "vitest";
import { port, portsOfService } from "@rampart/catalogue";
import { dispose, type Room } from "@livekit/rtc-node";
import { containerLogs, inspectContainer } from "./support/docker-api";
import { EngineRun } from "./support/engine";
import { describeWithEngine, LOCAL_IMAGES } from "./support/engine-gate";
import { capabilityNames, containerMounts, containerProcesses, writeError } from "./support/hardening";
import { listeningSockets, type ListeningSocket } from "./support/sockets";
import { declareMediaStack, MEDIA_SERVICES, mediaEngineSpec, type MediaPlan, type MediaService } from "./support/media-stack";
import { prove, summary } from "./support/summary";
import { connectError, joinRoom, leave, publishTone, receiveAudio, type GatewayIceServer } from "./support/webrtc";

const HEALTH_TIMEOUT_MS = 180_000;
/** Frames of 10 ms: 1.5 s of audio must arrive. */
const FRAMES = 150;
const MEDIA_TIMEOUT_MS = 60_000;

const describeEngine = describeWithEngine([LOCAL_IMAGES.livekit, LOCAL_IMAGES.redis, LOCAL_IMAGES.coturn, LOCAL_IMAGES.gateway]);

interface Joined {
  livekit: { url: string; token: string };
  iceServers: GatewayIceServer[];
}

describeEngine("LiveKit hardened, with real WebRTC clients, coturn and two nodes on one Redis", () => {
  const engine = new EngineRun("lk");
  let plan: MediaPlan;
  const ids = {} as Record<MediaService, string>;
  const rooms: Room[] = [];
  const figures: string[] = [];

  beforeAll(async () => {
    plan = await declareMediaStack();
    const network = await engine.internalNetwork("media", plan.subnet);
    for (const service of MEDIA_SERVICES) {
      const { service: declared, helpers } = plan.captured[service];
      for (const [n, h] of helpers.entries()) await engine.launch(`${service}-seed${n}`, mediaEngineSpec(service, h, network, engine.volumeName));
      ids[service] = await engine.launch(service, mediaEngineSpec(service, declared, network, engine.volumeName));
    }
    await Promise.all(MEDIA_SERVICES.map((s) => engine.waitHealthy(ids[s], s, HEALTH_TIMEOUT_MS)));
  });

  afterAll(async () => {
    await leave(...rooms);
    await dispose().catch(() => undefined);
    const leftovers = await engine.cleanup();
    if (figures.length > 0) console.log(`\nLiveKit media figures:\n${figures.map((f) => `  ${f}`).join("\n")}`);
    console.log(summary("Proven on the real Docker engine (LiveKit v1.13.5 built from its Go module; settings from the Pulumi components):"));
    if (leftovers.length > 0) throw new Error(`cleanup left: ${leftovers.join("; ")}`);
  });

  /** Authenticates at the gateway container and joins `room`: its `joined` answer. */
  async function gatewayJoin(user: string, room: string, claimRooms: string[] = [room]): Promise<Joined | { refused: unknown }> {
    const jwt = await new SignJWT({ rooms: claimRooms })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(plan.secrets.jwtSecret));
    const ws = new WebSocket(`ws://${plan.address.gateway}:8080/ws`, { origin: plan.origin, perMessageDeflate: false });
    const frames: Record<string, unknown>[] = [];
    const next = () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gateway: no answer (frames so far ${JSON.stringify(frames)})`)), 20_000);
        ws.once("message", (d) => {
          clearTimeout(timer);
          const f = JSON.parse(d.toString()) as Record<string, unknown>;
          frames.push(f);
          resolve(f);
        });
      });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    try {
      ws.send(JSON.stringify({ type: "auth", token: jwt }));
      expect((await next()).type).toBe("auth_ok");
      ws.send(JSON.stringify({ type: "join", room }));
      const answer = await next();
      if (answer.type !== "joined") return { refused: answer };
      return answer as unknown as Joined;
    } finally {
      ws.terminate();
    }
  }

  async function joined(user: string, room: string): Promise<Joined> {
    const j = await gatewayJoin(user, room);
    if ("refused" in j) throw new Error(`gateway refused ${user} in ${room}: ${JSON.stringify(j.refused)}`);
    return j;
  }

  const nodeUrl = (node: "livekitA" | "livekitB") => `ws://${plan.address[node]}:7880`;

  async function track<T extends Room>(r: Promise<T>): Promise<T> {
    const room = await r;
    rooms.push(room);
    return room;
  }

  /** A publishes on `publishVia`, B receives through `receiveVia`; both with the gateway's answers. */
  async function exchange(room: string, relayOnly: boolean, publishVia: string, receiveVia: string, whileConnected?: () => Promise<void>) {
    const a = await joined(`alice-${room}`, room);
    const b = await joined(`bob-${room}`, room);
    expect(a.livekit.url).toBe(nodeUrl("livekitA"));
    expect(a.iceServers[0]!.urls[0]).toBe(`turn:${plan.address.coturn}:3478?transport=udp`);
    const start = Date.now();
    const publisher = await track(joinRoom(publishVia, a.livekit.token, { iceServers: a.iceServers, relayOnly }));
    const tone = await publishTone(publisher);
    const subscriber = await track(joinRoom(receiveVia, b.livekit.token, { iceServers: b.iceServers, relayOnly }));
    const got = await receiveAudio(subscriber, FRAMES, MEDIA_TIMEOUT_MS, start);
    if (whileConnected) await whileConnected();
    await tone.stop();
    await leave(publisher, subscriber);
    return { got, sent: tone.sent(), a, b };
  }

  it("livekit: both nodes start from their declared settings and become healthy through the declared healthcheck", async () => {
    for (const node of ["livekitA", "livekitB"] as const) {
      const inspect = await inspectContainer(ids[node]);
      expect(inspect.State.Health?.Status).toBe("healthy");
      expect(inspect.Config.Healthcheck).toMatchObject({ Test: (plan.captured[node].service.inputs.healthcheck as { tests: string[] }).tests });
    }
    prove("livekit", "two nodes (livekit/livekit-server v1.13.5 built from its Go module) start with exactly their declared settings; healthy via the declared wget healthcheck");
  });

  it("livekit: every process runs as the declared uid with NoNewPrivs, no capability, a read-only root and its declared tmpfs", async () => {
    const declared = plan.captured.livekitA.service.inputs;
    const [uid, gid] = String(declared.user).split(":").map(Number);
    const procs = await containerProcesses(engine, ids.livekitA);
    expect(procs.some((p) => p.cmdline.includes("/livekit-server"))).toBe(true);
    for (const p of procs) {
      expect({ cmd: p.cmdline, uid: p.uid, gid: p.gid, nnp: p.noNewPrivs }).toEqual({ cmd: p.cmdline, uid, gid, nnp: 1 });
      expect(capabilityNames(p.capEff), p.cmdline).toEqual([]);
      expect(capabilityNames(p.capPrm), p.cmdline).toEqual([]);
      expect(capabilityNames(p.capBnd), p.cmdline).toEqual([]);
    }
    expect(await writeError(engine, ids.livekitA, "/rampart-write-probe")).toMatch(/Read-only file system/);
    const mounts = await containerMounts(engine, ids.livekitA);
    for (const path of Object.keys((declared.tmpfs ?? {}) as Record<string, string>)) {
      expect(mounts.find((m) => m.target === path)?.options, path).toEqual(expect.arrayContaining(["nosuid", "nodev", "noexec"]));
    }
    // The merged config (with the Redis password) is private to LiveKit's uid on its tmpfs.
    expect((await engine.exec(ids.livekitA, ["stat", "-c", "%a %u", "/tmp/livekit.yaml"])).stdout.trim()).toBe(`600 ${uid}`);
    prove("livekit", `runs as ${uid}:${gid} (every /proc/<pid>/status); NoNewPrivs 1; CapEff, CapPrm and the bounding set empty; root read-only; /tmp tmpfs nosuid,nodev,noexec; merged config 0600 on it`);
  });

  it("livekit: listens on exactly its catalogued ports, and the ICE/TCP port on every interface", async () => {
    // 127.0.0.11 is Docker's embedded DNS resolver, present in every container on a user-defined network.
    const sockets = (await listeningSockets(engine, ids.livekitA)).filter((s) => s.address !== "127.0.0.11");
    const catalogue = portsOfService("livekit").filter((p) => !p.targets || p.targets.includes("local"));
    const expected = catalogue.map((p) => `${p.protocol}/${p.from}`).sort();
    const seen = [...new Set(sockets.map((s) => `${s.protocol}/${s.port}`))].sort();
    expect(seen, JSON.stringify(sockets)).toEqual(expected);
    // bind_addresses (0.0.0.0 in its own namespace locally) and the ICE/TCP port's own bind.
    const rtcTcp = sockets.filter((s) => s.protocol === "tcp" && s.port === 7881);
    expect(rtcTcp.map((s) => s.address)).toEqual(expect.arrayContaining([expect.stringMatching(/^(0\.0\.0\.0|::)$/)]));
    prove("livekit", `listening sockets ${sockets.map((s) => `${s.protocol} ${s.address}:${s.port}`).join(", ")} — exactly the catalogue's ${expected.join(", ")}`);
  });

  it("livekit: with the AWS target's bind_addresses, the API and metrics bind as told while ICE/TCP binds every interface", async () => {
    const ip = plan.address.livekitAwsBinds;
    const sockets = (await listeningSockets(engine, ids.livekitAwsBinds)).filter((s) => s.address !== "127.0.0.11");
    const tcp = (p: number) => sockets.filter((s) => s.protocol === "tcp" && s.port === p).map((s) => s.address).sort();
    const everywhere = /^(0\.0\.0\.0|::)$/;
    expect(tcp(7880), JSON.stringify(sockets)).toEqual(["127.0.0.1", ip].sort());
    expect(tcp(7881), JSON.stringify(sockets)).toEqual([expect.stringMatching(everywhere)]);
    expect(tcp(6789), JSON.stringify(sockets)).toEqual(["127.0.0.1", ip].sort());
    // Every socket is a catalogued LiveKit port of the AWS target: the host INPUT firewall
    // (components/host/firewall.ts, renderHostInputRules) and the security groups admit each from its
    // class's sources only, which is what keeps the every-interface binds from widening anything.
    const aws = portsOfService("livekit").filter((p) => !p.targets || p.targets.includes("aws"));
    for (const s of sockets) {
      const entry = aws.find((p) => p.protocol === s.protocol && p.from <= s.port && s.port <= p.to);
      expect(entry, `${s.protocol} ${s.address}:${s.port} is catalogued for aws`).toBeDefined();
    }
    prove("livekit", `AWS bind_addresses [${ip}, 127.0.0.1]: API 7880 on exactly those; metrics 6789 on ${tcp(6789).join(", ")}; ICE/TCP 7881 on ${tcp(7881).join(",")} (every interface); every socket catalogued (${sockets.map((s) => `${s.protocol}/${s.port}`).join(", ")}), so the host INPUT rules and the security groups cover each`);
    // It joined the same Redis: stop it, so rooms are placed on A or B only (LiveKit's node selector skips
    // a node whose stats stopped updating).
    execFileSync("docker", ["stop", "-t", "30", ids.livekitAwsBinds], { timeout: 60_000 });
  });

  it("media: B receives A's audio through LiveKit with the token and ICE servers of the gateway's join answer", async () => {
    const { got, sent } = await exchange("direct", false, nodeUrl("livekitA"), nodeUrl("livekitA"));
    expect(got.audible, JSON.stringify(got)).toBeGreaterThanOrEqual(FRAMES);
    figures.push(`direct: ${got.audible} audible frames of ${got.frames} received (${sent} sent), first after ${got.firstFrameMs} ms from connect`);
    prove("livekit", `direct media: ${got.audible}/${FRAMES} audible 10 ms frames received, first ${got.firstFrameMs} ms after connect`);
  });

  it("media: relay-only participants exchange audio through the hardened coturn with the gateway's TURN credentials", async () => {
    // coturn's own account: its relay allocations are UDP sockets on its address in the catalogue's relay range.
    const relayRange = port("turn-relay-udp-local");
    const relays = async () =>
      (await listeningSockets(engine, ids.coturn)).filter((s) => s.protocol === "udp" && s.address === plan.address.coturn && s.port >= relayRange.from && s.port <= relayRange.to);
    const before = (await relays()).length;
    let during: ListeningSocket[] = [];
    const { got } = await exchange("relayed", true, nodeUrl("livekitA"), nodeUrl("livekitA"), async () => {
      during = await relays();
    });
    expect(got.audible, JSON.stringify(got)).toBeGreaterThanOrEqual(FRAMES);
    // Each relay-only participant allocates at least one relay (publisher and subscriber connections).
    expect(during.length - before, `relay sockets before ${before}, during ${JSON.stringify(during)}`).toBeGreaterThanOrEqual(2);
    const lines = during.map((s) => `${s.address}:${s.port}`);
    figures.push(`relay-only: ${got.audible} audible frames, first after ${got.firstFrameMs} ms; coturn relays ${lines.join(", ")}`);
    prove("coturn", `relay-only WebRTC media with the gateway-minted credentials: ${during.length - before} relay allocations open on coturn (UDP ${lines.join(", ")}) while audio flows, ${before} before`);
    prove("livekit", `relay-only media through coturn: ${got.audible}/${FRAMES} audible frames, first ${got.firstFrameMs} ms after connect`);
  });

  it("tokens: LiveKit refuses a forged and an expired token, and a token for another room never enters this one", async () => {
    const { iceServers } = await joined("mallory", "guarded");
    const url = nodeUrl("livekitA");
    const forged = new AccessToken(plan.secrets.livekitApiKey, "not-the-secret-not-the-secret-not-the-secret", { identity: "mallory", ttl: 60 });
    forged.addGrant({ room: "guarded", roomJoin: true });
    expect(await connectError(url, await forged.toJwt(), { iceServers, relayOnly: false })).toBeDefined();
    // Expired beyond the one minute of clock skew LiveKit's token check allows.
    const now = Math.floor(Date.now() / 1000);
    const expiredJwt = await new SignJWT({ video: { room: "guarded", roomJoin: true } })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(plan.secrets.livekitApiKey)
      .setSubject("mallory")
      .setNotBefore(now - 600)
      .setExpirationTime(now - 300)
      .sign(new TextEncoder().encode(plan.secrets.livekitApiSecret));
    expect(await connectError(url, expiredJwt, { iceServers, relayOnly: false })).toBeDefined();
    // The gateway mints a token only for a room the user's JWT names.
    const refused = await gatewayJoin("mallory", "guarded", ["elsewhere"]);
    expect("refused" in refused).toBe(true);
    // A real token for "elsewhere" takes its bearer to "elsewhere" only, whichever node it presents it to.
    const owner = await track(joinRoom(url, (await joined("owner", "guarded")).livekit.token, { iceServers, relayOnly: false }));
    const other = await joined("mallory", "elsewhere");
    const intruder = await track(joinRoom(nodeUrl("livekitB"), other.livekit.token, { iceServers: other.iceServers, relayOnly: false }));
    expect(intruder.name).toBe("elsewhere");
    const api = new RoomServiceClient(`http://${plan.address.livekitA}:7880`, plan.secrets.livekitApiKey, plan.secrets.livekitApiSecret);
    const inGuarded = (await api.listParticipants("guarded")).map((p) => p.identity);
    expect(inGuarded).toEqual(["owner"]);
    expect([...owner.remoteParticipants.values()].map((p) => p.identity)).not.toContain("mallory");
    await leave(owner, intruder);
    prove("livekit", "a token signed with another secret and an expired token are refused at connect; the gateway mints none for a room outside the JWT; a token for another room lands its bearer there, never in this room");
  });

  it("two nodes, one Redis: a room hosted on node A is joined through node B and media flows, under the stack's LiveKit ACL user", async () => {
    const redis = createClient({ url: `redis://${plan.address.redis}:6379`, username: "livekit", password: plan.secrets.redisLivekitPassword });
    redis.on("error", () => undefined);
    await redis.connect();
    try {
      const nodes = await redis.hKeys("nodes");
      const nodeId = async (node: "livekitA" | "livekitB") => /"nodeID":"([^"]+)"/.exec(await containerLogs(ids[node], 5000))?.[1];
      const ids2 = { livekitA: await nodeId("livekitA"), livekitB: await nodeId("livekitB") };
      expect(nodes, "both nodes registered in Redis").toEqual(expect.arrayContaining([ids2.livekitA, ids2.livekitB]));
      // The first participant creates the room; LiveKit's node selector places it on one node (room_node_map).
      const a = await joined("carol-span", "span");
      const host = await track(joinRoom(nodeUrl("livekitA"), a.livekit.token, { iceServers: a.iceServers, relayOnly: false }));
      const hostingNode = await redis.hGet("room_node_map", "span");
      const hosting = hostingNode === ids2.livekitA ? "livekitA" : hostingNode === ids2.livekitB ? "livekitB" : undefined;
      expect(hosting, `room_node_map names ${hostingNode}, nodes are ${JSON.stringify(ids2)}`).toBeDefined();
      const other = hosting === "livekitA" ? "livekitB" : "livekitA";
      // Publisher and subscriber both enter through the node that does not host the room.
      const { got } = await exchange("span", false, nodeUrl(other), nodeUrl(other));
      expect(got.audible, JSON.stringify(got)).toBeGreaterThanOrEqual(FRAMES);
      expect(await redis.hGet("room_node_map", "span")).toBe(hostingNode);
      await leave(host);
      const logB = await containerLogs(ids.livekitB, 5000);
      const logA = await containerLogs(ids.livekitA, 5000);
      for (const log of [logA, logB]) expect(log).not.toMatch(/NOPERM/);
      figures.push(`two nodes: room "span" hosted on ${hosting} (${hostingNode}), publisher and subscriber through ${other}: ${got.audible} audible frames, first after ${got.firstFrameMs} ms`);
      prove("livekit", `two nodes registered in one Redis as the ACL user livekit; room hosted on ${hosting} (room_node_map) and joined by publisher and subscriber through ${other}: ${got.audible}/${FRAMES} frames; no NOPERM in either node's log`);
    } finally {
      await redis.quit().catch(() => undefined);
    }
  });

  it("the LiveKit Redis user LiveKit runs under still cannot reach the gateway's keys and channels", async () => {
    const lk = createClient({ url: `redis://${plan.address.redis}:6379`, username: "livekit", password: plan.secrets.redisLivekitPassword });
    lk.on("error", () => undefined);
    await lk.connect();
    const gw = createClient({ url: `redis://${plan.address.redis}:6379`, username: "gateway", password: plan.secrets.redisGatewayPassword });
    gw.on("error", () => undefined);
    await gw.connect();
    try {
      expect(await gw.set("gateway:probe", "1")).toBe("OK");
      const refused = async (what: string, p: Promise<unknown>) => expect(p, what).rejects.toThrow(/NOPERM/);
      await refused("GET gateway:probe", lk.get("gateway:probe"));
      await refused("SET gateway:probe", lk.set("gateway:probe", "x"));
      await refused("DEL gateway:probe", lk.del("gateway:probe"));
      await refused("PUBLISH gateway:room:demo", lk.publish("gateway:room:demo", "x"));
      await refused("KEYS *", lk.keys("*"));
      const sub = lk.duplicate();
      sub.on("error", () => undefined);
      await sub.connect();
      await refused("SUBSCRIBE gateway:room:demo", sub.subscribe("gateway:room:demo", () => undefined));
      await sub.quit().catch(() => undefined);
      expect(await gw.get("gateway:probe")).toBe("1");
      prove("redis", "the livekit ACL user both LiveKit nodes run under is refused (NOPERM) GET/SET/DEL of gateway:*, PUBLISH and SUBSCRIBE on gateway:room:*, and KEYS");
    } finally {
      await lk.quit().catch(() => undefined);
      await gw.quit().catch(() => undefined);
    }
  });
});

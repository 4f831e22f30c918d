/**
 * Redis as components/containers/services/redis.ts declares it (hardening, seed, the `-data` volume,
 * the rendered redis.conf with its append-only file) on the real Docker engine: the keys the gateway
 * writes (device nonces, rate-limit windows, connection leases) come back after `docker restart`, after
 * SIGKILL (appendfsync everysec: at most the last second is at risk, so the test waits past it), and in a
 * new container on the same volume (what a replacement does). A container on a fresh volume has none of
 * them: the keys live in the volume, nowhere else. Pub/sub messages are never stored (docs/data-protection.md).
 */
import { randomInt } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "../../components/containers/services/redis";
import { captureResources, serviceAndHelpers, type CapturedResource } from "./support/capture";
import { dockerCall } from "./support/docker-api";
import { EngineRun } from "./support/engine";
import { describeWithEngine, LOCAL_IMAGES } from "./support/engine-gate";
import { writeError } from "./support/hardening";
import { DECLARED_NETWORK, engineSpec } from "./support/stack";
import { prove, summary } from "./support/summary";

const HEALTH_TIMEOUT_MS = 120_000;
const DATA_VOLUME = "redis-data";
const DATA_DIR = "/data";

describeWithEngine([LOCAL_IMAGES.redis, LOCAL_IMAGES.node])("Redis's persisted keys on a real Docker engine", () => {
  const engine = new EngineRun("redis-data");
  const third = randomInt(1, 254);
  const address = `10.214.${third}.10`;
  const password = "p".repeat(8) + Math.random().toString(36).slice(2).padEnd(40, "x");
  let network: string;
  let client: string;
  let service: CapturedResource;
  let helpers: CapturedResource[];
  let redis: string;

  /** Creates the seed(s) and the service as the provider would; `volumeName` maps declared volume names. */
  const launch = async (part: string, volumeName: (declared: string) => string): Promise<string> => {
    for (const [n, h] of helpers.entries()) await engine.launch(`${part}-seed${n}`, engineSpec("redis", h, network, volumeName));
    const id = await engine.launch(part, engineSpec("redis", service, network, volumeName));
    await engine.waitHealthy(id, part, HEALTH_TIMEOUT_MS);
    return id;
  };
  const cli = async (...args: string[]) => {
    const r = await engine.exec(client, ["redis-cli", "--no-auth-warning", "-h", address, "--user", "gateway", "--pass", password, ...args]);
    // redis-cli exits 0 on a server error and prints it: an error is never a value here.
    if (r.code !== 0 || /^(ERR|NOPERM|WRONGPASS|NOAUTH|LOADING|MISCONF)\b/.test(r.stdout)) throw new Error(`redis-cli ${args.join(" ")}: exit ${r.code}: ${r.stdout}${r.stderr}`);
    return r.stdout.trim();
  };
  /** What the gateway keeps in Redis: a device nonce (SET NX PX), a rate-limit counter, a connection lease. */
  const writeGatewayState = async (tag: string) => {
    expect(await cli("SET", `gateway:nonce:dev-${tag}:n1`, "1", "NX", "PX", "600000")).toBe("OK");
    expect(await cli("INCRBY", `gateway:rl:msg:${tag}`, "7")).toBe("7");
    expect(await cli("PEXPIRE", `gateway:rl:msg:${tag}`, "600000")).toBe("1");
    expect(await cli("ZADD", `gateway:conn:${tag}`, "1", "lease-1")).toBe("1");
  };
  const readGatewayState = async (tag: string) => ({
    nonce: await cli("GET", `gateway:nonce:dev-${tag}:n1`),
    // A replayed nonce is refused: SET NX on the remembered key answers nil.
    replay: await cli("SET", `gateway:nonce:dev-${tag}:n1`, "1", "NX", "PX", "600000"),
    counter: await cli("GET", `gateway:rl:msg:${tag}`),
    leases: await cli("ZCARD", `gateway:conn:${tag}`),
  });
  const kept = { nonce: "1", replay: "", counter: "7", leases: "1" };
  const pttl = async (key: string) => Number(await cli("PTTL", key));

  beforeAll(async () => {
    const declared = await captureResources(() => {
      new Redis("redis", { network: { name: DECLARED_NETWORK, aliases: ["redis"], ipv4Address: address }, gatewayPassword: password });
    });
    ({ service, helpers } = serviceAndHelpers(declared, "Redis"));
    network = await engine.internalNetwork("internal", `10.214.${third}.0/24`);
    client = await engine.helper("client", LOCAL_IMAGES.node, network, ["sleep", "900"]);
    redis = await launch("redis", engine.volumeName);
  });

  afterAll(async () => {
    const leftovers = await engine.cleanup();
    console.log(summary("Redis persistence on the real Docker engine (settings from the Pulumi component):"));
    if (leftovers.length > 0) throw new Error(`cleanup left: ${leftovers.join("; ")}`);
  });

  it("keeps its append-only file on the declared data volume, with the root filesystem still read-only", async () => {
    const mounts = service.inputs.mounts as { type: string; source: string; target: string; readOnly: boolean }[];
    expect(mounts.find((m) => m.target === DATA_DIR)).toMatchObject({ type: "volume", source: DATA_VOLUME, readOnly: false });
    const conf = helpers.flatMap((h) => (h.inputs.uploads as { file: string; content: string }[])).find((u) => u.file.endsWith("/redis.conf"))?.content ?? "";
    expect(conf).toMatch(new RegExp(`^dir ${DATA_DIR}$`, "m"));
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^appendfsync everysec$/m);
    expect(conf).toMatch(/^save ""$/m);
    await writeGatewayState("layout");
    const listing = await engine.exec(redis, ["ls", `${DATA_DIR}/appendonlydir`]);
    expect(listing.stdout).toMatch(/\.aof/);
    expect(await writeError(engine, redis, "/rampart-write-probe")).toMatch(/Read-only file system/);
    prove("redis", `append-only file under ${DATA_DIR}/appendonlydir on the declared volume ${DATA_VOLUME}; root still read-only`);
  });

  it("brings back every key, and its remaining time to live, after docker restart", async () => {
    await writeGatewayState("restart");
    const before = await pttl("gateway:nonce:dev-restart:n1");
    await dockerCall("POST", `/containers/${redis}/restart?t=20`);
    await engine.waitHealthy(redis, "redis after restart", HEALTH_TIMEOUT_MS);
    expect(await readGatewayState("restart")).toEqual(kept);
    const after = await pttl("gateway:nonce:dev-restart:n1");
    // Expiry is an absolute time in the file: the nonce is remembered for what is left of its window.
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThanOrEqual(before);
    prove("redis", `nonce, rate-limit counter and lease back after docker restart; the nonce's replay is refused; PTTL ${before} → ${after} ms`);
  });

  it("brings back keys written more than a second before a SIGKILL (appendfsync everysec)", async () => {
    await writeGatewayState("crash");
    // everysec: the file is fsynced once a second; wait past two of them before the crash.
    await new Promise((r) => setTimeout(r, 2_500));
    await dockerCall("POST", `/containers/${redis}/kill?signal=SIGKILL`);
    await dockerCall("POST", `/containers/${redis}/start`);
    await engine.waitHealthy(redis, "redis after SIGKILL", HEALTH_TIMEOUT_MS);
    expect(await readGatewayState("crash")).toEqual(kept);
    expect(await readGatewayState("restart")).toEqual(kept);
    prove("redis", "keys written 2.5 s before SIGKILL are back after the restart");
  });

  it("a new container on the same volume has the keys; one on a fresh volume has none", async () => {
    await writeGatewayState("recreate");
    await dockerCall("POST", `/containers/${redis}/stop?t=20`);
    // What a replacement does: the old container is gone, a new one mounts the volume by its name.
    const again = await launch("redis-again", engine.volumeName);
    expect(await readGatewayState("recreate")).toEqual(kept);
    await dockerCall("POST", `/containers/${again}/stop?t=20`);
    const fresh = await launch("redis-fresh", (declared) => (declared === DATA_VOLUME ? engine.name("vol-fresh-data") : engine.volumeName(declared)));
    expect({ nonce: await cli("GET", "gateway:nonce:dev-recreate:n1"), counter: await cli("GET", "gateway:rl:msg:recreate"), leases: await cli("ZCARD", "gateway:conn:recreate") }).toEqual({ nonce: "", counter: "", leases: "0" });
    await dockerCall("POST", `/containers/${fresh}/stop?t=20`);
    prove("redis", "a second container on the same volume reads every key; a container on a fresh volume reads none");
  });
});

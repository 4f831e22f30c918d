/**
 * The translation from declared container inputs to Engine API calls is the suite's weak point: a field
 * it ignored would be a hardening setting never tested. These tests pin that every field reaches the
 * engine body and that an unknown field stops the suite.
 */
import { describe, expect, it } from "vitest";
import { durationNs, translateContainer, type TranslateOptions } from "./support/container-spec";
import { capabilityMask, capabilityNames, parseStatus } from "./support/hardening";

const opts: TranslateOptions = {
  image: "rampart-test/redis:bookworm",
  networks: { "rampart-internal": "rt-x-internal" },
  volumeName: (d) => `rt-x-vol-${d}`,
};

const hardened = {
  name: "redis",
  image: "redis:7.4.6",
  user: "999:999",
  readOnly: true,
  privileged: false,
  capabilities: { drops: ["ALL"], adds: ["NET_BIND_SERVICE"] },
  securityOpts: ["no-new-privileges:true"],
  memory: 256,
  memorySwap: 256,
  cpus: "0.5",
  cpuShares: 1024,
  ulimits: [{ name: "nofile", soft: 65536, hard: 65536 }, { name: "nproc", soft: 4096, hard: 4096 }],
  tmpfs: { "/tmp": "rw,noexec,nosuid,nodev,size=64m,mode=0700,uid=999,gid=999" },
  mounts: [{ type: "volume", source: "redis-run-secrets", target: "/run/secrets", readOnly: false, volumeOptions: { noCopy: true } }],
  uploads: [{ file: "/run/secrets/redis.acl", content: "user default off\n", permissions: "0400", owner: "999", group: "999" }],
  envs: ["TZ=UTC"],
  command: ["redis-server", "/etc/redis/redis.conf"],
  networkMode: "bridge",
  networksAdvanced: [{ name: "rampart-internal", aliases: ["redis"] }],
  ports: [{ internal: 6379, external: 6379, ip: "127.0.0.1", protocol: "tcp" }],
  healthcheck: { tests: ["CMD", "redis-cli", "ping"], interval: "1m30s", timeout: "5s", retries: 3, startPeriod: "500ms" },
  init: true,
  restart: "on-failure",
  maxRetryCount: 5,
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "5" },
  destroyGraceSeconds: 30,
  labels: [{ label: "rampart.service", value: "redis" }],
};

describe("container input translation", () => {
  it("carries every hardening input into the Engine API create body, with only the image substituted", () => {
    const spec = translateContainer("redis", hardened, opts);
    const host = spec.create.HostConfig as Record<string, unknown>;
    expect(spec.create.Image).toBe("rampart-test/redis:bookworm");
    expect(spec.create.User).toBe("999:999");
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Privileged).toBe(false);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.CapAdd).toEqual(["NET_BIND_SERVICE"]);
    expect(host.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(host.Memory).toBe(256 * 1024 * 1024);
    expect(host.MemorySwap).toBe(256 * 1024 * 1024);
    expect(host.NanoCpus).toBe(500_000_000);
    expect(host.Ulimits).toEqual([{ Name: "nofile", Soft: 65536, Hard: 65536 }, { Name: "nproc", Soft: 4096, Hard: 4096 }]);
    expect(host.Tmpfs).toEqual(hardened.tmpfs);
    expect(host.Mounts).toEqual([{ Type: "volume", Source: "rt-x-vol-redis-run-secrets", Target: "/run/secrets", ReadOnly: false, VolumeOptions: { NoCopy: true } }]);
    expect(host.Init).toBe(true);
    expect(host.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 5 });
    expect(host.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "5" } });
    expect(host.NetworkMode).toBe("rt-x-internal");
    expect(host.PortBindings).toEqual({ "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
    expect(spec.create.Healthcheck).toEqual({ Test: ["CMD", "redis-cli", "ping"], Interval: 90e9, Timeout: 5e9, Retries: 3, StartPeriod: 5e8 });
    expect(spec.create.Cmd).toEqual(["redis-server", "/etc/redis/redis.conf"]);
    expect(spec.create.Env).toEqual(["TZ=UTC"]);
    expect(spec.uploads).toEqual([{ file: "/run/secrets/redis.acl", content: Buffer.from("user default off\n"), mode: 0o400, uid: 999, gid: 999 }]);
    expect(spec.volumes).toEqual(["rt-x-vol-redis-run-secrets"]);
    expect(spec.start).toBe(true);
  });

  it("stops on a container input it does not know, naming it", () => {
    expect(() => translateContainer("redis", { ...hardened, seccompProfile: "x" }, opts)).toThrow(/seccompProfile — teach/);
  });

  it("stops on an unknown field inside a nested input", () => {
    const caps = { ...hardened, capabilities: { drops: ["ALL"], ambient: ["NET_RAW"] } };
    expect(() => translateContainer("redis", caps, opts)).toThrow(/capabilities has field\(s\).*ambient/);
    const hc = { ...hardened, healthcheck: { ...hardened.healthcheck, shell: "sh" } };
    expect(() => translateContainer("redis", hc, opts)).toThrow(/healthcheck has field\(s\).*shell/);
  });

  it("refuses host paths, host networking and unmapped networks", () => {
    const bind = { ...hardened, mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }] };
    expect(() => translateContainer("redis", bind, opts)).toThrow(/only volume and tmpfs mounts/);
    expect(() => translateContainer("redis", { ...hardened, networkMode: "host" }, opts)).toThrow(/host networking/);
    const other = { ...hardened, networksAdvanced: [{ name: "elsewhere" }] };
    expect(() => translateContainer("redis", other, opts)).toThrow(/"elsewhere".*not map/);
    expect(() => translateContainer("redis", { ...hardened, networksAdvanced: [] }, opts)).toThrow(/default bridge/);
  });

  it("reads Go durations as the provider does", () => {
    expect(durationNs("30s", "t")).toBe(30e9);
    expect(durationNs("1m30s", "t")).toBe(90e9);
    expect(durationNs("250ms", "t")).toBe(250e6);
    expect(() => durationNs("30", "t")).toThrow(/not a Go duration/);
  });
});

describe("/proc parsing", () => {
  it("reads uid, capabilities and no_new_privs from a status file", () => {
    const status = "Name:\tredis-server\nUid:\t999\t999\t999\t999\nGid:\t999\t999\t999\t999\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000400\nNoNewPrivs:\t1\n";
    const p = parseStatus(7, "redis-server", status);
    expect(p).toMatchObject({ uid: 999, gid: 999, capEff: 0n, noNewPrivs: 1 });
    expect(capabilityNames(p.capBnd)).toEqual(["NET_BIND_SERVICE"]);
    expect(capabilityMask(["CAP_NET_BIND_SERVICE"])).toBe(0x400n);
  });
});

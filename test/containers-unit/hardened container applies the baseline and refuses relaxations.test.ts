import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { BASELINE, EXCEPTIONS, type ServiceExceptionId } from "../../components/containers/baseline";
import { port } from "@rampart/catalogue";
import { containerEnvs } from "../../components/containers/environment";
import { checkedBindAddress } from "../../components/containers/port-bindings";
import { HardenedContainer, type HardenedContainerArgs } from "../../components/containers/hardened-container";
import { thrown } from "./support/thrown";
import { capture, containersOf, maskedInputs, outputError, reveal, seedContainersOf, serviceContainersOf, type ContainerInputs } from "./support/capture";

/** A container that needs nothing relaxed: the baseline as is. */
function minimal(overrides: Partial<HardenedContainerArgs> = {}): HardenedContainerArgs {
  return {
    service: "redis",
    image: "redis:8.2.2-bookworm",
    uid: 999,
    gid: 999,
    networks: [{ name: "rampart-internal" }],
    memoryMiB: 256,
    cpus: 0.5,
    healthcheck: { test: ["CMD", "true"] },
    ...overrides,
  };
}

async function inputsOf(args: HardenedContainerArgs) {
  const resources = await capture(() => new HardenedContainer("probe", args));
  const [container] = serviceContainersOf(resources);
  if (!container) throw new Error("no container registered");
  return { raw: container.inputs, inputs: reveal<ContainerInputs>(container.inputs), resources };
}

describe("HardenedContainer baseline", () => {
  it("applies every baseline setting to a container that asks for nothing", async () => {
    const { inputs } = await inputsOf(minimal());
    expect(inputs.user).toBe("999:999");
    expect(inputs.readOnly).toBe(true);
    expect(inputs.privileged).toBe(false);
    expect(inputs.capabilities).toEqual({ drops: ["ALL"] });
    expect(inputs.securityOpts).toEqual(["no-new-privileges:true"]);
    expect(inputs.memory).toBe(256);
    expect(inputs.memorySwap).toBe(256);
    expect(inputs.cpus).toBe("0.5");
    expect(inputs.ulimits).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "nproc" }), expect.objectContaining({ name: "nofile" })]),
    );
    expect(inputs.healthcheck.tests).toEqual(["CMD", "true"]);
    expect(inputs.init).toBe(true);
    expect(inputs.restart).toBe("on-failure");
    expect(inputs.maxRetryCount).toBe(5);
    expect(inputs.logDriver).toBe("json-file");
    expect(inputs.logOpts).toEqual({ "max-size": "10m", "max-file": "5" });
    expect(inputs.networkMode).toBe("bridge");
    expect(inputs.pidMode).toBeUndefined();
    expect(inputs.ipcMode).toBeUndefined();
    expect(inputs.usernsMode).toBeUndefined();
    expect(inputs.volumes).toBeUndefined();
    expect(inputs.devices).toBeUndefined();
  });

  it("documents every baseline row with an anchor and every exception with a reason", () => {
    for (const row of BASELINE) expect(row.anchors.length, row.id).toBeGreaterThan(0);
    for (const ex of Object.values(EXCEPTIONS)) {
      expect(ex.why.length, ex.id).toBeGreaterThan(40);
      expect(BASELINE.some((b) => b.id === ex.relaxes), ex.id).toBe(true);
    }
  });

  it("mounts scratch tmpfs noexec,nosuid,nodev with a size cap and the service's ownership", async () => {
    const { inputs } = await inputsOf(minimal({ tmpfs: { "/tmp": { sizeMiB: 16 } } }));
    expect(inputs.tmpfs["/tmp"]).toBe("rw,nosuid,nodev,noexec,size=16m,mode=0700,uid=999,gid=999");
  });

  it("uploads secrets as 0400 files owned by the service uid, as Pulumi secrets, through the seed onto a volume the service reads only", async () => {
    const { inputs, resources } = await inputsOf(
      minimal({ secretFiles: [{ name: "redis-password", content: "plain-text-in-test-only-0123456789" }] }),
    );
    const [seed] = seedContainersOf(resources);
    const wireUploads = maskedInputs(seed!).uploads as Record<string, unknown>[];
    expect(wireUploads).toContainEqual({ file: "/run/secrets/redis-password", content: "[secret]", permissions: "0400", owner: "999", group: "999" });
    expect(reveal<NonNullable<ContainerInputs["uploads"]>>(seed!.inputs.uploads)).toContainEqual(expect.objectContaining({ content: "plain-text-in-test-only-0123456789" }));
    // The service receives no upload (the engine refuses them into a read-only root) and mounts the
    // seeded volume read-only; the seed mounts the same volume read-write.
    expect(inputs.uploads ?? []).toEqual([]);
    expect(inputs.mounts).toEqual([
      expect.objectContaining({ type: "volume", target: "/run/secrets", readOnly: true, volumeOptions: { noCopy: true } }),
    ]);
    const seedMounts = reveal<ContainerInputs["mounts"]>(seed!.inputs.mounts);
    expect(seedMounts).toEqual([{ ...inputs.mounts[0]!, readOnly: false }]);
    expect(resources.filter((r) => r.type === "docker:index/volume:Volume")).toHaveLength(1);
  });

  it("creates no seed for a container without files", async () => {
    const { resources, inputs } = await inputsOf(minimal());
    expect(containersOf(resources)).toHaveLength(1);
    expect(inputs.labels.map((l) => l.label)).not.toContain("rampart.seed-id");
  });

  it("uploads config files root-owned and read-only, and keeps plain configs plain", async () => {
    const { resources } = await inputsOf(
      minimal({
        configFiles: [{ path: "/etc/redis/redis.conf", content: "port 6379\n" }],
        secretFiles: [{ name: "redis-password", content: "plain-text-in-test-only-0123456789" }],
      }),
    );
    const upload = (maskedInputs(seedContainersOf(resources)[0]!).uploads as Record<string, unknown>[])[0]!;
    expect(upload).toMatchObject({ file: "/etc/redis/redis.conf", content: "port 6379\n", permissions: "0444", owner: "0", group: "0" });
  });

  it("publishes admin/vpc ports only on the given private or loopback address", async () => {
    const { inputs } = await inputsOf(minimal({ ports: [{ portId: "redis", hostIp: "10.0.1.5" }] }));
    expect(inputs.ports).toEqual([{ internal: 6379, external: 6379, ip: "10.0.1.5", protocol: "tcp" }]);
  });
});

describe("HardenedContainer refuses insecure input", () => {
  const refuses = (overrides: Partial<HardenedContainerArgs>, message: RegExp) =>
    expect(() => new HardenedContainer(`bad-${Math.random().toString(36).slice(2)}`, minimal(overrides))).toThrow(message);

  it("refuses the latest tag, untagged and floating tags", () => {
    refuses({ image: "redis:latest" }, /redis: image "redis:latest" uses the tag "latest"/);
    refuses({ image: "redis" }, /is not pinned/);
    refuses({ image: "redis:8-alpine" }, /floating tag "8-alpine"/);
    refuses({ image: "redis@sha256:abc" }, /malformed digest/);
  });

  it("refuses an image below its version floor", () => {
    refuses({ image: "coturn/coturn:4.6.2" }, /redis: image "coturn\/coturn:4\.6\.2" is coturn 4\.6\.2, below the floor 4\.13\.0/);
  });

  it("accepts an exact tag, a digest, or both", () => {
    for (const image of ["redis:8.2.2", "redis@sha256:" + "a".repeat(64), "registry.example.com:5000/x/redis:8.2.2-alpine@sha256:" + "b".repeat(64)]) {
      expect(() => new HardenedContainer(`ok-${image.length}-${Math.random()}`, minimal({ image }))).not.toThrow();
    }
  });

  it("refuses admin and vpc ports on 0.0.0.0, ::, or a public address, naming the port", () => {
    refuses({ ports: [{ portId: "redis", hostIp: "0.0.0.0" }] }, /port "redis" \(vpc class\) must not bind 0\.0\.0\.0/);
    refuses({ ports: [{ portId: "redis", hostIp: "::" }] }, /port "redis" \(vpc class\) must not bind ::/);
    refuses({ ports: [{ portId: "redis", hostIp: "203.0.113.7" }] }, /port "redis" .* must bind a loopback or private address/);
  });

  it("refuses an admin port on 0.0.0.0 that arrives as an Output, when it resolves", async () => {
    // The bind address is checked inside the Output chain that feeds the container's ports.
    const out = checkedBindAddress(port("gateway-metrics"), pulumi.output("0.0.0.0"), "gateway") as pulumi.Output<string>;
    expect((await outputError(out))?.message).toMatch(/must not bind 0\.0\.0\.0/);
    const good = checkedBindAddress(port("gateway-metrics"), pulumi.output("10.0.1.5"), "gateway") as pulumi.Output<string>;
    expect(await outputError(good)).toBeUndefined();
  });

  it("refuses a port of another service", () => {
    refuses({ ports: [{ portId: "elasticsearch-http", hostIp: "127.0.0.1" }] }, /belongs to elasticsearch, not redis/);
  });

  it("refuses root and non-numeric users", () => {
    refuses({ uid: 0 }, /uid 0 \(root\) is refused/);
    refuses({ uid: 1.5 }, /uid must be a numeric id/);
  });

  it("refuses secret-looking environment variables but allows *_FILE paths", () => {
    refuses({ env: { REDIS_PASSWORD: "x" } }, /REDIS_PASSWORD looks like a secret.*REDIS_PASSWORD_FILE/);
    refuses({ env: { JWT_SECRET: "x" } }, /JWT_SECRET looks like a secret/);
    // The same names the policy pack reports: the two used to disagree on this one.
    refuses({ env: { AWS_ACCESS_KEY: "x" } }, /AWS_ACCESS_KEY looks like a secret/);
    expect(() => new HardenedContainer("env-public-key", minimal({ env: { LIVEKIT_API_KEY: "APIxyz" } }))).not.toThrow();
    expect(() => new HardenedContainer("env-file", minimal({ env: { REDIS_PASSWORD_FILE: "/run/secrets/p" } }))).not.toThrow();
  });

  it("fails the deployment when an environment value is a Pulumi secret", async () => {
    const envs = containerEnvs({ INNOCENT_NAME: pulumi.secret("s3cr3t") }, "redis");
    expect((await outputError(envs))?.message).toMatch(/INNOCENT_NAME holds a secret value/);
    expect(await outputError(containerEnvs({ INNOCENT_NAME: "plain" }, "redis"))).toBeUndefined();
  });

  it("fails the deployment when an environment value is a credential whatever its name, without echoing it", async () => {
    const url = await outputError(containerEnvs({ UPSTREAM: "redis://gateway:hunter2@redis:6379" }, "gateway"));
    expect(url?.message).toMatch(/UPSTREAM holds credentials inside a URL/);
    expect(url?.message).not.toContain("hunter2");
    expect((await outputError(containerEnvs({ BLOB: "-----BEGIN PRIVATE KEY-----\nabc" }, "gateway")))?.message).toMatch(/BLOB holds a private key/);
    expect(await outputError(containerEnvs({ UPSTREAM: "redis://redis:6379" }, "gateway"))).toBeUndefined();
  });

  it("requires a healthcheck and resource limits", () => {
    refuses({ healthcheck: { test: [] as unknown as ["CMD"] } }, /a healthcheck is required/);
    refuses({ healthcheck: { test: ["NONE"] } }, /a healthcheck is required/);
    refuses({ memoryMiB: 0 }, /memoryMiB must be/);
    refuses({ cpus: 0 }, /cpus must be > 0/);
  });

  it("refuses uploads onto a tmpfs or outside absolute paths, and secrets disguised as config", () => {
    refuses({ tmpfs: { "/etc/redis": {} }, configFiles: [{ path: "/etc/redis/redis.conf", content: "" }] }, /a tmpfs/);
    refuses({ configFiles: [{ path: "etc/redis.conf", content: "" }] }, /must be absolute/);
    refuses({ configFiles: [{ path: "/run/secrets/x", content: "" }] }, /pass secrets as secretFiles/);
    refuses({ secretFiles: [{ name: "../x", content: "" }] }, /secret file name/);
  });

  it("requires at least one user-defined network (never the default bridge)", () => {
    refuses({ networks: [] }, /attach at least one user-defined network/);
  });

  it("reports a refusal against the container it stops, with the check's message", () => {
    const caught = thrown(() => new HardenedContainer("refused-root", minimal({ uid: 0 })));
    expect(pulumi.ResourceError.isInstance(caught)).toBe(true);
    expect((caught as pulumi.ResourceError).resource).toBeInstanceOf(HardenedContainer);
    expect((caught as Error).message).toMatch(/^redis: uid 0 \(root\) is refused/);
  });
});

describe("HardenedContainer exceptions", () => {
  const refuses = (overrides: Partial<HardenedContainerArgs>, message: RegExp) =>
    expect(() => new HardenedContainer(`ex-${Math.random().toString(36).slice(2)}`, minimal(overrides))).toThrow(message);

  it("host networking needs the host-network exception", () => {
    refuses({ hostNetwork: true, networks: [] }, /uses host networking.*needs the named exception "host-network"/);
  });

  it("a port below 1024 bound inside the container needs net-bind-service", () => {
    refuses(
      { service: "edge", image: "nginxinc/nginx-unprivileged:1.28.0-alpine", ports: [{ portId: "edge-https", hostIp: "127.0.0.1" }] },
      /binds port\(s\) 443.*"net-bind-service"/,
    );
  });

  it("an exec tmpfs needs exec-tmp, and memlock needs memlock", () => {
    refuses({ tmpfs: { "/tmp": { exec: true } } }, /mounts \/tmp with exec.*"exec-tmp"/);
    refuses({ memlockUnlimited: true }, /raises the memlock ulimit.*"memlock"/);
  });

  it("refuses exceptions that nothing uses", () => {
    for (const id of Object.keys(EXCEPTIONS).filter((e) => e !== "upload-seed")) {
      refuses({ exceptions: [id as ServiceExceptionId] }, new RegExp(`names the exception "${id}" but does not use it`));
    }
    refuses({ exceptions: ["privileged" as never] }, /unknown baseline exception "privileged"/);
  });

  it("refuses upload-seed from a service: only HardenedContainer's own seed gets a writable root", () => {
    refuses({ exceptions: ["upload-seed" as never] }, /"upload-seed", which HardenedContainer applies only to its own never-started seed/);
    refuses(
      { exceptions: ["upload-seed" as never], configFiles: [{ path: "/etc/redis/redis.conf", content: "port 6379\n" }] },
      /"upload-seed", which HardenedContainer applies only/,
    );
  });

  it("applies each exception exactly as named", async () => {
    const host = await inputsOf(
      minimal({ service: "coturn", image: "coturn/coturn:4.17.2-r0", hostNetwork: true, networks: [], hostNetworkPorts: ["turn-udp"], exceptions: ["host-network"] }),
    );
    expect(host.inputs.networkMode).toBe("host");
    expect(host.inputs.ports).toBeUndefined();
    expect(host.inputs.capabilities).toEqual({ drops: ["ALL"] });

    const low = await inputsOf(
      minimal({
        service: "edge",
        image: "nginxinc/nginx-unprivileged:1.28.0-alpine",
        ports: [{ portId: "edge-https", hostIp: "127.0.0.1" }],
        exceptions: ["net-bind-service"],
      }),
    );
    expect(low.inputs.capabilities).toEqual({ drops: ["ALL"], adds: ["NET_BIND_SERVICE"] });

    const exec = await inputsOf(minimal({ tmpfs: { "/tmp": { exec: true } }, exceptions: ["exec-tmp"] }));
    expect(exec.inputs.tmpfs["/tmp"]).toMatch(/^rw,nosuid,nodev,exec,/);

    const memlock = await inputsOf(minimal({ memlockUnlimited: true, exceptions: ["memlock"] }));
    expect(memlock.inputs.ulimits).toContainEqual({ name: "memlock", soft: -1, hard: -1 });
  });

  it("a published port remapped above 1024 inside the container needs no exception", async () => {
    const { inputs } = await inputsOf(
      minimal({
        service: "edge",
        image: "nginxinc/nginx-unprivileged:1.28.0-alpine",
        ports: [{ portId: "edge-https", hostIp: "127.0.0.1", containerPort: 8443 }],
      }),
    );
    expect(inputs.ports).toEqual([{ internal: 8443, external: 443, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(inputs.capabilities).toEqual({ drops: ["ALL"] });
  });
});

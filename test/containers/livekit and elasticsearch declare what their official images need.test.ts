/**
 * LiveKit's and Elasticsearch's official images cannot be had on this machine (no registry). LiveKit runs
 * here as the same release built from its Go module ("livekit carries media through its hardened
 * container, coturn and a second node.test.ts"); Elasticsearch does not run at all. What is checked here is
 * that the settings their components declare fit what the official images need: the user the image's
 * files belong to, the paths the software writes, the binaries the entrypoint and healthcheck call, the
 * kernel limits it asks for. Each fact below names its source.
 */
import { describe, expect, it } from "vitest";
import { portsOfService } from "@rampart/catalogue";
import { Elasticsearch } from "../../components/containers/services/elasticsearch";
import { Livekit } from "../../components/containers/services/livekit";
import { captureResources, serviceAndHelpers, type CapturedResource } from "./support/capture";
import { prove, summary } from "./support/summary";

interface Upload { file: string; permissions?: string; owner?: string; group?: string }
interface Mount { type: string; target: string; source?: string }

const tmpfsOf = (c: CapturedResource) => (c.inputs.tmpfs ?? {}) as Record<string, string>;
const mountsOf = (c: CapturedResource) => (c.inputs.mounts ?? []) as Mount[];
const uploadsOf = (c: CapturedResource) => (c.inputs.uploads ?? []) as Upload[];
const envOf = (c: CapturedResource) => Object.fromEntries(((c.inputs.envs ?? []) as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
const addsOf = (c: CapturedResource) => ((c.inputs.capabilities as { adds?: string[] } | undefined)?.adds ?? []);
/** True when `path` lies on a writable tmpfs or volume the container declares. */
const writable = (c: CapturedResource, path: string) =>
  Object.keys(tmpfsOf(c)).some((t) => path === t || path.startsWith(`${t}/`)) ||
  mountsOf(c).some((m) => path === m.target || path.startsWith(`${m.target}/`));

/** The service container; its files arrive through a never-started seed (the helpers). */
const serviceOf = (resources: CapturedResource[], what: string) => serviceAndHelpers(resources, what).service;

async function livekit(target: "aws" | "local"): Promise<CapturedResource> {
  return serviceOf(
    await captureResources(() => {
      new Livekit("livekit", {
        target,
        hostNetwork: target === "aws",
        ...(target === "aws" ? { privateAddress: "10.0.1.10" } : { networks: [{ name: "rampart-internal" }], publishAddress: "127.0.0.1", nodeIp: "127.0.0.1" }),
        redis: { host: "10.0.1.20", password: "p".repeat(48) },
      });
      return undefined;
    }),
    "Livekit",
  );
}

describe("LiveKit's declared container fits the official livekit/livekit-server image", () => {
  // Source: livekit/livekit, Dockerfile (commit 2b73e7cac52ca7323f6863270a289db0e42d0ed6):
  //   final stage `FROM alpine`, `COPY --from=builder /workspace/livekit-server /livekit-server`,
  //   `ENTRYPOINT ["/livekit-server"]`, no USER line (the image runs as root unless told otherwise), and the
  //   binary is built with CGO_ENABLED=0 (static: it needs no files of its own user).
  for (const target of ["aws", "local"] as const) {
    it(`${target}: runs as a numeric non-root uid instead of the image's root default`, async () => {
      const c = await livekit(target);
      const [uid] = String(c.inputs.user).split(":").map(Number);
      expect(uid).toBeGreaterThan(0);
      expect(String(c.inputs.user)).toMatch(/^\d+:\d+$/);
      prove(`livekit (${target}, declaration)`, `runs as ${String(c.inputs.user)}, overriding the image's root default (no USER in livekit/livekit Dockerfile)`);
    });

    it(`${target}: its start command and healthcheck use only what the alpine base ships, and what it writes is writable`, async () => {
      const c = await livekit(target);
      const entry = (c.inputs.entrypoints ?? []) as string[];
      // alpine's busybox provides /bin/sh and wget (alpine base image: busybox applets).
      expect(entry[0]).toBe("/bin/sh");
      const script = entry.join(" ");
      expect(script).toContain("/livekit-server");
      const test = ((c.inputs.healthcheck as { tests: string[] }).tests);
      expect(["wget", "/bin/sh"].some((b) => test.slice(1).join(" ").startsWith(b)) || test[1] === "wget").toBe(true);
      // The entrypoint merges config and secret into a file: that file must be on writable scratch.
      const written = [...script.matchAll(/>\s*'?([^'\s;&]+)'?/g)].map((m) => m[1]!);
      expect(written.length).toBeGreaterThan(0);
      for (const path of written) expect(writable(c, path), `${path} is writable`).toBe(true);
      expect(c.inputs.readOnly).toBe(true);
      prove(`livekit (${target}, declaration)`, `entrypoint /bin/sh and healthcheck wget come with alpine; it writes only ${written.join(", ")} on its tmpfs; root read-only`);
    });

    it(`${target}: needs no capability: every LiveKit port in the catalogue is above 1023`, async () => {
      const c = await livekit(target);
      expect(portsOfService("livekit").every((p) => p.from >= 1024)).toBe(true);
      expect(addsOf(c)).toEqual([]);
      expect((c.inputs.capabilities as { drops?: string[] }).drops).toEqual(["ALL"]);
      expect(c.inputs.networkMode).toBe(target === "aws" ? "host" : "bridge");
      prove(`livekit (${target}, declaration)`, `no added capability (all catalogue ports ≥ 1024); network ${String(c.inputs.networkMode)}${target === "aws" ? " by the named host-network exception" : ""}`);
    });
  }
});

describe("Elasticsearch's declared container fits the official elasticsearch image", () => {
  const declareAll = async () =>
    serviceAndHelpers(
      await captureResources(
        () => {
          new Elasticsearch("elasticsearch", {
            network: { name: "rampart-internal", ipv4Address: "10.0.1.30" },
          });
          return undefined;
        },
        { inertTls: true },
      ),
      "Elasticsearch",
    );
  const declare = async () => (await declareAll()).service;
  const ES = "/usr/share/elasticsearch";

  it("runs as uid 1000, gid 0: the owner of the image's writable directories", async () => {
    // Source: elastic/elasticsearch distribution/docker/src/docker/dockerfiles/default/Dockerfile
    // (commit 0729e2cac0970fa2ec1cc438cc2a58ddc1b1c3d4): `groupadd -g 1000 elasticsearch && adduser --uid 1000
    // --gid 1000 ...`, `USER 1000:0`, `chown elasticsearch bin config config/jvm.options.d data logs plugins`.
    const c = await declare();
    expect(c.inputs.user).toBe("1000:0");
    prove("elasticsearch (declaration)", "runs as 1000:0 like the official image's USER");
  });

  it("declares writable data, logs, config (keystore) and an exec-capable ES_TMPDIR, and nothing else writable", async () => {
    const c = await declare();
    // Same Dockerfile: data and logs are the node's state; config must be writable because the entrypoint
    // (distribution/docker/src/docker/bin/docker-entrypoint.sh) runs `elasticsearch-keystore create` and adds
    // `bootstrap.password` from ELASTIC_PASSWORD_FILE into config/elasticsearch.keystore.
    for (const path of [`${ES}/data`, `${ES}/logs`, `${ES}/config`]) expect(writable(c, path), `${path} writable`).toBe(true);
    expect(c.inputs.readOnly).toBe(true);
    // Source: Elastic docs "Ensure JNA temporary directory permits executables": JNA and libffi extract
    // native code into $ES_TMPDIR and map it executable, so that directory must not be noexec.
    const env = envOf(c);
    expect(env.ES_TMPDIR).toBeDefined();
    const tmpfs = tmpfsOf(c);
    expect(tmpfs[env.ES_TMPDIR!], "ES_TMPDIR is a tmpfs").toBeDefined();
    expect(tmpfs[env.ES_TMPDIR!]).not.toContain("noexec");
    // The exec exception covers only that directory: every other tmpfs stays noexec.
    for (const [path, opts] of Object.entries(tmpfs)) if (path !== env.ES_TMPDIR) expect(opts, path).toContain("noexec");
    prove("elasticsearch (declaration)", `writable data/logs/config; ES_TMPDIR=${env.ES_TMPDIR} is the only exec tmpfs (JNA), all others noexec`);
  });

  it("gets the password file the entrypoint reads, readable by uid 1000 only", async () => {
    const { service: c, helpers } = await declareAll();
    const env = envOf(c);
    // docker-entrypoint.sh: ELASTIC_PASSWORD_FILE must exist and be readable, and is mutually exclusive
    // with ELASTIC_PASSWORD (which would put the password in the environment).
    expect(env.ELASTIC_PASSWORD).toBeUndefined();
    // The file travels in the never-started seed, onto a volume the service mounts at its directory.
    expect(helpers).toHaveLength(1);
    const seed = helpers[0]!;
    const file = uploadsOf(seed).find((u) => u.file === env.ELASTIC_PASSWORD_FILE);
    expect(file, "ELASTIC_PASSWORD_FILE is uploaded").toBeDefined();
    expect(file).toMatchObject({ permissions: "0400", owner: "1000" });
    expect(seed.secretPaths.some((p) => p.startsWith("uploads"))).toBe(true);
    const dir = env.ELASTIC_PASSWORD_FILE!.slice(0, env.ELASTIC_PASSWORD_FILE!.lastIndexOf("/"));
    expect(mountsOf(c).some((m) => m.target === dir), `${dir} mounted in the service`).toBe(true);
    prove("elasticsearch (declaration)", "ELASTIC_PASSWORD_FILE is a 0400 file owned by 1000, uploaded as a Pulumi secret; no ELASTIC_PASSWORD in env");
  });

  it("raises memlock and nofile as Elasticsearch requires, and adds no capability", async () => {
    const c = await declare();
    const ulimits = Object.fromEntries(((c.inputs.ulimits ?? []) as { name: string; soft: number; hard: number }[]).map((u) => [u.name, u]));
    // Elastic docs "Disable swapping" (bootstrap.memory_lock) with Docker: `--ulimit memlock=-1:-1`.
    expect(ulimits.memlock).toMatchObject({ soft: -1, hard: -1 });
    // Elastic docs "File descriptors": at least 65,535.
    expect(ulimits.nofile?.soft).toBeGreaterThanOrEqual(65_535);
    expect(addsOf(c)).toEqual([]);
    // The container's own ports (OpenSearch Service's 443 on aws-scale is a managed endpoint, not this container).
    const containerPorts = portsOfService("elasticsearch").filter((p) => (p.platforms ?? ["docker"]).includes("docker"));
    expect(containerPorts.length).toBeGreaterThan(0);
    expect(containerPorts.every((p) => p.from >= 1024)).toBe(true);
    prove("elasticsearch (declaration)", "memlock unlimited (memlock exception), nofile ≥ 65535, no added capability (ports 9200/9300)");
  });

  it("prints what was checked", () => {
    console.log(summary("LiveKit and Elasticsearch declarations checked against their official images:"));
  });
});

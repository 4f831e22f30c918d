import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import ipaddr from "ipaddr.js";
import { port as catalogued, PORTS } from "@rampart/catalogue";
import { assertPinnedImage } from "../../components/containers/image-ref";
import { RampartContainers } from "../../components/containers/stack";
import { capture, containersOf, maskedInputs, reveal, seedFor, serviceContainersOf, type CapturedResource, type ContainerInputs } from "./support/capture";
import { buildStack } from "./support/stacks";
import { thrown } from "./support/thrown";

const SERVICES = ["livekit", "coturn", "gateway", "elasticsearch", "redis", "edge", "prometheus", "alertmanager", "grafana", "blackbox"] as const;
/** The one service without a secret: the blackbox exporter holds only public certificates. */
const WITHOUT_SECRETS = new Set(["blackbox"]);

function serviceOf(c: ContainerInputs): string {
  return (c.labels as { label: string; value: string }[]).find((l) => l.label === "rampart.service")!.value;
}

for (const target of ["local", "aws"] as const) {
  describe(`${target} stack`, () => {
    let resources: CapturedResource[];
    let containers: ContainerInputs[];
    beforeAll(async () => {
      resources = await capture(() => buildStack(target));
      containers = serviceContainersOf(resources).map((r) => reveal<ContainerInputs>(r.inputs));
    });

    it("declares exactly one running container per service (plus one never-started upload seed each)", () => {
      expect(containers.map(serviceOf).sort()).toEqual([...SERVICES].sort());
      const seeds = containersOf(resources).filter((r) => r.inputs.start === false);
      expect(seeds.map((r) => serviceOf(reveal(r.inputs))).sort()).toEqual([...SERVICES].sort());
    });

    it("runs every container as a numeric non-root user, read-only, without capabilities or new privileges", () => {
      for (const c of containers) {
        const m = /^(\d+):(\d+)$/.exec(c.user);
        expect(m, `${c.name} user`).not.toBeNull();
        expect(Number(m![1]), `${c.name} uid`).toBeGreaterThan(0);
        expect(c.readOnly, c.name).toBe(true);
        expect(c.privileged, c.name).toBe(false);
        expect(c.capabilities.drops, c.name).toEqual(["ALL"]);
        expect(c.capabilities.adds, c.name).toBeUndefined();
        expect(c.securityOpts, c.name).toContain("no-new-privileges:true");
      }
    });

    it("limits memory (no swap), CPU and processes, and sets healthcheck, restart, log rotation and init", () => {
      for (const c of containers) {
        expect(c.memory, c.name).toBeGreaterThan(0);
        expect(c.memorySwap, c.name).toBe(c.memory);
        expect(Number(c.cpus), c.name).toBeGreaterThan(0);
        expect(c.ulimits.find((u) => u.name === "nproc")?.hard, c.name).toBeGreaterThan(0);
        expect(c.healthcheck.tests.length, c.name).toBeGreaterThan(1);
        expect(c.restart, c.name).toBe("on-failure");
        expect(c.logOpts["max-size"], c.name).toBeDefined();
        expect(c.init, c.name).toBe(true);
      }
    });

    it("relaxes the baseline only where an exception is named: exec tmp and memlock for Elasticsearch alone", () => {
      for (const c of containers) {
        const isEs = serviceOf(c) === "elasticsearch";
        const execMounts = Object.entries(c.tmpfs as Record<string, string>).filter(([, o]) => !o.split(",").includes("noexec"));
        expect(execMounts.map(([p]) => p), c.name).toEqual(isEs ? ["/tmp"] : []);
        for (const [, o] of Object.entries(c.tmpfs as Record<string, string>)) expect(o, c.name).toMatch(/nosuid,nodev/);
        expect(c.ulimits.some((u) => u.name === "memlock"), c.name).toBe(isEs);
        expect(c.pidMode ?? c.ipcMode ?? c.usernsMode, c.name).toBeUndefined();
        for (const m of c.mounts as { type: string; source: string }[]) {
          expect(m.type, `${c.name} mounts ${m.source}`).toBe("volume");
          expect(m.source, c.name).not.toMatch(/docker\.sock|^\//);
        }
      }
    });

    it("pins every image", () => {
      for (const c of containers) expect(() => assertPinnedImage(c.image, c.name)).not.toThrow();
    });

    it("never binds an admin or vpc port to a wildcard or public address", () => {
      for (const c of containers) {
        for (const p of (c.ports ?? []) as { external: number; protocol: string; ip: string }[]) {
          const entry = PORTS.find((e) => e.protocol === p.protocol && p.external >= e.from && p.external <= e.to && e.service === serviceOf(c));
          expect(entry, `${c.name} publishes ${p.external}/${p.protocol}, which is not in the catalogue`).toBeDefined();
          if (entry!.class === "admin" || entry!.class === "vpc") {
            expect(["loopback", "private"], `${c.name} ${entry!.id} on ${p.ip}`).toContain(ipaddr.process(p.ip).range());
          }
        }
      }
    });

    it("keeps secrets out of the environment and in 0400 files owned by the service uid, as secrets", () => {
      for (const r of serviceContainersOf(resources)) {
        const c = reveal<ContainerInputs>(r.inputs);
        const uid = String(c.user).split(":")[0];
        for (const e of (c.envs ?? []) as string[]) {
          const [name] = e.split("=");
          expect(name, `${c.name} env ${name}`).not.toMatch(/(SECRET|PASSWORD|TOKEN|PRIVATE_KEY)(?!.*_FILE$)/);
        }
        // The files travel in the service's seed (a read-only root cannot receive uploads).
        const wire = maskedInputs(seedFor(resources, r)).uploads as Record<string, unknown>[];
        const secrets = wire.filter((u) => String(u.file).startsWith("/run/secrets/") || String(u.file).endsWith(".key"));
        if (WITHOUT_SECRETS.has(serviceOf(c))) expect(secrets, `${c.name} has no secret`).toEqual([]);
        else expect(secrets.length, `${c.name} has secret files`).toBeGreaterThan(0);
        for (const s of secrets) {
          expect(s, `${c.name} ${String(s.file)}`).toMatchObject({ content: "[secret]", permissions: "0400", owner: uid });
        }
      }
    });

    it("hands the gateway its fan-out MAC key as a secret file, and the anomaly allowlist when set", async () => {
      const gateway = containers.find((c) => serviceOf(c) === "gateway")!;
      expect(gateway.envs).toContain("FANOUT_KEY_FILE=/run/secrets/fanout-key");
      expect((gateway.envs as string[]).some((e) => e.startsWith("FANOUT_KEY="))).toBe(false);
      const seed = maskedInputs(seedFor(resources, serviceContainersOf(resources).find((r) => serviceOf(reveal<ContainerInputs>(r.inputs)) === "gateway")!));
      expect((seed.uploads as Record<string, unknown>[]).find((u) => u.file === "/run/secrets/fanout-key")).toMatchObject({ content: "[secret]", permissions: "0400" });
      expect((gateway.envs as string[]).filter((e) => e.startsWith("ANOMALY_ALLOWLIST="))).toEqual([]);
      const withList = await capture(() => buildStack(target, { gatewayAnomalyAllowlist: ["198.51.100.0/24", "2001:db8::/48"] }));
      const listed = serviceContainersOf(withList).map((r) => reveal<ContainerInputs>(r.inputs)).find((c) => serviceOf(c) === "gateway")!;
      expect(listed.envs).toContain("ANOMALY_ALLOWLIST=198.51.100.0/24,2001:db8::/48");
    });

    it("keeps configuration files readable by policies (not secret) and root-owned", () => {
      const expected: Record<string, string> = {
        livekit: "/etc/livekit/livekit.yaml",
        coturn: "/etc/coturn/turnserver.conf",
        redis: "/etc/redis/redis.conf",
        edge: "/etc/nginx/nginx.conf",
        elasticsearch: "/usr/share/elasticsearch/config/elasticsearch.yml",
      };
      for (const r of serviceContainersOf(resources)) {
        const service = serviceOf(reveal(r.inputs));
        const file = expected[service];
        if (!file) continue;
        const upload = (maskedInputs(seedFor(resources, r)).uploads as Record<string, unknown>[]).find((u) => u.file === file);
        expect(upload, `${service} uploads ${file}`).toBeDefined();
        expect(typeof upload!.content === "string" && upload!.content !== "[secret]", `${file} readable`).toBe(true);
        expect(upload!.owner).toBe("0");
      }
      const redis = serviceContainersOf(resources).find((r) => serviceOf(reveal(r.inputs)) === "redis")!;
      const acl = (maskedInputs(seedFor(resources, redis)).uploads as Record<string, unknown>[]).find((u) => u.file === "/etc/redis/users.acl");
      expect(acl?.content).toMatch(/^user default off/);
    });

    it("puts Elasticsearch and Redis only on the internal network, which has no route out", () => {
      const internal = resources.find((r) => r.type === "docker:index/network:Network" && (r.inputs.name as string).endsWith("-internal"))!;
      expect(internal.inputs.internal).toBe(true);
      for (const c of containers.filter((x) => ["elasticsearch", "redis"].includes(serviceOf(x)))) {
        expect((c.networksAdvanced ?? []).map((n) => n.name), c.name).toEqual([internal.inputs.name]);
        expect(c.ports ?? [], c.name).toEqual([]);
      }
    });
  });
}

describe("target-specific exposure", () => {
  it("local: only the edge proxy, LiveKit media, TURN and the admin ports (metrics, Prometheus, Alertmanager, Grafana) are published, all on 127.0.0.1, without host networking", async () => {
    const containers = serviceContainersOf(await capture(() => buildStack("local"))).map((r) => reveal<ContainerInputs>(r.inputs));
    const published = new Set<string>();
    for (const c of containers) {
      expect(c.networkMode, c.name).toBe("bridge");
      for (const p of (c.ports ?? []) as { ip: string; external: number; protocol: string }[]) {
        expect(p.ip, `${c.name} ${p.external}`).toBe("127.0.0.1");
        published.add(serviceOf(c));
      }
    }
    expect([...published].sort()).toEqual(["coturn", "edge", "gateway", "livekit", "prometheus", "alertmanager", "grafana"].sort());
    // The monitoring services publish their admin-class UI port and nothing else.
    for (const [service, id] of [["prometheus", "prometheus-http"], ["alertmanager", "alertmanager-http"], ["grafana", "grafana-http"]] as const) {
      const c = containers.find((x) => serviceOf(x) === service)!;
      expect(catalogued(id).class).toBe("admin");
      expect(c.ports, service).toEqual([{ internal: catalogued(id).from, external: catalogued(id).from, ip: "127.0.0.1", protocol: "tcp" }]);
    }
    // The gateway publishes only its admin metrics port (on loopback), never its API.
    const gateway = containers.find((c) => serviceOf(c) === "gateway")!;
    expect(gateway.ports).toEqual([{ internal: catalogued("gateway-metrics").from, external: catalogued("gateway-metrics").from, ip: "127.0.0.1", protocol: "tcp" }]);
    const livekit = containers.find((c) => serviceOf(c) === "livekit")!;
    expect((livekit.ports ?? []).map((p) => `${p.external}/${p.protocol}`).sort()).toEqual(["7881/tcp", "7882/udp"]);
  });

  it("left to its defaults, the gateway allows the edge's own origin, written as a browser sends it", async () => {
    for (const [target, origin] of [["local", "https://localhost"], ["aws", "https://app.example.com"]] as const) {
      const containers = serviceContainersOf(await capture(() => buildStack(target))).map((r) => reveal<ContainerInputs>(r.inputs));
      const gateway = containers.find((c) => serviceOf(c) === "gateway")!;
      expect((gateway.envs as string[]).filter((e) => e.startsWith("ALLOWED_ORIGINS="))).toEqual([`ALLOWED_ORIGINS=${origin}`]);
    }
  });

  it("aws: host networking for LiveKit and coturn only; the rest on bridge networks", async () => {
    const containers = serviceContainersOf(await capture(() => buildStack("aws"))).map((r) => reveal<ContainerInputs>(r.inputs));
    for (const c of containers) {
      const hostNet = ["livekit", "coturn"].includes(serviceOf(c));
      expect(c.networkMode, c.name).toBe(hostNet ? "host" : "bridge");
    }
    const gateway = containers.find((c) => serviceOf(c) === "gateway")!;
    expect(gateway.ports).toEqual([expect.objectContaining({ external: 9464, ip: "10.40.1.10" })]);
    const edge = containers.find((c) => serviceOf(c) === "edge")!;
    expect(edge.ports).toEqual([{ internal: 8443, external: 443, ip: "0.0.0.0", protocol: "tcp" }]);
  });

  it("aws: refuses a stack without the host's private address or the edge certificates", () => {
    expect(() => buildStack("aws", { bindAddress: undefined })).toThrow(/bindAddress .* required on aws/);
    expect(() => buildStack("aws", { edgeTls: undefined })).toThrow(/edgeTls required on aws/);
  });

  it("reports a refused stack against the RampartContainers resource it stops", () => {
    const caught = thrown(() => buildStack("aws", { bindAddress: undefined }));
    expect(pulumi.ResourceError.isInstance(caught)).toBe(true);
    expect((caught as pulumi.ResourceError).resource).toBeInstanceOf(RampartContainers);
  });
});

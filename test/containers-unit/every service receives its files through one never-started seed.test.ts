/**
 * The Docker engine refuses the provider's uploads into a read-only root ("container rootfs is marked
 * read-only"), so each service's config and secret files travel in a never-started seed container that
 * mounts the same volumes read-write. These tests pin that shape for every service of both stacks: the seed
 * can neither run nor reach anything, the service gets no upload and reads its file volumes read-only, and a
 * new seed (changed files) forces a new service through the `rampart.seed-id` label.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { SEED_ID_LABEL } from "../../components/containers/hardened-container";
import {
  capture,
  isSecretValue,
  maskedInputs,
  reveal,
  seedContainersOf,
  seedFor,
  serviceContainersOf,
  type CapturedResource,
  type ContainerInputs,
} from "./support/capture";
import { buildStack } from "./support/stacks";

type Labelled = { labels: { label: string; value: string }[] };
const label = (c: Labelled, name: string) => c.labels.find((l) => l.label === name)?.value;
const serviceOf = (c: Labelled) => label(c, "rampart.service")!;

/** True when `value` (raw mock inputs) is, or contains, a Pulumi secret. */
function holdsSecret(value: unknown): boolean {
  if (isSecretValue(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsSecret);
  return false;
}

for (const target of ["local", "aws"] as const) {
  describe(`${target} stack`, () => {
    let resources: CapturedResource[];
    let services: CapturedResource[];
    let seeds: CapturedResource[];
    beforeAll(async () => {
      resources = await capture(() => buildStack(target));
      services = serviceContainersOf(resources);
      seeds = seedContainersOf(resources);
    });

    it("gives every service with files exactly one seed, and every seed serves exactly one service", () => {
      expect(services).toHaveLength(10);
      const linked = services.map((s) => seedFor(resources, s).name);
      expect(new Set(linked).size).toBe(services.length);
      expect(linked.sort()).toEqual(seeds.map((s) => s.name).sort());
      for (const s of services) {
        const seed = reveal<ContainerInputs>(seedFor(resources, s).inputs);
        expect(serviceOf(seed), seed.name).toBe(serviceOf(reveal<ContainerInputs>(s.inputs)));
        expect(label(seed, "rampart.role"), seed.name).toBe("upload-seed");
      }
    });

    it("seeds can neither run nor reach anything: start and mustRun false, network none, no ports, no host namespace", () => {
      for (const r of seeds) {
        const c = reveal<ContainerInputs>(r.inputs);
        expect(c.start, c.name).toBe(false);
        expect(c.mustRun, c.name).toBe(false);
        expect(c.networkMode, c.name).toBe("none");
        expect(c.networksAdvanced ?? [], c.name).toEqual([]);
        expect(c.ports ?? [], c.name).toEqual([]);
        expect(c.pidMode ?? c.ipcMode ?? c.usernsMode, c.name).toBeUndefined();
        expect(c.restart, c.name).toBe("no");
        expect(c.healthcheck, c.name).toBeUndefined();
        // If started by hand anyway, it exits instead of running the service with a writable root.
        expect(c.entrypoints, c.name).toEqual(["/bin/true"]);
      }
    });

    it("seeds keep the hardening that does not depend on running: service image and numeric user, no capabilities, no-new-privileges, limits, rotated logs", () => {
      for (const s of services) {
        const svc = reveal<ContainerInputs>(s.inputs);
        const seed = reveal<ContainerInputs>(seedFor(resources, s).inputs);
        expect(seed.image, seed.name).toBe(svc.image);
        expect(seed.user, seed.name).toBe(svc.user);
        expect(seed.user, seed.name).toMatch(/^[1-9]\d*:\d+$/);
        expect(seed.privileged, seed.name).toBe(false);
        expect(seed.capabilities, seed.name).toEqual({ drops: ["ALL"] });
        expect(seed.securityOpts, seed.name).toEqual(["no-new-privileges:true"]);
        expect(seed.memory, seed.name).toBeLessThanOrEqual(32);
        expect(seed.memorySwap, seed.name).toBe(seed.memory);
        expect(seed.ulimits.find((u) => u.name === "nproc")?.hard, seed.name).toBeGreaterThan(0);
        expect(seed.logDriver, seed.name).toBe("json-file");
        expect(seed.logOpts["max-size"], seed.name).toBeDefined();
        // The one relaxation, the documented upload-seed exception.
        expect(seed.readOnly, seed.name).toBe(false);
        expect(seed.tmpfs ?? {}, seed.name).toEqual({});
      }
    });

    it("the service has no uploads, a read-only root, depends on its seed by label, and mounts every seeded file volume read-only", () => {
      for (const s of services) {
        const svc = reveal<ContainerInputs>(s.inputs);
        const seedRes = seedFor(resources, s);
        const seed = reveal<ContainerInputs>(seedRes.inputs);
        expect(svc.uploads ?? [], svc.name).toEqual([]);
        expect(svc.readOnly, svc.name).toBe(true);
        expect(label(svc, SEED_ID_LABEL), svc.name).toBe(`${seedRes.name}-id`);
        expect(seed.uploads!.length, seed.name).toBeGreaterThan(0);
        // Every upload lands on a volume the seed mounts read-write...
        for (const u of seed.uploads!) {
          const m = seed.mounts.find((x) => u.file.startsWith(`${x.target}/`));
          expect(m, `${seed.name} ${u.file} is on a mounted volume`).toBeDefined();
          expect(m!.readOnly, `${seed.name} mounts ${m!.target} writable`).toBe(false);
        }
        // ...that the service mounts at the same path: read-only, except a declared data volume the
        // service itself writes (Elasticsearch's config directory with its keystore).
        for (const m of seed.mounts) {
          const same = svc.mounts.find((x) => x.target === m.target);
          expect(same, `${svc.name} mounts ${m.target}`).toBeDefined();
          expect(same!.source, `${svc.name} ${m.target}`).toBe(m.source);
          expect(same!.volumeOptions, `${svc.name} ${m.target} copy semantics`).toEqual(m.volumeOptions);
          const writable = serviceOf(svc) === "elasticsearch" && m.target === "/usr/share/elasticsearch/config";
          expect(same!.readOnly, `${svc.name} ${m.target} read-only`).toBe(!writable);
        }
      }
    });

    it("keeps each file's owner and mode: secrets 0400 of the service uid and secret; configs root-owned 0444/0440", () => {
      for (const s of services) {
        const svc = reveal<ContainerInputs>(s.inputs);
        const [uid, gid] = svc.user.split(":");
        const seedRes = seedFor(resources, s);
        const rawUploads = seedRes.inputs.uploads as unknown[];
        const wire = maskedInputs(seedRes).uploads as Record<string, unknown>[];
        const revealed = reveal<NonNullable<ContainerInputs["uploads"]>>(rawUploads);
        revealed.forEach((u, i) => {
          const secret = wire[i]!.content === "[secret]";
          if (u.permissions === "0400") {
            expect(secret, `${u.file} is a Pulumi secret`).toBe(true);
            expect({ owner: u.owner, group: u.group }, u.file).toEqual({ owner: uid, group: gid });
          } else {
            expect(u.owner, u.file).toBe("0");
            expect(["0444", "0440"], u.file).toContain(u.permissions);
            expect(u.group, u.file).toBe(u.permissions === "0440" ? gid : "0");
          }
        });
        // Every service but the blackbox exporter (public certificates only) has secrets.
        const secrets = revealed.filter((u) => u.permissions === "0400").length;
        if (svc.name.endsWith("-blackbox")) expect(secrets, `${svc.name} has no secret`).toBe(0);
        else expect(secrets, `${svc.name} has secret files`).toBeGreaterThan(0);
      }
    });

    it("puts nothing secret in any label of the seeds or the services", () => {
      for (const r of [...services, ...seeds]) {
        expect(holdsSecret(r.inputs.labels), r.name).toBe(false);
        for (const l of maskedInputs(r).labels as { value: unknown }[]) expect(l.value, r.name).not.toBe("[secret]");
      }
    });

    it("Elasticsearch: the seed mounts the config volume with the image's content copied, as the service does", () => {
      const es = services.find((s) => serviceOf(reveal<ContainerInputs>(s.inputs)) === "elasticsearch")!;
      const seed = reveal<ContainerInputs>(seedFor(resources, es).inputs);
      const config = seed.mounts.find((m) => m.target === "/usr/share/elasticsearch/config");
      expect(config?.volumeOptions).toEqual({ noCopy: false });
      // The data volume receives no file: the seed does not mount it.
      expect(seed.mounts.map((m) => m.target)).not.toContain("/usr/share/elasticsearch/data");
      expect(seed.uploads!.map((u) => u.file)).toEqual(
        expect.arrayContaining(["/usr/share/elasticsearch/config/elasticsearch.yml", "/usr/share/elasticsearch/config/node.key", "/run/secrets/elastic-password"]),
      );
    });
  });
}

describe("rotation", () => {
  it("a changed secret changes only the seed's uploads; the service follows through the seed-id label (labels and uploads force replacement)", async () => {
    const before = await capture(() => buildStack("local", { secrets: { turnSecret: "a".repeat(48) } }));
    const coturnOf = (rs: CapturedResource[]) => serviceContainersOf(rs).find((s) => serviceOf(reveal<ContainerInputs>(s.inputs)) === "coturn")!;
    const b = coturnOf(before);
    const uploadsBefore = reveal<ContainerInputs>(seedFor(before, b).inputs).uploads;
    const after = await capture(() => buildStack("local", { secrets: { turnSecret: "b".repeat(48) } }));
    const a = coturnOf(after);
    const uploadsAfter = reveal<ContainerInputs>(seedFor(after, a).inputs).uploads;
    // The seed's inputs differ (so the provider replaces it and it gets a new id)...
    expect(uploadsAfter).not.toEqual(uploadsBefore);
    // ...while the service's own inputs are identical apart from the label that carries that id.
    const { labels: _lb, ...restBefore } = reveal<ContainerInputs>(b.inputs);
    const { labels: _la, ...restAfter } = reveal<ContainerInputs>(a.inputs);
    expect(restAfter).toEqual(restBefore);
    expect(label(reveal<ContainerInputs>(a.inputs), SEED_ID_LABEL)).toBe(`${seedFor(after, a).name}-id`);
  });
});

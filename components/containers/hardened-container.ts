/**
 * HardenedContainer: every Rampart container, with the baseline of ./baseline.ts applied and relaxed only
 * through named exceptions.
 *
 * Files: the Docker provider uploads files as a tar extracted at "/" before the container starts, and the
 * engine refuses any copy into a container whose root filesystem is read-only ("container rootfs is marked
 * read-only"), even when the file lands on a volume. So the service container carries no uploads. Config
 * and secret files land on small named volumes (one per directory) through a never-started "seed"
 * container (the `upload-seed` exception): same pinned image and user, every capability dropped,
 * no-new-privileges, `networkMode: "none"`, no ports, `start: false`, `mustRun: false`; only its root is
 * writable, because the engine accepts uploads nowhere else and no process ever runs in it. The service
 * mounts those volumes read-only and depends on the seed. Ownership and mode still protect the files:
 * configs root-owned 0444/0440, secrets 0400 owned by the service uid.
 *
 * Replacement: uploads force a new seed (the provider's `upload` is ForceNew), and the service carries the
 * seed's id in the `rampart.seed-id` label (labels are ForceNew too), so a config or secret rotation
 * replaces the service and it starts on the new files. Both containers have fixed names, so the provider
 * deletes before it replaces.
 *
 * A declared data volume that also receives files (Elasticsearch's config directory, seeded from the image
 * and holding the keystore the service writes at start) keeps its declared read-write access in the service;
 * the seed mounts it exactly as the service does (same image-content copy), so the engine seeds it from the
 * image when the seed is created, before the uploads land on it.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import type { ServiceName } from "@rampart/catalogue";
import { BASELINE_VALUES, exceptionOf, SEED_VALUES, type ServiceExceptionId } from "./baseline";
import { containerEnvs } from "./environment";
import { assertPinnedImage } from "./image-ref";
import { dockerPorts, listenedPorts, type PortBinding } from "./port-bindings";

export const SECRETS_DIR = "/run/secrets";
/** Label on the service container: the id of the seed that filled its file volumes. */
export const SEED_ID_LABEL = "rampart.seed-id";
/** Label on the seed container: what it is. */
export const SEED_ROLE_LABEL = "rampart.role";
export const SEED_ROLE = "upload-seed";
const PRIVILEGED_PORT_LIMIT = 1024;
const SECRET_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export interface ConfigFile {
  /** Absolute path inside the container. */
  readonly path: string;
  /** Plain text stays plain so policies can read it; text that embeds a secret must be a Pulumi secret. */
  readonly content: pulumi.Input<string>;
  /** 0444 (default) or 0440 with the service's group (for files it must read but others must not). */
  readonly mode?: "0444" | "0440";
}

export interface SecretFile {
  /** File name under /run/secrets. */
  readonly name: string;
  /**
   * Absolute path instead of /run/secrets/<name>, for a server that reads secrets only from its own
   * directory (Elasticsearch reads TLS keys only inside its config directory). The directory must be a
   * declared volume.
   */
  readonly path?: string;
  /** Always stored as a Pulumi secret, whatever is passed in. */
  readonly content: pulumi.Input<string>;
}

export interface ScratchMount {
  readonly sizeMiB?: number;
  /** Mount without noexec. Requires the `exec-tmp` exception. */
  readonly exec?: boolean;
  /** Octal mode of the mount root, e.g. "1777" or "0700" (default: owned by the service uid, 0700). */
  readonly mode?: string;
}

export interface DataVolume {
  /** Volume name on the Docker host. */
  readonly name: pulumi.Input<string>;
  readonly target: string;
  /** Let Docker copy the image's files at `target` into a new, empty volume (default false). */
  readonly copyImageContent?: boolean;
}

export interface Healthcheck {
  /** Docker healthcheck test, e.g. ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:7880/"]. */
  readonly test: [string, ...pulumi.Input<string>[]];
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly startPeriod?: string;
}

export interface NetworkAttachment {
  readonly name: pulumi.Input<string>;
  readonly aliases?: pulumi.Input<string>[];
  /** Fixed address, for services whose config binds or trusts an address (Redis, Elasticsearch). */
  readonly ipv4Address?: string;
}

export interface HardenedContainerArgs {
  /** Catalogue service; published ports must belong to it. */
  service: ServiceName;
  /** Pinned image reference (exact version tag and/or sha256 digest). */
  image: pulumi.Input<string>;
  /** Numeric, non-root. */
  uid: number;
  gid: number;
  /** Container name on the Docker host (default: the resource name). */
  containerName?: pulumi.Input<string>;
  /** User-defined networks. Ignored (and refused) with host networking. */
  networks?: NetworkAttachment[];
  /** Share the host's network namespace. Requires the `host-network` exception. */
  hostNetwork?: boolean;
  /** Catalogue ids published through Docker, each on an explicit host address. */
  ports?: PortBinding[];
  /** Catalogue ids the process listens on directly when on the host network (nothing is published). */
  hostNetworkPorts?: string[];
  /** Writable scratch (tmpfs), path -> options. */
  tmpfs?: Record<string, ScratchMount>;
  /** Named data volumes. Bind mounts are not offered. */
  volumes?: DataVolume[];
  configFiles?: ConfigFile[];
  secretFiles?: SecretFile[];
  /** Non-secret environment; secret-looking names are refused. */
  env?: Record<string, pulumi.Input<string>>;
  command?: pulumi.Input<string>[];
  entrypoint?: pulumi.Input<string>[];
  memoryMiB: number;
  cpus: number;
  cpuShares?: number;
  nofile?: number;
  nproc?: number;
  /** memlock unlimited. Requires the `memlock` exception. */
  memlockUnlimited?: boolean;
  healthcheck: Healthcheck;
  /** Baseline exceptions this container uses; each must match a relaxation, and vice versa. */
  exceptions?: ServiceExceptionId[];
  /** Extra labels. */
  labels?: Record<string, pulumi.Input<string>>;
}

export class HardenedContainer extends pulumi.ComponentResource {
  /** Name of the container on the Docker host (also its DNS name on its networks). */
  public readonly containerName: pulumi.Output<string>;

  constructor(name: string, args: HardenedContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:HardenedContainer", name, {}, opts);
    const service = args.service;
    const exceptions = new Set<ServiceExceptionId>((args.exceptions ?? []).map((id) => serviceException(id, service)));
    const hostNetwork = args.hostNetwork ?? false;
    const bindings = args.ports ?? [];
    const hostNetworkPorts = args.hostNetworkPorts ?? [];
    const tmpfs = args.tmpfs ?? {};

    assertUser(args.uid, args.gid, service);
    const image = checkedImage(args.image, service);
    assertHealthcheck(args.healthcheck, service);
    assertResources(args, service);

    // Each relaxation and its exception must come together: a relaxation without its exception is an
    // error, and so is an exception nothing uses (it would read as a licence for later changes).
    const listensLow = listenedPorts(bindings, hostNetworkPorts).filter((p) => p < PRIVILEGED_PORT_LIMIT);
    const execScratch = Object.entries(tmpfs).filter(([, m]) => m.exec === true).map(([p]) => p);
    requirePaired(exceptions, "host-network", hostNetwork, service, "uses host networking");
    requirePaired(exceptions, "net-bind-service", listensLow.length > 0, service, `binds port(s) ${listensLow.join(", ") || "< 1024"}`);
    requirePaired(exceptions, "exec-tmp", execScratch.length > 0, service, `mounts ${execScratch.join(", ") || "a tmpfs"} with exec`);
    requirePaired(exceptions, "memlock", args.memlockUnlimited === true, service, "raises the memlock ulimit");

    if (hostNetwork && bindings.length > 0) {
      throw new Error(`${service}: ports cannot be published with host networking (list them in hostNetworkPorts)`);
    }
    if (!hostNetwork && hostNetworkPorts.length > 0) {
      throw new Error(`${service}: hostNetworkPorts is only meaningful with host networking`);
    }
    if (hostNetwork && (args.networks ?? []).length > 0) {
      throw new Error(`${service}: a host-networked container cannot join user-defined networks`);
    }
    if (!hostNetwork && (args.networks ?? []).length === 0) {
      throw new Error(`${service}: attach at least one user-defined network (the default bridge is not used, CIS 5.30)`);
    }

    const containerName = pulumi.output(args.containerName ?? name);
    const uploadDirs = uploadDirectories(args, service);
    // A directory inside a declared volume is covered by it (seeded from the image, so it exists).
    const covers = (v: DataVolume, dir: string) => v.target === dir || (v.copyImageContent === true && dir.startsWith(`${v.target}/`));
    const coveredBy = (dir: string) => (args.volumes ?? []).some((v) => covers(v, dir));
    const fileVolumes = [...uploadDirs]
      .filter((dir) => !coveredBy(dir))
      .map((dir) => ({
        dir,
        volume: new docker.Volume(
          `${name}-${slug(dir)}`,
          {
            name: pulumi.interpolate`${containerName}-${slug(dir)}`,
            labels: [{ label: "rampart.purpose", value: `files at ${dir}` }],
          },
          { parent: this },
        ),
      }));

    const uploads: docker.types.input.ContainerUpload[] = [
      ...(args.configFiles ?? []).map((f) => ({
        file: f.path,
        content: f.content,
        permissions: f.mode ?? "0444",
        owner: "0",
        group: String(f.mode === "0440" ? args.gid : 0),
      })),
      ...(args.secretFiles ?? []).map((s) => ({
        file: s.path ?? `${SECRETS_DIR}/${s.name}`,
        content: pulumi.secret(s.content),
        permissions: "0400",
        owner: String(args.uid),
        group: String(args.gid),
      })),
    ];
    // Declared volumes that receive files are mounted by the seed exactly as the service mounts them.
    const seededVolumes = (args.volumes ?? []).filter((v) => [...uploadDirs].some((dir) => covers(v, dir)));
    const seed =
      uploads.length === 0
        ? undefined
        : new docker.Container(
            `${name}-seed`,
            {
              name: pulumi.interpolate`${containerName}-seed`,
              image,
              user: `${args.uid}:${args.gid}`,
              // The upload-seed exception: the engine accepts the provider's uploads only into a writable root.
              readOnly: false,
              start: false,
              mustRun: false,
              entrypoints: [...SEED_VALUES.entrypoint],
              networkMode: "none",
              privileged: false,
              capabilities: { drops: [...BASELINE_VALUES.capabilityDrops] },
              securityOpts: [...BASELINE_VALUES.securityOpts],
              memory: SEED_VALUES.memoryMiB,
              memorySwap: SEED_VALUES.memoryMiB,
              cpus: SEED_VALUES.cpus,
              ulimits: [
                { name: "nofile", soft: SEED_VALUES.nofile, hard: SEED_VALUES.nofile },
                { name: "nproc", soft: SEED_VALUES.nproc, hard: SEED_VALUES.nproc },
              ],
              mounts: [
                ...seededVolumes.map((v) => volumeMount(v.name, v.target, { noCopy: !(v.copyImageContent ?? false), readOnly: false })),
                ...fileVolumes.map((f) => volumeMount(f.volume.name, f.dir, { noCopy: true, readOnly: false })),
              ],
              uploads,
              init: BASELINE_VALUES.init,
              restart: SEED_VALUES.restart,
              logDriver: BASELINE_VALUES.logDriver,
              logOpts: { ...BASELINE_VALUES.logOpts },
              labels: [
                { label: "rampart.service", value: service },
                { label: SEED_ROLE_LABEL, value: SEED_ROLE },
              ],
            },
            { parent: this },
          );

    const container = new docker.Container(
      name,
      {
        name: containerName,
        image,
        user: `${args.uid}:${args.gid}`,
        readOnly: BASELINE_VALUES.readOnly,
        privileged: false,
        capabilities: {
          drops: [...BASELINE_VALUES.capabilityDrops],
          ...(exceptions.has("net-bind-service") ? { adds: ["NET_BIND_SERVICE"] } : {}),
        },
        securityOpts: [...BASELINE_VALUES.securityOpts],
        memory: args.memoryMiB,
        memorySwap: args.memoryMiB,
        cpus: String(args.cpus),
        cpuShares: args.cpuShares ?? BASELINE_VALUES.cpuShares,
        ulimits: [
          { name: "nofile", soft: args.nofile ?? BASELINE_VALUES.nofile, hard: args.nofile ?? BASELINE_VALUES.nofile },
          { name: "nproc", soft: args.nproc ?? BASELINE_VALUES.nproc, hard: args.nproc ?? BASELINE_VALUES.nproc },
          ...(args.memlockUnlimited ? [{ name: "memlock", soft: -1, hard: -1 }] : []),
        ],
        tmpfs: Object.fromEntries(Object.entries(tmpfs).map(([p, m]) => [p, tmpfsOptions(m, args.uid, args.gid)])),
        mounts: [
          ...(args.volumes ?? []).map((v) => volumeMount(v.name, v.target, { noCopy: !(v.copyImageContent ?? false), readOnly: false })),
          // Files only: the service reads them and cannot change, add or remove any.
          ...fileVolumes.map((f) => volumeMount(f.volume.name, f.dir, { noCopy: true, readOnly: true })),
        ],
        envs: containerEnvs(args.env ?? {}, service),
        ...(args.command ? { command: args.command } : {}),
        ...(args.entrypoint ? { entrypoints: args.entrypoint } : {}),
        ...(hostNetwork
          ? { networkMode: "host" }
          : {
              networkMode: "bridge",
              networksAdvanced: (args.networks ?? []).map((n) => ({
                name: n.name,
                ...(n.aliases ? { aliases: n.aliases } : {}),
                ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}),
              })),
              ports: bindings.flatMap((b) => dockerPorts(b, service)),
            }),
        healthcheck: {
          tests: args.healthcheck.test,
          interval: args.healthcheck.interval ?? "30s",
          timeout: args.healthcheck.timeout ?? "5s",
          retries: args.healthcheck.retries ?? 3,
          startPeriod: args.healthcheck.startPeriod ?? "30s",
        },
        init: BASELINE_VALUES.init,
        restart: BASELINE_VALUES.restart,
        maxRetryCount: BASELINE_VALUES.maxRetryCount,
        logDriver: BASELINE_VALUES.logDriver,
        logOpts: { ...BASELINE_VALUES.logOpts },
        destroyGraceSeconds: BASELINE_VALUES.destroyGraceSeconds,
        labels: Object.entries({
          "rampart.service": service,
          ...(args.labels ?? {}),
          // The seed's id, never its content: a new seed (new files) replaces the service.
          ...(seed ? { [SEED_ID_LABEL]: seed.id } : {}),
        }).map(([label, value]) => ({ label, value })),
      },
      { parent: this, ...(seed ? { dependsOn: [seed] } : {}) },
    );

    this.containerName = container.name;
    this.registerOutputs({ containerName: this.containerName });
  }
}

function assertUser(uid: number, gid: number, service: string): void {
  for (const [what, id] of [["uid", uid], ["gid", gid]] as const) {
    if (!Number.isInteger(id) || id < 0 || id > 2 ** 31 - 1) {
      throw new Error(`${service}: ${what} must be a numeric id, got ${String(id)}`);
    }
  }
  if (uid === 0) throw new Error(`${service}: uid 0 (root) is refused; run as a numeric non-root user (CIS 4.1)`);
}

function checkedImage(image: pulumi.Input<string>, service: string): pulumi.Input<string> {
  if (typeof image === "string") return assertPinnedImage(image, service);
  return pulumi.output(image).apply((ref) => assertPinnedImage(ref, service));
}

function assertHealthcheck(hc: Healthcheck | undefined, service: string): void {
  const kind = hc?.test[0];
  if (!hc || (kind !== "CMD" && kind !== "CMD-SHELL") || hc.test.length < 2) {
    throw new Error(`${service}: a healthcheck is required: ["CMD", ...] or ["CMD-SHELL", "..."] (CIS 5.27)`);
  }
}

function assertResources(args: HardenedContainerArgs, service: string): void {
  if (!Number.isInteger(args.memoryMiB) || args.memoryMiB < 6) {
    throw new Error(`${service}: memoryMiB must be a whole number of MiB >= 6, got ${String(args.memoryMiB)}`);
  }
  if (!(args.cpus > 0)) throw new Error(`${service}: cpus must be > 0, got ${String(args.cpus)}`);
  for (const [what, v] of [["nofile", args.nofile], ["nproc", args.nproc]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) {
      throw new Error(`${service}: ${what} must be a positive integer, got ${String(v)}`);
    }
  }
}

function serviceException(id: string, service: string): ServiceExceptionId {
  const ex = exceptionOf(id);
  if (ex.id === "upload-seed") {
    throw new Error(`${service} names the exception "upload-seed", which HardenedContainer applies only to its own never-started seed container; remove it`);
  }
  return ex.id;
}

function requirePaired(exceptions: Set<ServiceExceptionId>, id: ServiceExceptionId, relaxed: boolean, service: string, doing: string): void {
  const ex = exceptionOf(id);
  if (relaxed && !exceptions.has(id)) {
    throw new Error(`${service} ${doing}, which relaxes "${ex.relaxes}" and needs the named exception "${id}" (${ex.what})`);
  }
  if (!relaxed && exceptions.has(id)) {
    throw new Error(`${service} names the exception "${id}" but does not use it; remove it`);
  }
}

/** Directories that receive uploads: each is a volume the seed fills and the service mounts. */
function uploadDirectories(args: HardenedContainerArgs, service: string): Set<string> {
  const dirs = new Set<string>();
  for (const f of args.configFiles ?? []) {
    if (!path.posix.isAbsolute(f.path) || path.posix.normalize(f.path) !== f.path) {
      throw new Error(`${service}: config file path "${f.path}" must be absolute and normalised`);
    }
    if (f.path.startsWith(`${SECRETS_DIR}/`)) {
      throw new Error(`${service}: "${f.path}" is under ${SECRETS_DIR}; pass secrets as secretFiles`);
    }
    dirs.add(path.posix.dirname(f.path));
  }
  const secretNames = new Set<string>();
  for (const s of args.secretFiles ?? []) {
    if (!SECRET_NAME.test(s.name)) {
      throw new Error(`${service}: secret file name "${s.name}" must match ${SECRET_NAME.source}`);
    }
    if (secretNames.has(s.name)) throw new Error(`${service}: secret file "${s.name}" is declared twice`);
    secretNames.add(s.name);
    if (s.path !== undefined) {
      const dir = path.posix.dirname(s.path);
      if (!path.posix.isAbsolute(s.path) || !(args.volumes ?? []).some((v) => v.target === dir)) {
        throw new Error(`${service}: secret file path "${s.path}" must be absolute and inside a declared volume`);
      }
      dirs.add(dir);
    } else {
      dirs.add(SECRETS_DIR);
    }
  }
  for (const dir of dirs) {
    if (dir === "/" || Object.keys(args.tmpfs ?? {}).includes(dir)) {
      throw new Error(`${service}: files cannot be uploaded to "${dir}" (root or a tmpfs, which Docker cannot fill before start)`);
    }
  }
  return dirs;
}

function tmpfsOptions(m: ScratchMount, uid: number, gid: number): string {
  const exec = m.exec === true ? "exec" : "noexec";
  return `${BASELINE_VALUES.tmpfsOptions},${exec},size=${m.sizeMiB ?? 64}m,mode=${m.mode ?? "0700"},uid=${uid},gid=${gid}`;
}

function volumeMount(source: pulumi.Input<string>, target: string, o: { noCopy: boolean; readOnly: boolean }): docker.types.input.ContainerMount {
  return { type: "volume", source, target, readOnly: o.readOnly, volumeOptions: { noCopy: o.noCopy } };
}

function slug(dir: string): string {
  return dir.replace(/^\/+/, "").replace(/[^a-zA-Z0-9]+/g, "-").toLowerCase();
}

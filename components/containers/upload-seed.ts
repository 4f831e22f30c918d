/**
 * The upload seed: how config and secret files reach a service whose root filesystem is read-only.
 *
 * The Docker provider uploads files as a tar extracted at "/" before the container starts, and the engine
 * refuses any copy into a container whose root filesystem is read-only ("container rootfs is marked
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
 * A declared data volume that also receives files (Elasticsearch's and OpenSearch's config directories,
 * seeded from the image) keeps its declared access in the service (read-write for Elasticsearch, which
 * writes its keystore there at start; read-only for OpenSearch) and is mounted read-write by the seed.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceName } from "@rampart/catalogue";
import { BASELINE_VALUES, SEED_VALUES } from "./baseline";
import { SECRETS_DIR, type ConfigFile, type DataVolume, type SecretFile } from "./container-args";
import { dataVolumeMount, volumeMount } from "./volume-mounts";

/** Label on the service container: the id of the seed that filled its file volumes. */
export const SEED_ID_LABEL = "rampart.seed-id";
/** Label on the seed container: what it is. */
export const SEED_ROLE_LABEL = "rampart.role";
export const SEED_ROLE = "upload-seed";

interface UploadSeedArgs {
  readonly service: ServiceName;
  /** The service's container name; the seed and the file volumes are named after it. */
  readonly containerName: pulumi.Output<string>;
  /** The service's pinned image and user: the files are written as the service would see them. */
  readonly image: pulumi.Input<string>;
  readonly uid: number;
  readonly gid: number;
  /** The checked upload directories (./argument-checks.ts). */
  readonly uploadDirs: ReadonlySet<string>;
  readonly volumes: readonly DataVolume[];
  readonly configFiles: readonly ConfigFile[];
  readonly secretFiles: readonly SecretFile[];
}

interface UploadSeed {
  /** The never-started container that carries the uploads; none for a service without files. */
  readonly container?: docker.Container;
  /** The file volumes as the service mounts them: it reads the files and cannot change, add or remove any. */
  readonly serviceMounts: docker.types.input.ContainerMount[];
}

/** Declares the file volumes and the seed as children of `parent`, the service's HardenedContainer. */
export function declareUploadSeed(name: string, args: UploadSeedArgs, parent: pulumi.Resource): UploadSeed {
  const { containerName, uploadDirs } = args;
  // A directory inside a declared volume is covered by it (seeded from the image, so it exists).
  const covers = (v: DataVolume, dir: string) => v.target === dir || (v.copyImageContent === true && dir.startsWith(`${v.target}/`));
  const coveredBy = (dir: string) => args.volumes.some((v) => covers(v, dir));
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
        { parent },
      ),
    }));
  const serviceMounts = fileVolumes.map((f) => volumeMount(f.volume.name, f.dir, { noCopy: true, readOnly: true }));

  const uploads: docker.types.input.ContainerUpload[] = [
    ...args.configFiles.map((f) => ({
      file: f.path,
      content: f.content,
      permissions: f.mode ?? "0444",
      owner: "0",
      group: String(f.mode === "0440" ? args.gid : 0),
    })),
    ...args.secretFiles.map((s) => ({
      file: s.path ?? `${SECRETS_DIR}/${s.name}`,
      content: pulumi.secret(s.content),
      permissions: "0400",
      owner: String(args.uid),
      group: String(args.gid),
    })),
  ];
  if (uploads.length === 0) return { serviceMounts };

  const seededVolumes = args.volumes.filter((v) => [...uploadDirs].some((dir) => covers(v, dir)));
  const container = new docker.Container(
    `${name}-seed`,
    {
      name: pulumi.interpolate`${containerName}-seed`,
      image: args.image,
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
        ...seededVolumes.map(dataVolumeMount),
        ...fileVolumes.map((f) => volumeMount(f.volume.name, f.dir, { noCopy: true, readOnly: false })),
      ],
      uploads,
      init: BASELINE_VALUES.init,
      restart: SEED_VALUES.restart,
      logDriver: BASELINE_VALUES.logDriver,
      logOpts: { ...BASELINE_VALUES.logOpts },
      labels: [
        { label: "rampart.service", value: args.service },
        { label: SEED_ROLE_LABEL, value: SEED_ROLE },
      ],
    },
    { parent },
  );
  return { container, serviceMounts };
}

function slug(dir: string): string {
  return dir.replace(/^\/+/, "").replace(/[^a-zA-Z0-9]+/g, "-").toLowerCase();
}

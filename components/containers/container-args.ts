/**
 * What a service asks of HardenedContainer. Every field is either a baseline value the service may only
 * tighten, or a relaxation that needs a named exception (./baseline.ts); ./argument-checks.ts enforces both.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceName } from "@rampart/catalogue";
import type { ServiceExceptionId } from "./baseline";
import type { PortBinding } from "./port-bindings";

/** Where secret files land unless a SecretFile names its own path. */
export const SECRETS_DIR = "/run/secrets";

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
  /**
   * The service mounts it read-only (default false): a config directory seeded from the image that also
   * receives the rendered files, for a server that never writes there. The seed still fills it.
   */
  readonly readOnly?: boolean;
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

/**
 * The hardened container baseline (docs/container-baseline.md) as data.
 *
 * `HardenedContainer` applies every row of `BASELINE`; a service relaxes a row only through an entry of
 * `EXCEPTIONS`, named in its args, and the component refuses a relaxation whose exception is missing.
 * Anchors cite CIS Docker Benchmark v1.6.0 section numbers (the numbering docs/container-baseline.md uses), the KICS
 * docker-compose query titles and Checkov ids, so a reviewer can trace each setting to the rule it serves.
 *
 * The Docker provider (@pulumi/docker 5.x) has no `pidsLimit` argument. The `nproc` ulimit stands in for
 * CIS 5.29 ("PIDs cgroup limit is used"): it caps processes per uid inside the container, which is the
 * fork-bomb protection the PIDs limit gives. It is weaker in one way: processes of the same uid in other
 * containers count against it too, so every service runs as its own uid.
 */

export interface BaselineSetting {
  /** Stable id, used in error messages and tests. */
  readonly id: string;
  /** The docker.Container argument(s) the setting controls. */
  readonly argument: string;
  /** What the baseline enforces. */
  readonly rule: string;
  readonly anchors: readonly string[];
}

export const BASELINE: readonly BaselineSetting[] = [
  { id: "non-root-user", argument: "user", rule: "numeric uid:gid, never 0", anchors: ["CIS 4.1", "CIS 5.24", "KICS Container Running As Root", "Checkov CKV_DOCKER_3"] },
  { id: "read-only-root", argument: "readOnly", rule: "true; writable paths are tmpfs or named volumes", anchors: ["CIS 5.13", "KICS Container Root Filesystem Not Read Only"] },
  { id: "scratch-noexec", argument: "tmpfs", rule: "every tmpfs noexec,nosuid,nodev with a size cap", anchors: ["CIS 5.13"] },
  { id: "drop-all-capabilities", argument: "capabilities.drops", rule: "[\"ALL\"]; adds only by exception", anchors: ["CIS 5.4", "KICS Container Capabilities Unrestricted"] },
  { id: "never-privileged", argument: "privileged", rule: "false", anchors: ["CIS 5.5", "KICS Privileged Containers Enabled"] },
  { id: "no-new-privileges", argument: "securityOpts", rule: "no-new-privileges:true", anchors: ["CIS 5.26", "KICS No New Privileges Not Set"] },
  { id: "confined", argument: "securityOpts", rule: "seccomp and AppArmor never unconfined (the engine defaults apply)", anchors: ["CIS 5.2", "CIS 5.22", "KICS Seccomp Profile Is Not Configured"] },
  { id: "memory-limit", argument: "memory, memorySwap", rule: "a memory limit, memorySwap equal to it (no swap)", anchors: ["CIS 5.11", "KICS Memory Not Limited"] },
  { id: "cpu-limit", argument: "cpus, cpuShares", rule: "a CPU limit and a relative CPU weight", anchors: ["CIS 5.12", "KICS Cpus Not Limited"] },
  { id: "process-limit", argument: "ulimits", rule: "nproc and nofile set (nproc stands in for the missing pidsLimit)", anchors: ["CIS 5.19", "CIS 5.29", "KICS Pids Limit Not Set"] },
  { id: "no-host-namespaces", argument: "pidMode, ipcMode, usernsMode, hostname", rule: "no host PID/IPC/UTS/user namespace", anchors: ["CIS 5.16", "CIS 5.17", "CIS 5.21", "CIS 5.31", "KICS Shared Host IPC Namespace", "KICS Host Namespace is Shared"] },
  { id: "own-network", argument: "networkMode, networksAdvanced", rule: "user-defined bridge networks; host network only by exception", anchors: ["CIS 5.10", "CIS 5.30", "KICS Host Network Mode"] },
  { id: "no-host-mounts", argument: "mounts, volumes", rule: "named volumes only: no bind mounts, never the Docker socket", anchors: ["CIS 5.6", "CIS 5.32", "KICS Docker Socket Mounted In Container", "KICS Volume Has Sensitive Host Directory"] },
  { id: "no-devices", argument: "devices", rule: "no host devices", anchors: ["CIS 5.18"] },
  { id: "secrets-as-files", argument: "uploads, envs", rule: "secrets are 0400 files owned by the service uid under /run/secrets; no secret in env", anchors: ["CIS 4.10", "KICS Passwords And Secrets - Generic Password"] },
  { id: "bound-ports", argument: "ports", rule: "every port bound to an explicit host IP; admin/vpc ports never on 0.0.0.0 or ::", anchors: ["CIS 5.14", "CIS 5.9", "KICS Container Traffic Not Bound To Host Interface"] },
  { id: "unprivileged-ports", argument: "ports, capabilities.adds", rule: "no port below 1024 bound inside the container", anchors: ["CIS 5.8", "KICS Privileged Ports Mapped In Container"] },
  { id: "healthcheck", argument: "healthcheck", rule: "a healthcheck", anchors: ["CIS 5.27", "KICS Healthcheck Not Set", "Checkov CKV_DOCKER_2"] },
  { id: "restart-policy", argument: "restart, maxRetryCount", rule: "on-failure with at most 5 retries", anchors: ["CIS 5.15", "KICS Restart Policy On Failure Not Set To 5"] },
  { id: "rotated-logs", argument: "logDriver, logOpts", rule: "json-file with max-size and max-file", anchors: ["operational: bounded disk use for logs"] },
  { id: "init", argument: "init", rule: "true: an init reaps zombies and forwards signals", anchors: ["operational: docker run --init"] },
  { id: "pinned-image", argument: "image", rule: "an exact version tag and/or a sha256 digest; never latest or untagged", anchors: ["CIS 5.28", "Checkov CKV_DOCKER_7"] },
];

/** The concrete values the baseline applies; the table above documents why. */
export const BASELINE_VALUES = {
  readOnly: true,
  capabilityDrops: ["ALL"] as const,
  securityOpts: ["no-new-privileges:true"] as const,
  /** Every tmpfs gets these plus noexec (or exec, by the exec-tmp exception) and a size cap. */
  tmpfsOptions: "rw,nosuid,nodev",
  restart: "on-failure",
  maxRetryCount: 5,
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "5" },
  init: true,
  destroyGraceSeconds: 30,
  nofile: 65536,
  nproc: 4096,
  cpuShares: 1024,
} as const;

export type ExceptionId = "host-network" | "net-bind-service" | "exec-tmp" | "memlock" | "upload-seed";

/**
 * Exceptions a service may name in its args. `upload-seed` is not one of them: HardenedContainer applies
 * it to the seed container it creates itself, never to a service container.
 */
export type ServiceExceptionId = Exclude<ExceptionId, "upload-seed">;

export interface BaselineException {
  readonly id: ExceptionId;
  /** The baseline row it relaxes. */
  readonly relaxes: BaselineSetting["id"];
  readonly what: string;
  readonly why: string;
}

export const EXCEPTIONS: Readonly<Record<ExceptionId, BaselineException>> = {
  "host-network": {
    id: "host-network",
    relaxes: "own-network",
    what: "networkMode \"host\": the container shares the host's network namespace",
    why:
      "LiveKit's ICE range (10,000 UDP ports) and coturn's relay range cannot be published port by port " +
      "through docker-proxy/iptables without huge rule sets and NAT on every media packet, and both must see " +
      "the host's real addresses to hand out correct candidates. Used by LiveKit and coturn on AWS only.",
  },
  "net-bind-service": {
    id: "net-bind-service",
    relaxes: "unprivileged-ports",
    what: "adds CAP_NET_BIND_SERVICE so the process may bind a port below 1024 in its network namespace",
    why:
      "Needed only when a service must listen on a privileged port itself (e.g. TURNS on 443 with host " +
      "networking). Note that Docker gives added capabilities to a non-root process only through file " +
      "capabilities, which no-new-privileges disables; no Rampart service binds below 1024 by default.",
  },
  "exec-tmp": {
    id: "exec-tmp",
    relaxes: "scratch-noexec",
    what: "the temporary directory tmpfs is mounted without noexec",
    why:
      "Elasticsearch's JNA and its native controller extract shared libraries to ES_TMPDIR and map them " +
      "executable; with noexec there the node fails to start.",
  },
  "memlock": {
    id: "memlock",
    relaxes: "process-limit",
    what: "memlock ulimit unlimited",
    why: "Elasticsearch's bootstrap.memory_lock pins the JVM heap in RAM so it is never paged out.",
  },
  "upload-seed": {
    id: "upload-seed",
    relaxes: "read-only-root",
    what:
      "the never-started seed container that carries a service's config and secret `uploads` has a writable root " +
      "(start: false, mustRun: false, networkMode \"none\", no ports, same image/user/capability drops)",
    why:
      "The Docker provider copies uploads as a tar extracted at \"/\" before start, and the engine refuses any copy " +
      "into a container whose root is read-only (\"container rootfs is marked read-only\"), even when the file lands " +
      "on a volume. The seed mounts the service's file volumes read-write and receives the uploads; it never runs, " +
      "so its writable root is never written by a process. The service then mounts those volumes read-only. " +
      "Applied by HardenedContainer itself; a service cannot name it.",
  },
};

/** Settings of the upload seed: it never runs, so it gets the smallest limits the engine accepts. */
export const SEED_VALUES = {
  /** Never started; if someone starts it by hand it exits at once instead of running the service with a writable root. */
  entrypoint: ["/bin/true"],
  memoryMiB: 16,
  cpus: "0.1",
  nofile: 1024,
  nproc: 64,
  restart: "no",
} as const;

export function exceptionOf(id: string): BaselineException {
  const found = (EXCEPTIONS as Record<string, BaselineException | undefined>)[id];
  if (!found) {
    throw new Error(`unknown baseline exception "${id}"; known: ${Object.keys(EXCEPTIONS).join(", ")}`);
  }
  return found;
}

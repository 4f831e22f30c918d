/**
 * HardenedContainer: every Rampart container, with the baseline of ./baseline.ts applied and relaxed only
 * through named exceptions (checked in ./argument-checks.ts). Its config and secret files arrive through
 * a never-started seed container (./upload-seed.ts), because the engine accepts no upload into the
 * service's read-only root.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { checkArguments } from "./argument-checks";
import { BASELINE_VALUES } from "./baseline";
import type { HardenedContainerArgs, ScratchMount } from "./container-args";
import { containerEnvs } from "./environment";
import { dockerPorts } from "./port-bindings";
import { checkedFor } from "./resource-errors";
import { declareUploadSeed, SEED_ID_LABEL } from "./upload-seed";
import { serviceVolumeMount } from "./volume-mounts";

// The argument shapes and the seed's labels stay importable from here, where they were first declared.
export { SECRETS_DIR, type ConfigFile, type DataVolume, type HardenedContainerArgs, type Healthcheck, type NetworkAttachment, type ScratchMount, type SecretFile } from "./container-args";
export { SEED_ID_LABEL, SEED_ROLE, SEED_ROLE_LABEL } from "./upload-seed";

const HEALTHCHECK_DEFAULTS = { interval: "30s", timeout: "5s", retries: 3, startPeriod: "30s" } as const;
const TMPFS_DEFAULTS = { sizeMiB: 64, mode: "0700" } as const;

export class HardenedContainer extends pulumi.ComponentResource {
  /** Name of the container on the Docker host (also its DNS name on its networks). */
  public readonly containerName: pulumi.Output<string>;

  constructor(name: string, args: HardenedContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:HardenedContainer", name, {}, opts);
    const service = args.service;
    const hostNetwork = args.hostNetwork ?? false;
    const tmpfs = args.tmpfs ?? {};
    const volumes = args.volumes ?? [];
    const { exceptions, image, uploadDirs, envs, ports } = checkedFor(this, () => ({
      ...checkArguments(args),
      envs: containerEnvs(args.env ?? {}, service),
      ports: (args.ports ?? []).flatMap((b) => dockerPorts(b, service)),
    }));

    const containerName = pulumi.output(args.containerName ?? name);
    const seed = declareUploadSeed(
      name,
      {
        service,
        containerName,
        image,
        uid: args.uid,
        gid: args.gid,
        uploadDirs,
        volumes,
        configFiles: args.configFiles ?? [],
        secretFiles: args.secretFiles ?? [],
      },
      this,
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
        mounts: [...volumes.map(serviceVolumeMount), ...seed.serviceMounts],
        envs,
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
              ports,
            }),
        healthcheck: {
          tests: args.healthcheck.test,
          interval: args.healthcheck.interval ?? HEALTHCHECK_DEFAULTS.interval,
          timeout: args.healthcheck.timeout ?? HEALTHCHECK_DEFAULTS.timeout,
          retries: args.healthcheck.retries ?? HEALTHCHECK_DEFAULTS.retries,
          startPeriod: args.healthcheck.startPeriod ?? HEALTHCHECK_DEFAULTS.startPeriod,
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
          ...(seed.container ? { [SEED_ID_LABEL]: seed.container.id } : {}),
        }).map(([label, value]) => ({ label, value })),
      },
      { parent: this, ...(seed.container ? { dependsOn: [seed.container] } : {}) },
    );

    this.containerName = container.name;
    this.registerOutputs({ containerName: this.containerName });
  }
}

function tmpfsOptions(m: ScratchMount, uid: number, gid: number): string {
  const exec = m.exec === true ? "exec" : "noexec";
  return `${BASELINE_VALUES.tmpfsOptions},${exec},size=${m.sizeMiB ?? TMPFS_DEFAULTS.sizeMiB}m,mode=${m.mode ?? TMPFS_DEFAULTS.mode},uid=${uid},gid=${gid}`;
}

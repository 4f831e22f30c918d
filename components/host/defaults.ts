/**
 * The Docker host's defaults, named once: DockerHost applies them when an argument is left out, and the
 * stack config keys (infra/config/keys.ts) offer them as their defaults in Pulumi.yaml.
 */
export const DOCKER_HOST_DEFAULTS = {
  /** 2 vCPU, 8 GiB: room for the six services' memory limits with headroom for the host. */
  instanceType: "m6i.large",
  /** Images and rotated logs of the services; their data lives on the data volume. */
  rootVolumeGiB: 40,
  /** The EBS data volume mounted at Docker's volume directory: search indices, Redis's AOF, metrics. */
  dataVolumeGiB: 100,
} as const;

import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOY_USER, renderCloudInit, type HostFile } from "./cloud-init";
import { DOCKER_HOST_DEFAULTS } from "./defaults";
import type { FirewallInput } from "./firewall";
import { DATA_PROTECTION_DEFAULTS, dataResourceOptions } from "../protection";

export { renderCloudInit, renderDataVolumeMount, DOCKER_VOLUMES_DIR, DEPLOY_USER, DAEMON_JSON, DOCKER_APT_KEY_FINGERPRINT, type CloudInitInput, type HostFile } from "./cloud-init";
export { HOST_INPUT_CHAIN, renderDockerUserRules, renderHostInputRules, type FirewallInput } from "./firewall";
export { HOST_SYSCTLS, renderSysctlConf } from "./sysctls";

/** Debian's official AMI account (https://wiki.debian.org/Cloud/AmazonEC2Image). */
export const DEBIAN_AMI_OWNER = "136693071363";
export const DEBIAN_AMI_NAME = "debian-12-amd64-*";

/**
 * Shell run on the deployer's machine after a host is created: waits for EC2 status checks, then
 * retries (bounded: 30 tries, 10 s apart) SSH over SSM until cloud-init is done and Docker answers.
 */
export function renderReadinessCheck(region: string, instanceId: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`region "${region}" is not an AWS region`);
  const proxy = `ProxyCommand=aws ssm start-session --region ${region} --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p`;
  return [
    "set -eu",
    `aws ec2 wait instance-status-ok --region ${region} --instance-ids ${instanceId}`,
    "for attempt in $(seq 1 30); do",
    `  if ssh -o '${proxy}' -o StrictHostKeyChecking=accept-new -o ConnectTimeout=20 -o BatchMode=yes ${DEPLOY_USER}@${instanceId} 'cloud-init status --wait >/dev/null && docker info --format "{{.ServerVersion}}"'; then exit 0; fi`,
    "  sleep 10",
    "done",
    `echo "Docker on ${instanceId} did not answer over SSM within 5 minutes" >&2`,
    "exit 1",
  ].join("\n");
}

export interface DockerHostArgs {
  subnetId: pulumi.Input<string>;
  /** The subnet's availability zone: the EBS data volume is created there, before the instance. */
  availabilityZone: pulumi.Input<string>;
  securityGroupIds: pulumi.Input<string>[];
  /** Default DOCKER_HOST_DEFAULTS.instanceType. */
  instanceType?: pulumi.Input<string>;
  /** Default DOCKER_HOST_DEFAULTS.rootVolumeGiB. */
  rootVolumeGiB?: pulumi.Input<number>;
  /** Default DOCKER_HOST_DEFAULTS.dataVolumeGiB. */
  dataVolumeGiB?: pulumi.Input<number>;
  /** Let destroy and replacements delete the data volume (default false: protected and retained). */
  allowDataDeletion?: boolean;
  /** Default: the newest Debian 12 AMI from Debian's own account. */
  amiId?: pulumi.Input<string>;
  dockerVersion: pulumi.Input<string>;
  deployerPublicKey: pulumi.Input<string>;
  /** Inputs of the host's DOCKER-USER firewall (ports from the catalogue). */
  firewall: pulumi.Input<FirewallInput>;
  files?: pulumi.Input<HostFile[]>;
  /** systemd units among `files` to enable once Docker is up. */
  units?: string[];
  /** AWS region, for the SSM proxy command (default: the provider's region). */
  region?: pulumi.Input<string>;
}

/**
 * An EC2 Docker host reached without an open SSH port: SSM Session Manager is the way in, and the Docker
 * provider talks to the daemon over SSH tunnelled through SSM (AWS-StartSSHSession as ProxyCommand).
 */
export class DockerHost extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  /** Docker provider for containers on this host. */
  readonly provider: docker.Provider;

  constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:host:DockerHost", name, {}, opts);
    const parent = { parent: this };

    const role = new aws.iam.Role(`${name}-role`, {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    }, parent);
    new aws.iam.RolePolicyAttachment(`${name}-ssm`, {
      role: role.name,
      policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    }, parent);
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, parent);

    const ami =
      args.amiId ??
      aws.ec2.getAmiOutput({
        owners: [DEBIAN_AMI_OWNER],
        mostRecent: true,
        filters: [
          { name: "name", values: [DEBIAN_AMI_NAME] },
          { name: "architecture", values: ["x86_64"] },
        ],
      }, parent).id;

    // The services' data (every Docker volume) lives on its own EBS volume, not the root disk: the
    // instance is replaced whenever its cloud-init changes, and the data must not go with it.
    const data = new aws.ebs.Volume(`${name}-data`, {
      availabilityZone: args.availabilityZone,
      size: args.dataVolumeGiB ?? DOCKER_HOST_DEFAULTS.dataVolumeGiB,
      type: "gp3",
      encrypted: true,
      finalSnapshot: !(args.allowDataDeletion ?? DATA_PROTECTION_DEFAULTS.allowDataDeletion),
      tags: { Name: `${name}-data`, "rampart:purpose": "docker volumes" },
    }, { ...parent, ...dataResourceOptions("kept", args.allowDataDeletion) });

    const userData = pulumi
      .all([args.dockerVersion, args.deployerPublicKey, args.firewall, args.files ?? [], data.id])
      .apply(([dockerVersion, deployerPublicKey, firewall, files, dataVolumeId]) =>
        renderCloudInit({
          dockerVersion,
          deployerPublicKey,
          firewall: firewall as FirewallInput,
          files: files as HostFile[],
          units: args.units ?? [],
          dataVolumeId,
        }),
      );

    const instance = new aws.ec2.Instance(`${name}-instance`, {
      ami,
      instanceType: args.instanceType ?? DOCKER_HOST_DEFAULTS.instanceType,
      subnetId: args.subnetId,
      vpcSecurityGroupIds: args.securityGroupIds,
      iamInstanceProfile: profile.name,
      // No key pair: the deployer's key arrives through cloud-init and is only reachable through SSM.
      monitoring: true,
      // IMDSv2 only, one hop: a container or a TURN relay one hop away cannot reach instance credentials.
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      rootBlockDevice: { volumeType: "gp3", volumeSize: args.rootVolumeGiB ?? DOCKER_HOST_DEFAULTS.rootVolumeGiB, encrypted: true, deleteOnTermination: true },
      userData,
      userDataReplaceOnChange: true,
      tags: { Name: name },
    }, parent);

    // A replacement host gets the same volume: the old attachment goes first (a volume attaches to one
    // instance at a time), and the old instance is stopped before the detach so the disk is unmounted cleanly.
    const attachment = new aws.ec2.VolumeAttachment(`${name}-data`, {
      instanceId: instance.id,
      volumeId: data.id,
      deviceName: "/dev/sdf",
      stopInstanceBeforeDetaching: true,
    }, { ...parent, deleteBeforeReplace: true });

    const eip = new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", instance: instance.id, tags: { Name: name } }, parent);

    const region = args.region ?? aws.getRegionOutput({}, parent).region;
    const sshOpts = [
      "-o",
      pulumi.interpolate`ProxyCommand=aws ssm start-session --region ${region} --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p`,
      "-o",
      "StrictHostKeyChecking=accept-new",
      "-o",
      "ServerAliveInterval=30",
    ];

    // The Docker provider connects as soon as a container is planned; on a new host cloud-init is still
    // installing Docker then. Wait, through the very path the provider uses, until the daemon answers.
    const ready = new command.local.Command(`${name}-docker-ready`, {
      create: pulumi.all([region, instance.id]).apply(([r, id]) => renderReadinessCheck(r, id)),
      triggers: [instance.id],
    }, { ...parent, dependsOn: [attachment] });

    this.provider = new docker.Provider(`${name}-docker`, {
      host: pulumi.interpolate`ssh://${DEPLOY_USER}@${instance.id}`,
      sshOpts,
    }, { parent: this, dependsOn: [ready] });

    this.instanceId = instance.id;
    this.privateIp = instance.privateIp;
    this.publicIp = eip.publicIp;
    this.registerOutputs({ instanceId: this.instanceId, privateIp: this.privateIp, publicIp: this.publicIp });
  }
}

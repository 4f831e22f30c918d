import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { renderNodeUserData } from "./node-config";
import type { NodeRole } from "./security-groups";

export interface NodeGroupSettings {
  /** Nodes to run (min = desired; the max leaves room for one surge node per zone during updates). */
  nodes: number;
  instanceType: string;
  volumeGiB: number;
}

export interface NodeGroupArgs {
  clusterName: pulumi.Input<string>;
  role: NodeRole;
  nodeRoleArn: pulumi.Input<string>;
  /** At least two, in different availability zones. */
  subnetIds: pulumi.Input<string>[];
  securityGroupIds: pulumi.Input<string>[];
  kmsKeyArn: pulumi.Input<string>;
  settings: NodeGroupSettings;
}

/** The label and taint key a role's nodes carry; workloads select and tolerate it. */
export const ROLE_LABEL = "rampart.io/role";

/**
 * Media nodes are tainted: only the media DaemonSets (which tolerate it) land there, so nothing else shares
 * a host-networked node. App nodes take the rest.
 */
export const ROLE_TAINTS: Record<NodeRole, { key: string; value: string; effect: "NO_SCHEDULE" }[]> = {
  media: [{ key: ROLE_LABEL, value: "media", effect: "NO_SCHEDULE" }],
  app: [],
};

/**
 * A managed node group of one role from its own launch template: IMDSv2 required with a hop limit of 1
 * (a pod behind the CNI cannot reach the node's credentials), an encrypted gp3 root volume with the stack's
 * KMS key, the role's security groups, no SSH key.
 */
export class NodeGroup extends pulumi.ComponentResource {
  public readonly nodeGroupName: pulumi.Output<string>;

  constructor(name: string, args: NodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:cluster:NodeGroup", name, {}, opts);
    if (args.subnetIds.length < 2) throw new pulumi.ResourceError(`NodeGroup ${name}: needs subnets in at least two availability zones`, this);
    if (args.settings.nodes < 2) throw new pulumi.ResourceError(`NodeGroup ${name}: needs at least two nodes (one per zone)`, this);
    const child = { parent: this };

    const template = new aws.ec2.LaunchTemplate(`${name}-lt`, {
      description: `Rampart ${args.role} nodes`,
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeType: "gp3", volumeSize: args.settings.volumeGiB, encrypted: "true", kmsKeyId: args.kmsKeyArn, deleteOnTermination: "true" },
        },
      ],
      // Media nodes sit in public subnets and need their own public address (LiveKit and coturn announce it);
      // nothing else gets one.
      ...(args.role === "media"
        ? { networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "true", securityGroups: args.securityGroupIds, deleteOnTermination: "true" }] }
        : { vpcSecurityGroupIds: args.securityGroupIds }),
      monitoring: { enabled: true },
      userData: Buffer.from(renderNodeUserData(), "utf8").toString("base64"),
      tagSpecifications: [{ resourceType: "instance", tags: { Name: name, [ROLE_LABEL]: args.role } }],
    }, child);

    const group = new aws.eks.NodeGroup(name, {
      clusterName: args.clusterName,
      nodeGroupName: name,
      nodeRoleArn: args.nodeRoleArn,
      subnetIds: args.subnetIds,
      amiType: "AL2023_x86_64_STANDARD",
      capacityType: "ON_DEMAND",
      instanceTypes: [args.settings.instanceType],
      scalingConfig: { desiredSize: args.settings.nodes, minSize: args.settings.nodes, maxSize: args.settings.nodes + 2 },
      // One node at a time: with one media pod per node and PDBs on the app pods, a rolling update never
      // takes more than one node's worth of capacity away.
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
      labels: { [ROLE_LABEL]: args.role },
      taints: ROLE_TAINTS[args.role],
      nodeRepairConfig: { enabled: true },
    }, child);

    this.nodeGroupName = group.nodeGroupName;
    this.registerOutputs({ nodeGroupName: this.nodeGroupName });
  }
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_POLICIES, CNI_POLICIES, EBS_CSI_POLICY, NODE_POLICIES, POD_IDENTITY_TRUST, policyArn, serviceTrust } from "./iam";
import { kubeconfigOutput } from "./kubeconfig";
import { NodeGroup, type NodeGroupSettings } from "./node-group";
import { declareIngress, loadBalancerRuleSpecs, nodeRuleSpecs, type NodeRole } from "./security-groups";

export interface EksClusterArgs {
  vpcId: pulumi.Input<string>;
  /** VPC CIDR: the vpc class's source (a plain value: rule descriptions name it). */
  vpcCidr: string;
  publicSubnetIds: pulumi.Input<string>[];
  privateSubnetIds: pulumi.Input<string>[];
  /** Operators' networks: the admin class, and the public API endpoint when it is enabled. */
  adminCidrs: readonly string[];
  /** Open the API endpoint publicly too, restricted to `adminCidrs` (default false: private only). */
  publicEndpoint?: boolean;
  /** KMS key that envelope-encrypts Kubernetes Secrets and the node volumes. */
  kmsKeyArn: pulumi.Input<string>;
  version: string;
  /** The network's outbound group, given to every node. */
  egressSecurityGroupId: pulumi.Input<string>;
  /** Cloudflare's managed prefix lists, for the load balancer's group. */
  cloudflarePrefixListIds: { ipv4: pulumi.Input<string>; ipv6: pulumi.Input<string> };
  /** Port the edge pods listen on: the load balancer's targets (IP mode: straight to the pod). */
  edgePodPort: number;
  nodes: Record<NodeRole, NodeGroupSettings>;
  /** Control plane log retention in days (default 90). */
  logRetentionDays?: number;
}

const DEFAULTS = { logRetentionDays: 90, publicEndpoint: false } as const;
/** Every control plane log type EKS offers. */
export const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/**
 * EKS from the AWS provider's own resources: a private API endpoint (public only by choice, and then only
 * from the admin CIDRs), Secrets envelope-encrypted with the stack's KMS key, every control plane log,
 * access entries (no aws-auth ConfigMap), managed node groups per role from hardened launch templates,
 * Pod Identity for what needs AWS (the VPC CNI), and the VPC CNI's network policy agent so NetworkPolicies
 * are enforced.
 */
export class EksCluster extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;
  public readonly endpoint: pulumi.Output<string>;
  /** Secret: with the endpoint, it is what a client needs to reach the API. */
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
  public readonly nodeSecurityGroupIds: Record<NodeRole, pulumi.Output<string>>;
  public readonly nodeGroupNames: Record<NodeRole, pulumi.Output<string>>;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:cluster:EksCluster", name, {}, opts);
    const publicEndpoint = args.publicEndpoint ?? DEFAULTS.publicEndpoint;
    if (publicEndpoint && args.adminCidrs.length === 0) {
      throw new pulumi.ResourceError("EksCluster: a public endpoint must be restricted to the admin CIDRs, and none are given", this);
    }
    const child = { parent: this };
    const partition = aws.getPartitionOutput({}, child).partition;
    const region = aws.getRegionOutput({}, child).region;

    const attach = (r: aws.iam.Role, suffix: string, policies: readonly string[]) =>
      policies.map((p) => new aws.iam.RolePolicyAttachment(`${name}-${suffix}-${p}`, { role: r.name, policyArn: partition.apply((part) => policyArn(part, p)) }, child));

    const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: serviceTrust("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]) }, child);
    const clusterAttachments = attach(clusterRole, "cluster", CLUSTER_POLICIES);

    // The log group first, with a retention: EKS would otherwise create it on its own, kept forever.
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-control-plane`, {
      name: `/aws/eks/${name}/cluster`,
      retentionInDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
    }, child);

    const cluster = new aws.eks.Cluster(name, {
      name,
      version: args.version,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: args.privateSubnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: publicEndpoint,
        ...(publicEndpoint ? { publicAccessCidrs: args.adminCidrs.filter((c) => !c.includes(":")) } : {}),
      },
      encryptionConfig: { provider: { keyArn: args.kmsKeyArn }, resources: ["secrets"] },
      enabledClusterLogTypes: [...CONTROL_PLANE_LOGS],
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
      kubernetesNetworkConfig: { ipFamily: "ipv4" },
      upgradePolicy: { supportType: "STANDARD" },
    }, { parent: this, dependsOn: [logGroup, ...clusterAttachments] });

    // Security groups from the port catalogue: one per node role, one for the load balancer.
    const sets = { vpcCidr: args.vpcCidr, adminCidrs: args.adminCidrs, prefixLists: args.cloudflarePrefixListIds };
    const group = (suffix: string, description: string) =>
      new aws.ec2.SecurityGroup(`${name}-${suffix}`, { vpcId: args.vpcId, description, tags: { Name: `${name}-${suffix}` } }, child);
    const lb = group("load-balancer", "Rampart edge load balancer: the cloudflare class (derived from the port catalogue)");
    declareIngress(`${name}-load-balancer`, lb.id, loadBalancerRuleSpecs(sets), sets, this);
    const nodeGroups = {} as Record<NodeRole, pulumi.Output<string>>;
    const nodeGroupNames = {} as Record<NodeRole, pulumi.Output<string>>;
    const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: serviceTrust("ec2.amazonaws.com") }, child);
    const nodeAttachments = attach(nodeRole, "node", NODE_POLICIES);
    for (const r of ["media", "app"] as const) {
      const sg = group(`${r}-nodes`, `Rampart ${r} nodes (derived from the port catalogue)`);
      declareIngress(`${name}-${r}-nodes`, sg.id, nodeRuleSpecs(r, sets), sets, this);
      nodeGroups[r] = sg.id;
    }
    // The edge pods' port on the app nodes, from the load balancer only.
    new aws.vpc.SecurityGroupIngressRule(`${name}-app-nodes-edge-from-lb`, {
      securityGroupId: nodeGroups.app,
      referencedSecurityGroupId: lb.id,
      ipProtocol: "tcp",
      fromPort: args.edgePodPort,
      toPort: args.edgePodPort,
      description: "cloudflare: edge proxy pods, from the load balancer only (which admits Cloudflare's ranges only)",
    }, child);
    new aws.vpc.SecurityGroupEgressRule(`${name}-load-balancer-to-edge`, {
      securityGroupId: lb.id,
      referencedSecurityGroupId: nodeGroups.app,
      ipProtocol: "tcp",
      fromPort: args.edgePodPort,
      toPort: args.edgePodPort,
      description: "load balancer to the edge pods (IP targets) and nowhere else",
    }, child);

    const subnetsOf: Record<NodeRole, pulumi.Input<string>[]> = { media: args.publicSubnetIds, app: args.privateSubnetIds };
    for (const r of ["media", "app"] as const) {
      const ng = new NodeGroup(`${name}-${r}`, {
        clusterName: cluster.name,
        role: r,
        nodeRoleArn: nodeRole.arn,
        subnetIds: subnetsOf[r],
        securityGroupIds: [nodeGroups[r], args.egressSecurityGroupId, cluster.vpcConfig.clusterSecurityGroupId],
        kmsKeyArn: args.kmsKeyArn,
        settings: args.nodes[r],
      }, { parent: this, dependsOn: nodeAttachments });
      nodeGroupNames[r] = ng.nodeGroupName;
    }

    // The VPC CNI with its ENI permissions on its own service account, and its network policy agent on.
    const podIdentityAgent = new aws.eks.Addon(`${name}-pod-identity-agent`, { clusterName: cluster.name, addonName: "eks-pod-identity-agent" }, child);
    const cniRole = new aws.iam.Role(`${name}-vpc-cni`, { assumeRolePolicy: POD_IDENTITY_TRUST }, child);
    attach(cniRole, "vpc-cni", CNI_POLICIES);
    new aws.eks.Addon(`${name}-vpc-cni`, {
      clusterName: cluster.name,
      addonName: "vpc-cni",
      podIdentityAssociations: [{ roleArn: cniRole.arn, serviceAccount: "aws-node" }],
      configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
      resolveConflictsOnUpdate: "OVERWRITE",
    }, { parent: this, dependsOn: [podIdentityAgent] });

    // Persistent volumes (Prometheus's samples, Alertmanager's silences) through the EBS CSI driver, its EC2
    // volume permissions on its own service account, and the data key's grants for encrypted volumes only.
    const ebsRole = new aws.iam.Role(`${name}-ebs-csi`, { assumeRolePolicy: POD_IDENTITY_TRUST }, child);
    new aws.iam.RolePolicyAttachment(`${name}-ebs-csi-driver-policy`, { role: ebsRole.name, policyArn: partition.apply((part) => policyArn(part, EBS_CSI_POLICY)) }, child);
    new aws.iam.RolePolicy(`${name}-ebs-csi-kms`, {
      role: ebsRole.id,
      policy: pulumi.output(args.kmsKeyArn).apply((keyArn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: keyArn, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
            { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: keyArn },
          ],
        }),
      ),
    }, child);
    new aws.eks.Addon(`${name}-ebs-csi`, {
      clusterName: cluster.name,
      addonName: "aws-ebs-csi-driver",
      podIdentityAssociations: [{ roleArn: ebsRole.arn, serviceAccount: "ebs-csi-controller-sa" }],
      resolveConflictsOnUpdate: "OVERWRITE",
    }, { parent: this, dependsOn: [podIdentityAgent] });

    this.name = cluster.name;
    this.endpoint = cluster.endpoint;
    this.kubeconfig = kubeconfigOutput(
      pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority, region]).apply(([clusterName, endpoint, ca, reg]) => ({
        clusterName,
        endpoint,
        certificateAuthority: ca.data ?? "",
        region: reg,
      })),
    );
    this.loadBalancerSecurityGroupId = lb.id;
    this.nodeSecurityGroupIds = nodeGroups;
    this.nodeGroupNames = nodeGroupNames;
    this.registerOutputs({ name: this.name, endpoint: this.endpoint, kubeconfig: this.kubeconfig });
  }
}

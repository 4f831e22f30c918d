/** IAM documents of the cluster: who may assume which role, and the AWS managed policies each role gets. */

export const policyArn = (partition: string, name: string) => `arn:${partition}:iam::aws:policy/${name}`;

/** Trust policy of a role assumed by an AWS service. */
export function serviceTrust(service: string, actions: readonly string[] = ["sts:AssumeRole"]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }] });
}

/** EKS Pod Identity: the agent assumes the role for one service account's pods (with session tags). */
export const POD_IDENTITY_TRUST = serviceTrust("pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]);

/** The control plane's role. */
export const CLUSTER_POLICIES = ["AmazonEKSClusterPolicy"] as const;

/**
 * The nodes' role: join the cluster and pull images, nothing more. The VPC CNI's ENI permissions
 * (AmazonEKS_CNI_Policy) go to the `aws-node` service account through Pod Identity instead, so a pod that
 * reaches the node's credentials cannot reshape the network. No SSM, no S3, no broad policy.
 */
export const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"] as const;

export const CNI_POLICIES = ["AmazonEKS_CNI_Policy"] as const;

/** The EBS CSI driver's managed policy (under AWS's `service-role/` path). */
export const EBS_CSI_POLICY = "service-role/AmazonEBSCSIDriverPolicy";

import type { ResourceRule } from "./rule";
import { K } from "./scale-types";
import { asArray, asString, asStrings, isMasked, isRecord } from "./values";

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

export const eksEndpointPrivate: ResourceRule = {
  kind: "resource",
  name: "eks-api-endpoint-private",
  description:
    "The EKS API endpoint is private (endpointPrivateAccess on); a public endpoint is allowed only when restricted to listed CIDRs, never 0.0.0.0/0.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set vpcConfig { endpointPrivateAccess: true, endpointPublicAccess: false }; if operators need the public endpoint, set publicAccessCidrs to their networks.",
  anchors: {
    cis: "CIS EKS Benchmark v1.5.0 5.4.1; CIS EKS Benchmark v1.5.0 5.4.2",
    checkov: "CKV_AWS_39; CKV_AWS_38",
    kics: "EKS cluster Has Public Access (42f4b905)",
    guide: "docs/kubernetes.md; https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html",
  },
  resourceTypes: [K.eksCluster],
  validateResource: (args, report) => {
    const v = isRecord(args.props.vpcConfig) ? args.props.vpcConfig : {};
    if (v.endpointPrivateAccess !== true) report("vpcConfig.endpointPrivateAccess is not true: nodes and operators inside the VPC would reach the API over the internet");
    // The provider's default for endpointPublicAccess is true.
    if (v.endpointPublicAccess === false) return;
    const cidrs = asStrings(v.publicAccessCidrs);
    if (cidrs.length === 0) report("the public API endpoint is open to every address (endpointPublicAccess without publicAccessCidrs); turn it off or list the operators' CIDRs");
    for (const c of cidrs.filter((x) => WORLD.has(x))) report(`vpcConfig.publicAccessCidrs holds ${c}: the API endpoint is open to the internet`);
  },
};

export const eksSecretsEncrypted: ResourceRule = {
  kind: "resource",
  name: "eks-secrets-envelope-encrypted",
  description: "Kubernetes Secrets of an EKS cluster are envelope-encrypted with a KMS key (encryptionConfig resources [\"secrets\"] with a key ARN).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Set encryptionConfig { provider: { keyArn: <KMS key ARN> }, resources: [\"secrets\"] } (only possible at cluster creation on older versions).",
  anchors: { cis: "CIS EKS Benchmark v1.5.0 5.3.1", checkov: "CKV_AWS_58", kics: "EKS Cluster Encryption Disabled (63ebcb19)", guide: "https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html" },
  resourceTypes: [K.eksCluster],
  validateResource: (args, report) => {
    const e = isRecord(args.props.encryptionConfig) ? args.props.encryptionConfig : undefined;
    if (!e) return report("no encryptionConfig: Secrets are stored without envelope encryption under a key you control");
    if (!asStrings(e.resources).includes("secrets")) report("encryptionConfig.resources does not include \"secrets\"");
    const provider = isRecord(e.provider) ? e.provider : {};
    if (!isMasked(provider.keyArn) && !asString(provider.keyArn)) report("encryptionConfig.provider.keyArn is missing: name the KMS key");
  },
};

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

export const eksControlPlaneLogs: ResourceRule = {
  kind: "resource",
  name: "eks-control-plane-logging",
  description: "Every EKS control plane log type (api, audit, authenticator, controllerManager, scheduler) is sent to CloudWatch Logs.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: `Set enabledClusterLogTypes to ${JSON.stringify(CONTROL_PLANE_LOG_TYPES)}, and declare the /aws/eks/<name>/cluster log group with a retention.`,
  anchors: { checkov: "CKV_AWS_37", guide: "https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html" },
  resourceTypes: [K.eksCluster],
  validateResource: (args, report) => {
    const on = new Set(asStrings(args.props.enabledClusterLogTypes));
    const missing = CONTROL_PLANE_LOG_TYPES.filter((t) => !on.has(t));
    if (missing.length) report(`control plane logs off: ${missing.join(", ")}`);
  },
};

export const eksNodeGroupHardened: ResourceRule = {
  kind: "resource",
  name: "eks-node-group-hardened",
  description:
    "EKS managed node groups run from a launch template (where IMDSv2, hop limit 1 and encrypted volumes are checked), span at least two subnets, and allow no SSH remote access.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Give the node group launchTemplate { id, version } (with metadataOptions and encrypted blockDeviceMappings), at least two subnetIds in different zones, and no remoteAccess block (use SSM).",
  anchors: {
    checkov: "CKV_AWS_100",
    guide: "docs/kubernetes.md; https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html",
  },
  resourceTypes: [K.eksNodeGroup],
  validateResource: (args, report) => {
    const p = args.props;
    const lt = isRecord(p.launchTemplate) ? p.launchTemplate : undefined;
    if (!lt || (!lt.id && !lt.name)) report("no launchTemplate: the node's metadata options and volume encryption are EKS's defaults (IMDSv1 allowed, hop limit 2)");
    if (asArray(p.subnetIds).length < 2) report(`subnetIds has ${asArray(p.subnetIds).length} subnet(s); a node group spans at least two availability zones`);
    if (isRecord(p.remoteAccess)) report("remoteAccess is set: SSH to nodes (with an EC2 key) opens port 22; leave remoteAccess unset and reach nodes without SSH");
  },
};

export const eksRules: readonly ResourceRule[] = [eksEndpointPrivate, eksSecretsEncrypted, eksControlPlaneLogs, eksNodeGroupHardened];

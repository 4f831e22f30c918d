import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AcmeCertificate } from "../components/certificates";
import { EksCluster } from "../components/cluster";
import { EDGE_CONTAINER_HTTPS_PORT } from "../components/containers";
import { ManagedRedis, ManagedSearch } from "../components/data";
import { CloudflareEdge } from "../components/edge";
import { Network } from "../components/network";
import { POD_IDENTITY_TRUST } from "../components/cluster/iam";
import { NAMESPACES, RampartWorkloads } from "../components/workloads";
import type { AwsScaleConfig } from "./config";
import { checkEdgePlan, edgeHostnames } from "./edge";
import { clusterMonitoringArgs } from "./monitoring";
import { dataResourceOptions } from "../components/protection";

const NAME = "rampart";

/**
 * aws-scale: the VPC and class groups of the aws target (with NAT for the private nodes), one KMS key for
 * everything at rest, EKS with media and app node groups, ElastiCache and OpenSearch Service in the private
 * subnets behind the vpc class, the Kubernetes layer, and Cloudflare in front of the edge's load balancer.
 */
export function deployAwsScale(config: AwsScaleConfig): Record<string, pulumi.Input<unknown>> {
  const { aws: net, scale } = config;
  const edgeRules = checkEdgePlan(config);
  const ranges = cloudflare.getIpRangesOutput({});

  const network = new Network(NAME, {
    cidrBlock: net.vpcCidr,
    publicSubnetCidrs: net.publicSubnetCidrs,
    privateSubnetCidrs: net.privateSubnetCidrs,
    adminCidrs: config.admin.cidrs,
    adminSsh: false,
    cloudflareIpv4: ranges.ipv4Cidrs,
    cloudflareIpv6: ranges.ipv6Cidrs,
    flowLogRetentionDays: net.flowLogRetentionDays,
    platform: "kubernetes",
    privateEgress: "nat",
  });

  const allowDataDeletion = config.dataProtection.allowDataDeletion;
  const identity = aws.getCallerIdentityOutput({});
  const partition = aws.getPartitionOutput({});
  // One customer-managed key: Kubernetes Secrets, node volumes, ElastiCache and OpenSearch at rest.
  // Auto Scaling's service-linked role must use it, or managed node groups cannot launch encrypted volumes.
  const key = new aws.kms.Key(`${NAME}-data`, {
    description: "Rampart aws-scale: Kubernetes Secrets envelope, node volumes, ElastiCache and OpenSearch at rest",
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: pulumi.all([identity.accountId, partition.partition]).apply(([account, part]) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:${part}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
          {
            Sid: "AutoScalingUsesForNodeVolumes",
            Effect: "Allow",
            Principal: { AWS: `arn:${part}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling` },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
            Resource: "*",
          },
        ],
      }),
    ),
    // The key encrypts the data stores and their snapshots: once it is deleted, no snapshot can be read.
  }, dataResourceOptions("guarded", allowDataDeletion));

  const cluster = new EksCluster(NAME, {
    vpcId: network.vpcId,
    vpcCidr: net.vpcCidr,
    publicSubnetIds: network.publicSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    adminCidrs: config.admin.cidrs,
    publicEndpoint: scale.clusterPublicEndpoint,
    kmsKeyArn: key.arn,
    version: scale.clusterVersion,
    egressSecurityGroupId: network.securityGroupIds.egress,
    cloudflarePrefixListIds: network.cloudflarePrefixListIds,
    edgePodPort: EDGE_CONTAINER_HTTPS_PORT,
    nodes: {
      media: { nodes: scale.media.nodes, instanceType: scale.media.instanceType, volumeGiB: scale.nodeVolumeGiB },
      app: { nodes: scale.app.nodes, instanceType: scale.app.instanceType, volumeGiB: scale.nodeVolumeGiB },
    },
    logRetentionDays: net.flowLogRetentionDays,
  });

  const redis = new ManagedRedis(`${NAME}-redis`, {
    subnetIds: network.privateSubnetIds,
    securityGroupIds: [network.securityGroupIds.vpc],
    kmsKeyArn: key.arn,
    nodeType: scale.cache.nodeType,
    replicas: scale.cache.replicas,
    allowDataDeletion,
  });

  // The gateway is the app role that may query search (its Pod Identity role); nothing else is named.
  const gatewayRole = new aws.iam.Role(`${NAME}-gateway-pod`, { assumeRolePolicy: POD_IDENTITY_TRUST });
  new aws.eks.PodIdentityAssociation(`${NAME}-gateway-pod`, { clusterName: cluster.name, namespace: NAMESPACES.app, serviceAccount: "gateway", roleArn: gatewayRole.arn });
  const search = new ManagedSearch(`${NAME}-search`, {
    subnetIds: network.privateSubnetIds,
    securityGroupIds: [network.securityGroupIds.vpc],
    kmsKeyArn: key.arn,
    clientRoleArns: [gatewayRole.arn],
    instanceType: scale.search.instanceType,
    instanceCount: scale.search.instanceCount,
    masterInstanceType: scale.search.masterInstanceType,
    volumeGiB: scale.search.volumeGiB,
    allowDataDeletion,
  });

  // Static addresses for the two load balancers, one per public subnet: DNS can point at them.
  const eips = (role: string) =>
    network.publicSubnetIds.map((_, i) => new aws.ec2.Eip(`${NAME}-${role}-lb-${i}`, { domain: "vpc", tags: { Name: `${NAME}-${role}-lb-${i}` } }));
  const edgeEips = eips("edge");
  const turnEips = eips("turn");

  const edge = new CloudflareEdge(`${NAME}-edge`, {
    zoneId: config.cloudflare.zoneId,
    domain: config.domain,
    rules: edgeRules,
    originIp: edgeEips[0]!.publicIp,
    mediaIp: turnEips[0]!.publicIp,
  });

  const hostnames = edgeHostnames(config.domain);
  const cloudflareToken = new pulumi.Config("cloudflare").getSecret("apiToken");
  const turnCertificate = new AcmeCertificate(`${NAME}-turn`, {
    hostname: hostnames.turn,
    email: net.acmeEmail,
    serverUrl: net.acmeServerUrl,
    ...(cloudflareToken ? { cloudflareDnsToken: cloudflareToken } : {}),
  });

  // The Kubernetes provider reaches the cluster with a kubeconfig made from its outputs (a secret).
  const provider = new k8s.Provider(`${NAME}-k8s`, { kubeconfig: cluster.kubeconfig, enableServerSideApply: true });
  const workloads = new RampartWorkloads(NAME, {
    domain: config.domain,
    hostnames: { app: hostnames.app, turn: hostnames.turn },
    allowedOrigins: [...config.allowedOrigins],
    images: { gateway: config.gatewayImage, ...config.images },
    redis: { host: redis.host, gatewayPassword: redis.gatewayPassword, livekitPassword: redis.livekitPassword },
    edgeTls: { certPem: edge.originCertificatePem, keyPem: edge.originPrivateKeyPem, originPullCaPem: edge.originPullCaPem },
    turnTls: { certPem: turnCertificate.certPem, keyPem: turnCertificate.keyPem },
    cloudflareRanges: pulumi.all([ranges.ipv4Cidrs, ranges.ipv6Cidrs]).apply(([v4, v6]) => [...v4, ...v6]),
    ...(config.jwtSecret ? { jwtSecret: pulumi.secret(config.jwtSecret) } : {}),
    gateway: {
      ...scale.gateway,
      ...(config.gateway.fanoutKey ? { fanoutKey: pulumi.secret(config.gateway.fanoutKey) } : {}),
      anomalyAllowlist: [...config.gateway.anomalyAllowlist],
    },
    edgeReplicas: scale.edgeReplicas,
    monitoring: clusterMonitoringArgs(config.monitoring),
    kmsKeyArn: key.arn,
    livekit: { cpus: scale.media.livekitCpus, memoryMiB: scale.media.livekitMemoryMiB },
    publicSubnetCidrs: net.publicSubnetCidrs,
    privateSubnetCidrs: net.privateSubnetCidrs,
    adminCidrs: config.admin.cidrs,
    loadBalancer: {
      securityGroupId: cluster.loadBalancerSecurityGroupId,
      edgeEipAllocationIds: edgeEips.map((e) => e.allocationId),
      turnEipAllocationIds: turnEips.map((e) => e.allocationId),
    },
  }, { provider, dependsOn: [cluster] });

  return {
    endpoints: { https: `https://${hostnames.app}`, turn: hostnames.turn },
    proxiedHostnames: edge.proxiedHostnames,
    dnsOnlyHostnames: edge.dnsOnlyHostnames,
    vpcId: network.vpcId,
    clusterName: cluster.name,
    kubeconfig: cluster.kubeconfig,
    redisEndpoint: redis.host,
    grafanaAdminPassword: workloads.grafanaAdminPassword,
    searchEndpoint: search.endpoint,
  };
}

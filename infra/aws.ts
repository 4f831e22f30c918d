import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { portsFor } from "@rampart/catalogue";
import { AcmeCertificate } from "../components/certificates";
import { RampartContainers, serviceContainerName } from "../components/containers";
import { CloudflareEdge } from "../components/edge";
import { DockerHost } from "../components/host";
import { Network } from "../components/network";
import type { AwsConfig } from "./config";
import { monitoringArgs } from "./monitoring";
import { checkEdgePlan, edgeHostnames } from "./edge";
import { gatewaySecurityLogFiles, SECURITY_LOG_UNIT } from "./security-log";

/** AWS target: VPC and security groups by exposure class, a hardened Docker host, Cloudflare in front. */
export function deployAws(config: AwsConfig): Record<string, pulumi.Input<unknown>> {
  const { aws, cloudflare: cf } = config;
  const edgeRules = checkEdgePlan(config);
  const ranges = cloudflare.getIpRangesOutput({});

  const network = new Network("rampart", {
    cidrBlock: aws.vpcCidr,
    publicSubnetCidrs: aws.publicSubnetCidrs,
    privateSubnetCidrs: aws.privateSubnetCidrs,
    adminCidrs: config.admin.cidrs,
    adminSsh: config.admin.ssh,
    cloudflareIpv4: ranges.ipv4Cidrs,
    cloudflareIpv6: ranges.ipv6Cidrs,
    flowLogRetentionDays: aws.flowLogRetentionDays,
  });

  const hostPorts = portsFor("aws", { adminSsh: config.admin.ssh }).filter((p) => p.service !== "external");
  const host = new DockerHost("rampart-rtc", {
    subnetId: network.publicSubnetIds[0]!,
    availabilityZone: network.publicSubnetZones[0]!,
    securityGroupIds: [
      network.securityGroupIds.public,
      network.securityGroupIds.cloudflare,
      network.securityGroupIds.admin,
      network.securityGroupIds.vpc,
      network.securityGroupIds.egress,
    ],
    instanceType: aws.instanceType,
    rootVolumeGiB: aws.rootVolumeGiB,
    dataVolumeGiB: aws.dataVolumeGiB,
    allowDataDeletion: config.dataProtection.allowDataDeletion,
    dockerVersion: aws.dockerVersion,
    deployerPublicKey: aws.deployerPublicKey,
    files: gatewaySecurityLogFiles(serviceContainerName("gateway")),
    units: [SECURITY_LOG_UNIT],
    firewall: pulumi.all([ranges.ipv4Cidrs, ranges.ipv6Cidrs]).apply(([v4, v6]) => ({
      ports: hostPorts,
      vpcCidr: aws.vpcCidr,
      adminCidrs: config.admin.cidrs,
      cloudflareIpv4: v4,
      cloudflareIpv6: v6,
    })),
  });

  const edge = new CloudflareEdge("rampart-edge", {
    zoneId: cf.zoneId,
    domain: config.domain,
    rules: edgeRules,
    originIp: host.publicIp,
  });

  const hostnames = edgeHostnames(config.domain);
  const cloudflareToken = new pulumi.Config("cloudflare").getSecret("apiToken");
  const turnCertificate = new AcmeCertificate("rampart-turn", {
    hostname: hostnames.turn,
    email: aws.acmeEmail,
    serverUrl: aws.acmeServerUrl,
    ...(cloudflareToken ? { cloudflareDnsToken: cloudflareToken } : {}),
  });

  const containers = new RampartContainers("rampart", {
    target: "aws",
    domain: config.domain,
    hostnames: { app: hostnames.app, turn: hostnames.turn },
    bindAddress: host.privateIp,
    publicAddress: host.publicIp,
    allowedOrigins: [...config.allowedOrigins],
    allowDataDeletion: config.dataProtection.allowDataDeletion,
    images: config.images,
    searchEngine: config.search.engine,
    cloudflareRanges: pulumi.all([ranges.ipv4Cidrs, ranges.ipv6Cidrs]).apply(([v4, v6]) => [...v4, ...v6]),
    edgeTls: { certPem: edge.originCertificatePem, keyPem: edge.originPrivateKeyPem, originPullCaPem: edge.originPullCaPem },
    turnTls: { certPem: turnCertificate.certPem, keyPem: turnCertificate.keyPem },
    monitoring: monitoringArgs(config.monitoring),
    secrets: {
      ...(config.jwtSecret ? { jwtSecret: pulumi.secret(config.jwtSecret) } : {}),
      ...(config.gateway.fanoutKey ? { gatewayFanoutKey: pulumi.secret(config.gateway.fanoutKey) } : {}),
    },
    gatewayAnomalyAllowlist: [...config.gateway.anomalyAllowlist],
  }, { provider: host.provider });

  return {
    endpoints: containers.endpoints,
    grafanaAdminPassword: containers.grafanaAdminPassword,
    proxiedHostnames: edge.proxiedHostnames,
    dnsOnlyHostnames: edge.dnsOnlyHostnames,
    vpcId: network.vpcId,
    hostInstanceId: host.instanceId,
    hostPublicIp: host.publicIp,
  };
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { portsFor, type ExposureClass, type Platform } from "@rampart/catalogue";
import { ingressRules } from "./rules";

export * from "./rules";

export interface NetworkArgs {
  /** IPv4 CIDR of the VPC (a plain value: rule descriptions name it). */
  cidrBlock: string;
  /** One public subnet per availability zone (plain values: the number of subnets shapes the resources). */
  publicSubnetCidrs: readonly string[];
  /** One private subnet per availability zone. */
  privateSubnetCidrs: readonly string[];
  /** Operators' networks for the admin class; never 0.0.0.0/0 (config validation refuses it). */
  adminCidrs: readonly string[];
  /** Open SSH to the admin CIDRs (default false: SSM is the way in). */
  adminSsh?: boolean;
  /** Cloudflare's published ranges (cloudflare.getIpRanges), fed into managed prefix lists. */
  cloudflareIpv4: pulumi.Input<string[]>;
  cloudflareIpv6: pulumi.Input<string[]>;
  /** CloudWatch retention of the VPC flow logs (default 90 days). */
  flowLogRetentionDays?: pulumi.Input<number>;
  /** Which platform's ports the class groups open (default docker: the single-host targets). */
  platform?: Platform;
  /**
   * Outbound route for the private subnets: none (the default: VPC-only services need none) or a NAT
   * gateway per availability zone, for Kubernetes nodes in private subnets that pull images and reach
   * AWS APIs. Inbound stays impossible either way.
   */
  privateEgress?: "none" | "nat";
}

/**
 * VPC across at least two availability zones, flow logs, a rule-less default security group, and one
 * security group per exposure class whose rules all derive from the port catalogue.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  /** Availability zone of each public subnet (a host's EBS data volume must be created in its zone). */
  readonly publicSubnetZones: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** Security group id per exposure class, plus `egress` for the hosts' outbound traffic. */
  readonly securityGroupIds: Record<ExposureClass | "egress", pulumi.Output<string>>;
  /** Managed prefix lists of Cloudflare's ranges, for groups that admit the cloudflare class. */
  readonly cloudflarePrefixListIds: { readonly ipv4: pulumi.Output<string>; readonly ipv6: pulumi.Output<string> };

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    // Refused before anything is registered: a half-declared network is never left behind.
    if (args.publicSubnetCidrs.length < 2 || args.privateSubnetCidrs.length < 2) {
      throw new Error("Network: needs at least two public and two private subnets (one per availability zone)");
    }
    super("rampart:network:Network", name, {}, opts);
    const parent = { parent: this };
    const adminSsh = args.adminSsh ?? false;
    const retention = args.flowLogRetentionDays ?? 90;
    const platform = args.platform ?? "docker";
    const privateEgress = args.privateEgress ?? "none";

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: args.cidrBlock,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `${name}-vpc` },
    }, parent);

    // Adopting the default group with no rules strips the allow-all-from-itself rule AWS puts there (CIS AWS 5.4).
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, ingress: [], egress: [], tags: { Name: `${name}-default-unused` } }, parent);

    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
    const zoneAt = (i: number) =>
      zones.names.apply((names) => {
        if (names.length < 2) throw new Error(`Network: the region offers ${names.length} availability zone(s); at least two are needed`);
        return names[i % names.length]!;
      });

    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${name}-igw` } }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public-rt`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
      tags: { Name: `${name}-public` },
    }, parent);
    // Private subnets have no route out unless NAT is asked for: VPC-only services placed there are
    // unreachable from the internet by construction (a NAT gateway only carries connections opened from inside).
    const privateRoutes =
      privateEgress === "none" ? new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: vpc.id, tags: { Name: `${name}-private` } }, parent) : undefined;

    // Kubernetes' load balancer controllers pick subnets by these well-known role tags.
    const lbRole = (kind: "public" | "private") =>
      platform === "kubernetes" ? { [kind === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1" } : {};
    const subnet = (kind: "public" | "private", cidr: string, i: number) => {
      const s = new aws.ec2.Subnet(`${name}-${kind}-${i}`, {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: zoneAt(i),
        // Hosts get Elastic IPs explicitly; nothing gets a public address by accident.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${name}-${kind}-${i}`, "rampart:tier": kind, ...lbRole(kind) },
      }, parent);
      return s;
    };
    const publicSubnets = args.publicSubnetCidrs.map((c, i) => {
      const s = subnet("public", c, i);
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}-rta`, { subnetId: s.id, routeTableId: publicRoutes.id }, parent);
      return s;
    });
    const privateSubnets = args.privateSubnetCidrs.map((c, i) => {
      const s = subnet("private", c, i);
      let table = privateRoutes;
      if (!table) {
        // One NAT gateway per zone: losing a zone never cuts the others' way out.
        const at = publicSubnets[i % publicSubnets.length]!;
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { Name: `${name}-nat-${i}` } }, parent);
        const nat = new aws.ec2.NatGateway(`${name}-nat-${i}`, { subnetId: at.id, allocationId: eip.id, tags: { Name: `${name}-nat-${i}` } }, { parent: this, dependsOn: [igw] });
        table = new aws.ec2.RouteTable(`${name}-private-${i}-rt`, {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: { Name: `${name}-private-${i}` },
        }, parent);
      }
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}-rta`, { subnetId: s.id, routeTableId: table.id }, parent);
      return s;
    });
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.publicSubnetZones = publicSubnets.map((s) => s.availabilityZone);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    this.createFlowLogs(name, vpc, retention);

    const prefixLists = {
      "cloudflare-ipv4": new aws.ec2.ManagedPrefixList(`${name}-cloudflare-ipv4`, {
        addressFamily: "IPv4",
        // Headroom so a new Cloudflare range does not force a replacement of the list.
        maxEntries: pulumi.output(args.cloudflareIpv4).apply((r) => Math.max(r.length + 5, 20)),
        entries: pulumi.output(args.cloudflareIpv4).apply((r) => r.map((cidr) => ({ cidr, description: "Cloudflare" }))),
        tags: { Name: `${name}-cloudflare-ipv4` },
      }, parent),
      "cloudflare-ipv6": new aws.ec2.ManagedPrefixList(`${name}-cloudflare-ipv6`, {
        addressFamily: "IPv6",
        maxEntries: pulumi.output(args.cloudflareIpv6).apply((r) => Math.max(r.length + 3, 10)),
        entries: pulumi.output(args.cloudflareIpv6).apply((r) => r.map((cidr) => ({ cidr, description: "Cloudflare" }))),
        tags: { Name: `${name}-cloudflare-ipv6` },
      }, parent),
    };

    const classes: ExposureClass[] = ["public", "cloudflare", "admin", "vpc"];
    const groups = Object.fromEntries(
      classes.map((cls) => [
        cls,
        new aws.ec2.SecurityGroup(`${name}-${cls}`, {
          vpcId: vpc.id,
          description: `Rampart ${cls}-class ports (derived from the port catalogue)`,
          tags: { Name: `${name}-${cls}`, "rampart:class": cls },
        }, parent),
      ]),
    ) as Record<ExposureClass, aws.ec2.SecurityGroup>;

    const rules = ingressRules(portsFor("aws", { adminSsh, platform }).filter((p) => p.service !== "external"), {
      vpcCidr: args.cidrBlock,
      adminCidrs: args.adminCidrs,
    });
    for (const rule of rules) {
      new aws.vpc.SecurityGroupIngressRule(`${name}-${rule.key}`, {
        securityGroupId: groups[rule.class].id,
        ipProtocol: rule.protocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        description: rule.description,
        ...(rule.source.kind === "prefixList"
          ? { prefixListId: prefixLists[rule.source.value].id }
          : rule.source.kind === "cidrIpv6"
            ? { cidrIpv6: rule.source.value }
            : { cidrIpv4: rule.source.value }),
      }, parent);
    }

    const egress = new aws.ec2.SecurityGroup(`${name}-egress`, {
      vpcId: vpc.id,
      description: "Rampart hosts' outbound traffic (packages, images, TURN relays and media to any peer)",
      tags: { Name: `${name}-egress` },
    }, parent);
    for (const [family, cidr] of [["v4", "0.0.0.0/0"], ["v6", "::/0"]] as const) {
      new aws.vpc.SecurityGroupEgressRule(`${name}-egress-${family}`, {
        securityGroupId: egress.id,
        ipProtocol: "-1",
        description: `outbound to anywhere (${family === "v4" ? "IPv4" : "IPv6"}): updates, image pulls, media and relayed TURN traffic`,
        ...(family === "v4" ? { cidrIpv4: cidr } : { cidrIpv6: cidr }),
      }, parent);
    }

    this.vpcId = vpc.id;
    this.securityGroupIds = {
      public: groups.public.id,
      cloudflare: groups.cloudflare.id,
      admin: groups.admin.id,
      vpc: groups.vpc.id,
      egress: egress.id,
    };
    this.cloudflarePrefixListIds = { ipv4: prefixLists["cloudflare-ipv4"].id, ipv6: prefixLists["cloudflare-ipv6"].id };
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      securityGroupIds: this.securityGroupIds,
    });
  }

  private createFlowLogs(name: string, vpc: aws.ec2.Vpc, retention: pulumi.Input<number>): void {
    const parent = { parent: this };
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-flow-logs`, { retentionInDays: retention }, parent);
    const role = new aws.iam.Role(`${name}-flow-logs`, {
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    }, parent);
    new aws.iam.RolePolicy(`${name}-flow-logs`, {
      role: role.id,
      policy: logGroup.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [arn, `${arn}:*`],
          }],
        }),
      ),
    }, parent);
    new aws.ec2.FlowLog(`${name}-flow-log`, {
      vpcId: vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    }, parent);
  }
}

import type { ResourceValidationArgs } from "@pulumi/policy";
import { CLOUDFLARE_RANGES, coveredBy, internetWide, parseRange, parseRanges } from "@rampart/catalogue";
import { awsProtocol, portLabel, restrictedOverlaps, WEB_PORTS, type ProtocolMatch } from "./ports";
import { configOf, type ResourceRule } from "./rule";
import { T } from "./types";
import { asArray, asNumber, asRecords, asString, asStrings, isNonEmptyString } from "./values";

/** One security-group rule, whichever of the four forms a program wrote it in. */
interface SgEntry {
  direction: "ingress" | "egress";
  from: number;
  to: number;
  protocol: ProtocolMatch;
  cidrs: string[];
  /** Sources that are not CIDRs: prefix lists, security groups, self. */
  otherSources: string[];
  description: unknown;
  /** Where in the resource the entry is, for messages ("ingress[2]", "rule"). */
  where: string;
}

function portRange(protocol: ProtocolMatch, from: unknown, to: unknown): [number, number] {
  const f = asNumber(from);
  const t = asNumber(to);
  // Protocol -1 ignores ports; so do "0 to 0" and "-1 to -1" pairs: they mean every port.
  if (protocol === "all" || f === undefined || t === undefined || (f <= 0 && t <= 0) || f < 0) return [0, 65535];
  return [f, t];
}

function blockEntry(direction: "ingress" | "egress", block: Record<string, unknown>, where: string): SgEntry {
  const protocol = awsProtocol(block.protocol);
  const [from, to] = portRange(protocol, block.fromPort, block.toPort);
  return {
    direction,
    from,
    to,
    protocol,
    cidrs: [...asStrings(block.cidrBlocks), ...asStrings(block.ipv6CidrBlocks)],
    otherSources: [...asStrings(block.prefixListIds), ...asStrings(block.securityGroups), ...(block.self === true ? ["self"] : [])],
    description: block.description,
    where,
  };
}

/** Every rule entry of a resource of one of the security-group types. */
function sgEntries(type: string, props: Record<string, unknown>): SgEntry[] {
  switch (type) {
    case T.sgIngressRule:
    case T.sgEgressRule: {
      const protocol = awsProtocol(props.ipProtocol);
      const [from, to] = portRange(protocol, props.fromPort, props.toPort);
      const cidrs = [asString(props.cidrIpv4), asString(props.cidrIpv6)].filter((c): c is string => c !== undefined);
      const other = [asString(props.prefixListId), asString(props.referencedSecurityGroupId)].filter((c): c is string => c !== undefined);
      return [{ direction: type === T.sgIngressRule ? "ingress" : "egress", from, to, protocol, cidrs, otherSources: other, description: props.description, where: "rule" }];
    }
    case T.sgRule: {
      const direction = props.type === "egress" ? "egress" : "ingress";
      const entry = blockEntry(direction, props, "rule");
      if (isNonEmptyString(props.sourceSecurityGroupId)) entry.otherSources.push(props.sourceSecurityGroupId);
      return [entry];
    }
    case T.securityGroup:
    case T.defaultSecurityGroup:
      return [
        ...asRecords(props.ingress).map((b, i) => blockEntry("ingress", b, `ingress[${i}]`)),
        ...asRecords(props.egress).map((b, i) => blockEntry("egress", b, `egress[${i}]`)),
      ];
    default:
      return [];
  }
}

const SG_TYPES = [T.sgIngressRule, T.sgEgressRule, T.sgRule, T.securityGroup, T.defaultSecurityGroup] as const;
const SG_INGRESS_TYPES = [T.sgIngressRule, T.sgRule, T.securityGroup, T.defaultSecurityGroup] as const;

function ingressOf(args: ResourceValidationArgs): SgEntry[] {
  return sgEntries(args.type, args.props).filter((e) => e.direction === "ingress");
}

export const noWorldRestrictedPorts: ResourceRule = {
  kind: "resource",
  name: "security-group-no-world-admin-or-internal-ports",
  description:
    "No security-group ingress from the internet (0.0.0.0/0, ::/0, or sources that together cover a /8 or more of public address space, such as 0.0.0.0/1 + 128.0.0.0/1) may cover an admin port (SSH, RDP, metrics, admin UIs) or an internal port (Elasticsearch, Redis, databases, LiveKit API, gateway) — port ranges and protocol -1 included.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Open admin ports to the configured admin CIDRs only (rampart:adminCidrs) and internal ports to the VPC CIDR or a referenced security group. Use SSM Session Manager instead of public SSH. Split wide port ranges so they exclude restricted ports.",
  anchors: { cis: "AWS Foundations 5.2/5.3", kics: "Security Group With Unrestricted Access To SSH (65e96ff8)", checkov: "CKV_AWS_24, CKV_AWS_25, CKV_AWS_260", guide: "docs/exposure-classes.md; https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html" },
  resourceTypes: SG_INGRESS_TYPES,
  validateResource: (args, report) => {
    for (const e of ingressOf(args)) {
      const world = internetWide(e.cidrs);
      if (!world) continue;
      const hits = restrictedOverlaps(e.from, e.to, e.protocol);
      if (hits.length === 0) continue;
      const span = e.protocol === "all" ? "all traffic (protocol -1)" : `${e.from}-${e.to}/${e.protocol}`;
      report(`${e.where}: ingress from ${world.sources.join(", ")} on ${span} opens restricted port(s) to the internet: ${hits.map(portLabel).join("; ")}`);
    }
  },
};

interface WebOriginConfig {
  cloudflareRanges: string[];
}

/** Address space that is not the internet: an origin may take HTTP(S) from its own network. */
const PRIVATE_RANGES = parseRanges(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fc00::/7", "::1/128"]);

export const webFromCloudflareOnly: ResourceRule = {
  kind: "resource",
  name: "security-group-web-from-cloudflare-only",
  description:
    "Ingress covering HTTP/HTTPS (80, 443) to an origin comes only from Cloudflare's published ranges (explicit CIDRs or a managed prefix list), a referenced security group, or private address space.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Reference the Cloudflare managed prefix list (fed by cloudflare.getIpRanges) or list Cloudflare's CIDRs; never open 80/443 of an origin to 0.0.0.0/0 — visitors must pass Cloudflare's WAF and Authenticated Origin Pulls.",
  anchors: { guide: "docs/exposure-classes.md#the-four-classes (class cloudflare); https://www.cloudflare.com/ips/" },
  configSchema: {
    properties: {
      cloudflareRanges: { type: "array", items: { type: "string" }, default: [...CLOUDFLARE_RANGES], description: "CIDRs trusted as Cloudflare's proxies (https://www.cloudflare.com/ips/)." },
    },
  },
  resourceTypes: SG_INGRESS_TYPES,
  validateResource: (args, report) => {
    const { cloudflareRanges } = configOf<WebOriginConfig>(args, { cloudflareRanges: [...CLOUDFLARE_RANGES] });
    const trusted = [...parseRanges(cloudflareRanges), ...PRIVATE_RANGES];
    for (const e of ingressOf(args)) {
      if (e.protocol !== "tcp" && e.protocol !== "all") continue;
      const web = WEB_PORTS.filter((p) => p >= e.from && p <= e.to);
      if (web.length === 0) continue;
      const outside = e.cidrs.filter((c) => {
        const r = parseRange(c);
        return r === undefined || !coveredBy(r, trusted);
      });
      if (outside.length > 0) {
        report(`${e.where}: ingress on ${web.join("/")} from ${outside.join(", ")}, outside Cloudflare's ranges: an origin's HTTP(S) must only be reachable through Cloudflare`);
      }
    }
  },
};

export const rulesDescribed: ResourceRule = {
  kind: "resource",
  name: "security-group-rules-described",
  description: "Every security-group rule (ingress and egress, in every form) carries a description saying why it exists.",
  severity: "low",
  enforcementLevel: "mandatory",
  remediationSteps: "Set `description` on the rule, e.g. the port catalogue entry's description it was derived from.",
  anchors: { checkov: "CKV_AWS_23", kics: "Security Group Rule Without Description (cb3f5ed6)" },
  resourceTypes: SG_TYPES,
  validateResource: (args, report) => {
    for (const e of sgEntries(args.type, args.props)) {
      if (!isNonEmptyString(e.description)) report(`${e.where} (${e.direction} ${e.from}-${e.to}) has no description`);
    }
  },
};

export const defaultSecurityGroupEmpty: ResourceRule = {
  kind: "resource",
  name: "default-security-group-no-rules",
  description: "The VPC's default security group allows no traffic: no ingress and no egress rules.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Declare aws.ec2.DefaultSecurityGroup with no `ingress` and no `egress`, and attach purpose-built security groups to instances.",
  anchors: { cis: "AWS Foundations 5.4", checkov: "CKV2_AWS_12", kics: "Default Security Groups With Unrestricted Traffic (46883ce1)" },
  resourceTypes: [T.defaultSecurityGroup],
  validateResource: (args, report) => {
    const ingress = asArray(args.props.ingress).length;
    const egress = asArray(args.props.egress).length;
    if (ingress > 0 || egress > 0) report(`the default security group has ${ingress} ingress and ${egress} egress rule(s); it must have none`);
  },
};

export const networkRules: ResourceRule[] = [noWorldRestrictedPorts, webFromCloudflareOnly, rulesDescribed, defaultSecurityGroupEmpty];

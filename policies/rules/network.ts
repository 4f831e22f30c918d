import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { CLOUDFLARE_RANGES, coveredBy, internetWide, parseRange, parseRanges } from "@rampart/catalogue";
import { awsProtocol, portLabel, restrictedOverlaps, restrictedPortsOf, WEB_PORTS, type ProtocolMatch, type RestrictedPort } from "./ports";
import { memoByText } from "../parsers/memo";
import { configOf, type Profile, type ResourceRule, type StackRule } from "./rule";
import { T } from "./types";
import { asArray, asNumber, asRecords, asString, asStrings, isMasked, isNonEmptyString } from "./values";

/** One security-group rule, whichever of the four forms a program wrote it in. */
export interface SgEntry {
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

function spanOf(e: SgEntry): string {
  return e.protocol === "all" ? "all traffic (protocol -1)" : `${e.from}-${e.to}/${e.protocol}`;
}

function opens(e: SgEntry, p: RestrictedPort): boolean {
  return e.protocol !== "other" && (e.protocol === "all" || e.protocol === p.protocol) && e.from <= p.to && p.from <= e.to;
}

/**
 * Where ingress entries open restricted ports to the internet: one entry whose sources are internet-wide,
 * or several entries (of one resource, or of one group) whose sources together are, on the same port.
 */
export function worldOpenings(entries: readonly SgEntry[], profile: Profile): string[] {
  const out: string[] = [];
  const wide = new Set<SgEntry>();
  for (const e of entries) {
    const world = internetWide(e.cidrs);
    if (!world) continue;
    const hits = restrictedOverlaps(e.from, e.to, e.protocol, profile);
    if (hits.length === 0) continue;
    wide.add(e);
    out.push(`${e.where}: ingress from ${world.sources.join(", ")} on ${spanOf(e)} opens restricted port(s) to the internet: ${hits.map(portLabel).join("; ")}`);
  }
  for (const p of restrictedPortsOf(profile)) {
    const covering = entries.filter((e) => !wide.has(e) && opens(e, p));
    if (covering.length < 2) continue;
    const world = internetWide(covering.flatMap((e) => e.cidrs));
    if (!world) continue;
    out.push(
      `${covering.map((e) => e.where).join(", ")}: ingress from ${world.sources.join(", ")} together cover ${(world.share * 100).toFixed(1)}% of the ${world.family === "ipv4" ? "IPv4" : "IPv6"} internet on ${portLabel(p)}`,
    );
  }
  return out;
}

const WORLD_REMEDIATION =
  "Open admin ports (SSH, RDP, metrics, admin UIs) only to your administrators' CIDRs and internal ports (databases, caches, search) only to the VPC CIDR or a referenced security group; reach hosts through a session manager or bastion instead of public SSH. Split wide port ranges so they exclude restricted ports. A set of ranges that together cover a /8 or more of public address space counts as the internet.";

export const noWorldRestrictedPorts: ResourceRule = {
  kind: "resource",
  name: "security-group-no-world-admin-or-internal-ports",
  description:
    "No security-group ingress from the internet (0.0.0.0/0, ::/0, or sources that together cover a /8 or more of public address space, such as 0.0.0.0/1 + 128.0.0.0/1, within one entry or across the entries of one resource) may cover an admin port (SSH, RDP, metrics, admin UIs) or an internal port (databases, caches, search) — port ranges and protocol -1 included.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: WORLD_REMEDIATION,
  anchors: { cis: "CIS AWS Foundations 5.2; CIS AWS Foundations 5.3", kics: "Security Group With Unrestricted Access To SSH (65905cec); Sensitive Port Is Exposed To Entire Network (381c3f2a)", checkov: "CKV_AWS_24; CKV_AWS_25", guide: "docs/exposure-classes.md" },
  resourceTypes: SG_INGRESS_TYPES,
  validateResource: (args, report, ctx) => {
    for (const m of worldOpenings(ingressOf(args), ctx.profile)) report(m);
  },
};

/** The group a stand-alone rule belongs to, when the program names it by a known id. */
function groupIdOf(r: PolicyResource): string | undefined {
  const id = r.type === T.securityGroup || r.type === T.defaultSecurityGroup ? r.props.id : r.props.securityGroupId;
  return typeof id === "string" && !isMasked(id) ? id : undefined;
}

/** Resources by the security group they write rules for (stand-alone rules, and groups whose id is known). */
function byGroup(resources: readonly PolicyResource[]): Map<string, PolicyResource[]> {
  const groups = new Map<string, PolicyResource[]>();
  for (const r of resources) {
    if (!(SG_TYPES as readonly string[]).includes(r.type)) continue;
    const id = groupIdOf(r);
    if (!id) continue;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return groups;
}

export const noWorldRestrictedPortsAcrossRules: StackRule = {
  kind: "stack",
  name: "security-group-no-world-restricted-ports-across-rules",
  description:
    "The ingress rules of one security group, taken together (stand-alone rules and inline blocks), do not open an admin or internal port to the internet: two rules with 0.0.0.0/1 and 128.0.0.0/1 on SSH are SSH for everyone.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps: WORLD_REMEDIATION,
  anchors: { cis: "CIS AWS Foundations 5.2; CIS AWS Foundations 5.3", checkov: "CKV_AWS_24; CKV_AWS_25", guide: "docs/exposure-classes.md" },
  validateStack: (args, report, ctx) => {
    for (const [id, members] of byGroup(args.resources)) {
      if (members.length < 2) continue;
      const entries = members.flatMap((r) => sgEntries(r.type, r.props).filter((e) => e.direction === "ingress").map((e) => ({ ...e, where: `${r.name}${e.where === "rule" ? "" : `.${e.where}`}` })));
      // A single entry that is the internet on its own is the resource rule's finding.
      const combined = worldOpenings(entries, ctx.profile).filter((m) => m.includes(" together cover "));
      for (const m of combined) report(`security group ${id}: ${m}`, members[0]!.urn);
    }
  },
};

interface WebOriginConfig {
  cloudflareRanges: string[];
}

/** Address space that is not the internet: an origin may take HTTP(S) from its own network. */
const PRIVATE_RANGES = parseRanges(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fc00::/7", "::1/128"]);

/** Cloudflare's ranges (as configured) and private space, parsed once per configured list. */
const trustedOrigins = memoByText((ranges: string) => [...parseRanges(ranges.split(" ").filter(Boolean)), ...PRIVATE_RANGES]);

export const webFromCloudflareOnly: ResourceRule = {
  kind: "resource",
  name: "security-group-web-from-cloudflare-only",
  description:
    "Ingress covering HTTP/HTTPS (80, 443) to an origin comes only from Cloudflare's published ranges (explicit CIDRs or a managed prefix list), a referenced security group, or private address space. Rampart's architecture: off under the baseline profile.",
  severity: "high",
  enforcementLevel: "mandatory",
  profiles: { baseline: "off" },
  remediationSteps:
    "Reference the Cloudflare managed prefix list (fed by cloudflare.getIpRanges) or list Cloudflare's CIDRs; never open 80/443 of an origin to 0.0.0.0/0 — visitors must pass Cloudflare's WAF and Authenticated Origin Pulls.",
  anchors: { checkov: "CKV_AWS_260", guide: "docs/exposure-classes.md#the-four-classes; https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/" },
  configSchema: {
    properties: {
      cloudflareRanges: { type: "array", items: { type: "string" }, default: [...CLOUDFLARE_RANGES], description: "CIDRs trusted as Cloudflare's proxies (https://www.cloudflare.com/ips/)." },
    },
  },
  resourceTypes: SG_INGRESS_TYPES,
  validateResource: (args, report) => {
    const { cloudflareRanges } = configOf<WebOriginConfig>(args, { cloudflareRanges: [...CLOUDFLARE_RANGES] });
    const trusted = trustedOrigins(cloudflareRanges.join(" "));
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
  remediationSteps: "Set `description` on the rule: who needs this traffic and why.",
  anchors: { checkov: "CKV_AWS_23" },
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
  anchors: { cis: "CIS AWS Foundations 5.4", checkov: "CKV2_AWS_12", kics: "Default Security Groups With Unrestricted Traffic (46883ce1)" },
  resourceTypes: [T.defaultSecurityGroup],
  validateResource: (args, report) => {
    const ingress = asArray(args.props.ingress).length;
    const egress = asArray(args.props.egress).length;
    if (ingress > 0 || egress > 0) report(`the default security group has ${ingress} ingress and ${egress} egress rule(s); it must have none`);
  },
};

export const unrestrictedEgress: ResourceRule = {
  kind: "resource",
  name: "security-group-no-unrestricted-egress",
  description:
    "No security group lets everything out to the whole internet (all protocols or all ports to 0.0.0.0/0, ::/0 or an internet-wide set): egress names the ports and destinations a workload needs. Off under the rampart profile: Rampart's hosts relay TURN and WebRTC media to any peer on any port.",
  severity: "medium",
  enforcementLevel: "advisory",
  profiles: { rampart: "off" },
  remediationSteps: "Replace the allow-all egress with rules for the ports and destinations the workload uses (e.g. 443/tcp to package mirrors, the database's security group).",
  anchors: { checkov: "CKV_AWS_382" },
  resourceTypes: [T.sgEgressRule, T.sgRule, T.securityGroup],
  validateResource: (args, report) => {
    for (const e of sgEntries(args.type, args.props).filter((x) => x.direction === "egress")) {
      const everything = e.protocol === "all" || (e.from === 0 && e.to === 65535);
      const world = internetWide(e.cidrs);
      if (everything && world) report(`${e.where}: egress of ${spanOf(e)} to ${world.sources.join(", ")}: everything may leave to the whole internet`);
    }
  },
};

const STANDALONE_TYPES: readonly string[] = [T.sgIngressRule, T.sgEgressRule, T.sgRule];

export const inlineAndStandaloneRules: StackRule = {
  kind: "stack",
  name: "security-group-inline-or-standalone-rules",
  description:
    "A security group is managed either by inline ingress/egress blocks or by stand-alone rule resources, never both: the provider then removes the other's rules on every update, so what is deployed differs from what was reviewed.",
  severity: "medium",
  enforcementLevel: "advisory",
  remediationSteps: "Move the inline `ingress`/`egress` blocks of the group into aws.vpc.SecurityGroupIngressRule/EgressRule resources (or the other way round) so one mechanism manages the group.",
  anchors: { guide: "docs/policy-checks.md" },
  validateStack: (args, report) => {
    const groups = args.resources.filter((r) => r.type === T.securityGroup && (asArray(r.props.ingress).length > 0 || asArray(r.props.egress).length > 0));
    if (groups.length === 0) args.notApplicable("no security group has inline rules");
    for (const g of groups) {
      const id = groupIdOf(g);
      const standalone = args.resources.filter(
        (r) =>
          STANDALONE_TYPES.includes(r.type) &&
          ((id !== undefined && r.props.securityGroupId === id) || r.dependencies.some((d) => d.urn === g.urn) || (r.propertyDependencies.securityGroupId ?? []).some((d) => d.urn === g.urn)),
      );
      if (standalone.length > 0) report(`security group "${g.name}" has inline rules and stand-alone rules (${standalone.map((r) => r.name).join(", ")})`, g.urn);
    }
  },
};

export const networkResourceRules: ResourceRule[] = [noWorldRestrictedPorts, webFromCloudflareOnly, rulesDescribed, defaultSecurityGroupEmpty, unrestrictedEgress];
export const networkStackRules: StackRule[] = [noWorldRestrictedPortsAcrossRules, inlineAndStandaloneRules];

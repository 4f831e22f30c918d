import { rangeLabel, type ExposureClass, type PortEntry } from "@rampart/catalogue";

/** Where an ingress rule admits traffic from. */
export type RuleSource =
  | { readonly kind: "cidrIpv4"; readonly value: string; readonly label: string }
  | { readonly kind: "cidrIpv6"; readonly value: string; readonly label: string }
  | { readonly kind: "prefixList"; readonly value: "cloudflare-ipv4" | "cloudflare-ipv6"; readonly label: string };

export interface IngressRuleSpec {
  /** Unique, stable logical name suffix. */
  readonly key: string;
  readonly class: ExposureClass;
  readonly portId: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly protocol: "tcp" | "udp";
  readonly source: RuleSource;
  readonly description: string;
}

export interface SourceSets {
  readonly vpcCidr: string;
  readonly adminCidrs: readonly string[];
}

/**
 * Who may reach each exposure class. This is the one place that maps a class to sources; the policy
 * pack checks the same classes on whatever a program declares.
 */
export function sourcesFor(cls: ExposureClass, sets: SourceSets): RuleSource[] {
  switch (cls) {
    case "public":
      return [
        { kind: "cidrIpv4", value: "0.0.0.0/0", label: "anyone (IPv4)" },
        { kind: "cidrIpv6", value: "::/0", label: "anyone (IPv6)" },
      ];
    case "cloudflare":
      return [
        { kind: "prefixList", value: "cloudflare-ipv4", label: "Cloudflare IPv4 ranges" },
        { kind: "prefixList", value: "cloudflare-ipv6", label: "Cloudflare IPv6 ranges" },
      ];
    case "admin":
      return sets.adminCidrs.map((c) =>
        c.includes(":")
          ? { kind: "cidrIpv6" as const, value: c, label: `admin ${c}` }
          : { kind: "cidrIpv4" as const, value: c, label: `admin ${c}` },
      );
    case "vpc":
      return [{ kind: "cidrIpv4", value: sets.vpcCidr, label: `VPC ${sets.vpcCidr}` }];
  }
}

/** Every ingress rule of the stack, derived from the port catalogue. */
export function ingressRules(ports: readonly PortEntry[], sets: SourceSets): IngressRuleSpec[] {
  const rules: IngressRuleSpec[] = [];
  for (const p of ports) {
    sourcesFor(p.class, sets).forEach((source, i) => {
      rules.push({
        key: `${p.id}-${source.kind === "prefixList" ? source.value : `${source.kind === "cidrIpv6" ? "v6" : "v4"}-${i}`}`,
        class: p.class,
        portId: p.id,
        fromPort: p.from,
        toPort: p.to,
        protocol: p.protocol,
        source,
        description: `${p.class}: ${p.description} (${rangeLabel(p)}) from ${source.label}`.slice(0, 255),
      });
    });
  }
  return rules;
}

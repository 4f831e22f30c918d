import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { portsFor, portsOfService, type PortEntry, type ServiceName } from "@rampart/catalogue";
import { ingressRules, type IngressRuleSpec } from "../network/rules";

/** Services of each node role; their catalogue ports are what the role's group opens. */
export const ROLE_SERVICES = {
  media: ["livekit", "coturn"],
  app: ["gateway", "edge"],
} as const satisfies Record<string, readonly ServiceName[]>;

export type NodeRole = keyof typeof ROLE_SERVICES;

/** The aws layout's Kubernetes ports of a role: public media ranges, admin metrics, vpc APIs. */
export function rolePorts(role: NodeRole, adminSsh = false): PortEntry[] {
  const ports = portsFor("aws", { adminSsh, platform: "kubernetes" });
  return ROLE_SERVICES[role].flatMap((service) => portsOfService(service, ports));
}

export interface GroupRuleSets {
  vpcCidr: string;
  adminCidrs: readonly string[];
  prefixLists: { ipv4: pulumi.Input<string>; ipv6: pulumi.Input<string> };
}

/**
 * One ingress rule per catalogue port and class source. The edge's cloudflare-class 443 is not opened on
 * the app nodes: the load balancer's group admits Cloudflare, and the nodes admit only the load balancer
 * on the pod's port (see `edgeFromLoadBalancer`).
 */
export function declareIngress(name: string, groupId: pulumi.Input<string>, specs: readonly IngressRuleSpec[], sets: GroupRuleSets, parent: pulumi.Resource): void {
  for (const rule of specs) {
    new aws.vpc.SecurityGroupIngressRule(`${name}-${rule.key}`, {
      securityGroupId: groupId,
      ipProtocol: rule.protocol,
      fromPort: rule.fromPort,
      toPort: rule.toPort,
      description: rule.description,
      ...(rule.source.kind === "prefixList"
        ? { prefixListId: rule.source.value === "cloudflare-ipv4" ? sets.prefixLists.ipv4 : sets.prefixLists.ipv6 }
        : rule.source.kind === "cidrIpv6"
          ? { cidrIpv6: rule.source.value }
          : { cidrIpv4: rule.source.value }),
    }, { parent });
  }
}

/** Rules of a node role's group, from the catalogue (without the cloudflare class, which the load balancer holds). */
export function nodeRuleSpecs(role: NodeRole, sets: Pick<GroupRuleSets, "vpcCidr" | "adminCidrs">): IngressRuleSpec[] {
  return ingressRules(rolePorts(role).filter((p) => p.class !== "cloudflare"), sets);
}

/** Rules of the load balancer's group: exactly the cloudflare-class ports, from Cloudflare's prefix lists. */
export function loadBalancerRuleSpecs(sets: Pick<GroupRuleSets, "vpcCidr" | "adminCidrs">): IngressRuleSpec[] {
  return ingressRules(portsFor("aws", { platform: "kubernetes" }).filter((p) => p.class === "cloudflare"), sets);
}

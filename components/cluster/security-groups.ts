import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { portsFor, portsOfService, rangeLabel, type PortEntry, type ServiceName } from "@rampart/catalogue";
import { ingressRules, type IngressRuleSpec } from "../network/rules";

/** Services of each node role; their catalogue ports are what the role's group opens. */
export const ROLE_SERVICES = {
  media: ["livekit", "coturn"],
  app: ["gateway", "edge", "prometheus", "alertmanager", "grafana", "blackbox"],
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
  const ports = rolePorts(role).filter((p) => p.class !== "cloudflare");
  return [...ingressRules(ports, sets), ...inClusterRuleSpecs(ports, sets.vpcCidr)];
}

/**
 * Admin-class ports that pods reach too: Prometheus scrapes the metrics ports, Grafana and Prometheus reach
 * each other's. With the VPC CNI a pod's traffic carries its node's group, so the nodes admit these from the
 * VPC (where the app nodes are); the NetworkPolicies then narrow it to the one pod that may.
 */
function inClusterRuleSpecs(ports: readonly PortEntry[], vpcCidr: string): IngressRuleSpec[] {
  return ports
    .filter((p) => p.class === "admin" && (p.scrape === true || (p.peers?.length ?? 0) > 0))
    .map((p) => ({
      key: `${p.id}-in-cluster`,
      class: p.class,
      portId: p.id,
      fromPort: p.from,
      toPort: p.to,
      protocol: p.protocol,
      source: { kind: "cidrIpv4" as const, value: vpcCidr, label: `pods in the VPC ${vpcCidr}` },
      description: `in-cluster ${p.scrape ? "scrape" : "flow"}: ${p.description} (${rangeLabel(p)}) from pods in the VPC ${vpcCidr}`.slice(0, 255),
    }));
}

/** Rules of the load balancer's group: exactly the cloudflare-class ports, from Cloudflare's prefix lists. */
export function loadBalancerRuleSpecs(sets: Pick<GroupRuleSets, "vpcCidr" | "adminCidrs">): IngressRuleSpec[] {
  return ingressRules(portsFor("aws", { platform: "kubernetes" }).filter((p) => p.class === "cloudflare"), sets);
}

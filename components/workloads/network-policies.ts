/**
 * The exposure classes as NetworkPolicies, generated from the port catalogue: default-deny ingress and egress
 * in every namespace, then exactly the flows the catalogue allows (a port's `class` says who may reach it
 * from outside, its `peers` which Rampart services may connect to it, `scrape` that Prometheus may). Pure:
 * plain NetworkPolicy objects out, so a new catalogue entry becomes a new flow with no edit here.
 *
 * Where the target is not a pod the rule names addresses instead: a managed service (ElastiCache,
 * OpenSearch) sits in the private subnets, a host-networked media pod has its node's address in the public
 * subnets. The VPC CNI's policy agent does not filter host-networked pods; for them the node security
 * groups (generated from the same catalogue) are the enforcement, and these policies document the intent.
 */
import { portsFor, type PortEntry, type ServiceName } from "@rampart/catalogue";

export type Placement =
  /** A pod in a namespace, selected by `rampart.io/service`. */
  | { readonly kind: "pod"; readonly namespace: string }
  /** A host-networked pod: reached at its node's address. */
  | { readonly kind: "host-network"; readonly namespace: string; readonly nodeCidrs: readonly string[] }
  /** A managed AWS service reached at addresses in these subnets. */
  | { readonly kind: "managed"; readonly cidrs: readonly string[] };

export interface FlowInput {
  /** Where each service runs; services absent here are not part of the stack. */
  readonly placement: Partial<Record<ServiceName, Placement>>;
  readonly adminCidrs: readonly string[];
  readonly cloudflareCidrs: readonly string[];
  /** Where Prometheus runs (namespace and pod labels), for the catalogue's scrape targets. */
  readonly prometheus: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /** The pod port behind a catalogue port, where they differ (the edge listens on 8443 behind 443). */
  readonly podPortOf?: Readonly<Record<string, number>>;
  /** The catalogue's entries (default: the aws layout on Kubernetes). */
  readonly ports?: readonly PortEntry[];
}

export const SERVICE_LABEL = "rampart.io/service";
const NAMESPACE_LABEL = "kubernetes.io/metadata.name";

interface PolicyPort { readonly protocol: "TCP" | "UDP"; readonly port: number; readonly endPort?: number }
type Peer =
  | { readonly ipBlock: { readonly cidr: string } }
  | { readonly namespaceSelector: { matchLabels: Record<string, string> }; readonly podSelector: { matchLabels: Record<string, string> } };

export interface PolicySpec {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: { matchLabels?: Record<string, string> };
  readonly policyTypes: Array<"Ingress" | "Egress">;
  readonly ingress?: Array<{ from: Peer[]; ports: PolicyPort[] }>;
  readonly egress?: Array<{ to: Peer[]; ports?: PolicyPort[] }>;
  /** The catalogue entry the flow comes from (or "platform" for DNS), for readers of the plan. */
  readonly source: string;
}

const podPeer = (namespace: string, service: string): Peer => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: namespace } },
  podSelector: { matchLabels: { [SERVICE_LABEL]: service } },
});
const cidrPeers = (cidrs: readonly string[]): Peer[] => cidrs.map((cidr) => ({ ipBlock: { cidr } }));

function policyPort(p: PortEntry, podPortOf: FlowInput["podPortOf"]): PolicyPort {
  const protocol = p.protocol === "udp" ? "UDP" : "TCP";
  const mapped = podPortOf?.[p.id];
  if (mapped !== undefined) return { protocol, port: mapped };
  return p.from === p.to ? { protocol, port: p.from } : { protocol, port: p.from, endPort: p.to };
}

const namespacesOf = (i: FlowInput) =>
  [...new Set(Object.values(i.placement).flatMap((p) => (p && p.kind !== "managed" ? [p.namespace] : [])))].sort();

/** Every NetworkPolicy of the stack. */
export function networkPolicies(input: FlowInput): PolicySpec[] {
  const ports = (input.ports ?? portsFor("aws", { platform: "kubernetes" })).filter((p) => input.placement[p.service] !== undefined);
  const policies: PolicySpec[] = [];
  for (const namespace of namespacesOf(input)) {
    policies.push({ name: "default-deny", namespace, podSelector: {}, policyTypes: ["Ingress", "Egress"], source: "default-deny" });
    // Service names must resolve: every pod may ask the cluster's DNS, and nothing else, on 53.
    policies.push({
      name: "dns",
      namespace,
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
        },
      ],
      source: "platform: cluster DNS",
    });
  }

  for (const p of ports) {
    const target = input.placement[p.service]!;
    const pp = policyPort(p, input.podPortOf);

    // Ingress to the pods that own the port.
    if (target.kind !== "managed") {
      const from: Peer[] = [];
      if (p.class === "public") from.push(...cidrPeers(["0.0.0.0/0", "::/0"]));
      if (p.class === "cloudflare") from.push(...cidrPeers(input.cloudflareCidrs));
      if (p.class === "admin") from.push(...cidrPeers(input.adminCidrs));
      if (p.scrape) from.push({ namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: input.prometheus.namespace } }, podSelector: { matchLabels: { ...input.prometheus.podLabels } } });
      for (const peer of p.peers ?? []) {
        const at = input.placement[peer];
        if (!at || at.kind === "managed") continue;
        from.push(...(at.kind === "host-network" ? cidrPeers(at.nodeCidrs) : [podPeer(at.namespace, peer)]));
      }
      if (from.length > 0) {
        policies.push({
          name: `in-${p.id}`,
          namespace: target.namespace,
          podSelector: { matchLabels: { [SERVICE_LABEL]: p.service } },
          policyTypes: ["Ingress"],
          ingress: [{ from, ports: [pp] }],
          source: p.id,
        });
      }
    }

    // Egress from Prometheus to a scrape target (its ingress side is above).
    const prometheusAt = input.placement.prometheus;
    if (p.scrape && prometheusAt && prometheusAt.kind === "pod") {
      const to: Peer[] = target.kind === "pod" ? [podPeer(target.namespace, p.service)] : cidrPeers(target.kind === "managed" ? target.cidrs : target.nodeCidrs);
      policies.push({
        name: `out-prometheus-to-${p.id}`,
        namespace: prometheusAt.namespace,
        podSelector: { matchLabels: { ...input.prometheus.podLabels } },
        policyTypes: ["Egress"],
        egress: [{ to, ports: [pp] }],
        source: p.id,
      });
    }

    // Egress from each peer to the port.
    for (const peer of p.peers ?? []) {
      const at = input.placement[peer];
      if (!at || at.kind === "managed") continue;
      const to: Peer[] =
        target.kind === "pod" ? [podPeer(target.namespace, p.service)] : cidrPeers(target.kind === "managed" ? target.cidrs : target.nodeCidrs);
      policies.push({
        name: `out-${peer}-to-${p.id}`,
        namespace: at.namespace,
        podSelector: { matchLabels: { [SERVICE_LABEL]: peer } },
        policyTypes: ["Egress"],
        egress: [{ to, ports: [pp] }],
        source: p.id,
      });
    }
  }

  // Services with public-class ports answer and relay to any peer on the internet (media, TURN relays).
  const publicServices = [...new Set(ports.filter((p) => p.class === "public").map((p) => p.service))].sort();
  for (const service of publicServices) {
    const at = input.placement[service]!;
    if (at.kind === "managed") continue;
    policies.push({
      name: `out-${service}-media`,
      namespace: at.namespace,
      podSelector: { matchLabels: { [SERVICE_LABEL]: service } },
      policyTypes: ["Egress"],
      egress: [{ to: cidrPeers(["0.0.0.0/0", "::/0"]) }],
      source: `public class of ${service}`,
    });
  }
  return policies;
}

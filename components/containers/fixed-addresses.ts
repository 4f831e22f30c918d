/** Fixed addresses on the two subnets: Redis and Elasticsearch bind addresses, not names. */
import ipaddr from "ipaddr.js";

/** Host number of each container on the fixed subnets. */
const HOST = { redis: 10, elasticsearch: 11, gatewayIn: 12, livekit: 13, prometheusIn: 14, edge: 10, gatewayEdge: 12, livekitEdge: 13, coturn: 14, prometheusEdge: 15, blackboxEdge: 16, prometheus: 10, alertmanager: 11, grafana: 12, blackbox: 13 } as const;

export type FixedAddresses = ReturnType<typeof fixedAddresses>;

export function fixedAddresses(internalSubnet: string, edgeSubnet: string, monitoringSubnet: string) {
  return {
    prometheus: addressIn(monitoringSubnet, HOST.prometheus, "monitoringSubnet"),
    prometheusInternal: addressIn(internalSubnet, HOST.prometheusIn, "internalSubnet"),
    prometheusEdge: addressIn(edgeSubnet, HOST.prometheusEdge, "edgeSubnet"),
    alertmanager: addressIn(monitoringSubnet, HOST.alertmanager, "monitoringSubnet"),
    grafana: addressIn(monitoringSubnet, HOST.grafana, "monitoringSubnet"),
    blackbox: addressIn(monitoringSubnet, HOST.blackbox, "monitoringSubnet"),
    blackboxEdge: addressIn(edgeSubnet, HOST.blackboxEdge, "edgeSubnet"),
    redis: addressIn(internalSubnet, HOST.redis, "internalSubnet"),
    elasticsearch: addressIn(internalSubnet, HOST.elasticsearch, "internalSubnet"),
    gatewayInternal: addressIn(internalSubnet, HOST.gatewayIn, "internalSubnet"),
    livekitInternal: addressIn(internalSubnet, HOST.livekit, "internalSubnet"),
    edge: addressIn(edgeSubnet, HOST.edge, "edgeSubnet"),
    edgeGateway: addressIn(edgeSubnet, 1, "edgeSubnet"),
    gatewayEdge: addressIn(edgeSubnet, HOST.gatewayEdge, "edgeSubnet"),
    livekitEdge: addressIn(edgeSubnet, HOST.livekitEdge, "edgeSubnet"),
    coturn: addressIn(edgeSubnet, HOST.coturn, "edgeSubnet"),
  };
}

function addressIn(subnet: string, host: number, what: string): string {
  const [network, bits] = ipaddr.IPv4.parseCIDR(subnet);
  if (bits > 24) throw new Error(`${what}: subnet ${subnet} is too small (use a /24 or larger)`);
  const octets = network.toByteArray();
  octets[3] = host;
  return octets.join(".");
}

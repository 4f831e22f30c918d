/**
 * Metric names of the exporters that cannot run here, each with the source file it was read from. The
 * gateway's names are not listed: the tests scrape a real running gateway for them.
 */
export interface ExporterNames {
  readonly source: string;
  readonly names: readonly string[];
}

export const EXPORTER_METRICS: Readonly<Record<string, ExporterNames>> = {
  livekit: {
    // Namespace "livekit" (node.go) + subsystem "room"/"participant" + name "total".
    source: "livekit/livekit pkg/telemetry/prometheus/rooms.go (initRoomStats) and node.go (livekitNamespace)",
    names: ["livekit_room_total", "livekit_participant_total"],
  },
  coturn: {
    source: "coturn/coturn src/apps/relay/prom_server.c (start_prometheus_server); traffic counters count finished sessions",
    names: ["turn_total_allocations", "turn_total_traffic_peer_sentb", "turn_total_traffic_peer_rcvb"],
  },
  blackbox: {
    source: "prometheus/blackbox_exporter prober/tcp.go (TCP probe with TLS)",
    names: ["probe_ssl_earliest_cert_expiry"],
  },
  prometheus: {
    // Written by Prometheus itself for every scrape and every alerting rule.
    source: "Prometheus: `up` per scrape target, `ALERTS` per alert (prometheus.io/docs/concepts/jobs_instances, .../configuration/alerting_rules)",
    names: ["up", "ALERTS"],
  },
};

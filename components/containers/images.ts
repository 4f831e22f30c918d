/**
 * Default images, pinned to exact releases (docs/container-baseline.md, Checkov CKV_DOCKER_7). Every stack may override
 * them (config `rampart:<service>Image`, e.g. `rampart:redisImage`); `assertPinnedImage` refuses floating references either way.
 *
 * Digests are attached where a published digest was found; without network access to the registries
 * here they could not be re-verified, and a wrong digest fails the pull (it never runs something else).
 */
export const DEFAULT_IMAGES = {
  // The newest release the Go module proxy serves without LiveKit's pion forks: the container tests run a
  // binary built from exactly this version (scripts/testbed/build-go-tool.sh reads the tag here). Its
  // published digest could not be looked up from here, so the tag is the pin.
  livekit: "livekit/livekit-server:v1.13.5",
  // >= 4.13: the IPv4-mapped IPv6 peer-address bypass of the denied-peer list is fixed there (docs/services.md#coturn).
  coturn: "coturn/coturn:4.17.2-r0@sha256:aa68aab64a3b929d57fc2924c98ea447bf996cf8dade2508e7b71eaf23f1f14e",
  elasticsearch: "docker.elastic.co/elasticsearch/elasticsearch:8.19.4",
  // search.engine: opensearch. The upstream image at the release the container tests assemble from Maven
  // Central (scripts/testbed/opensearch-dist.sh reads the tag here); no registry answers here to verify a
  // digest, so the tag is the pin.
  opensearch: "opensearchproject/opensearch:2.19.4",
  redis: "redis:8.2.2-bookworm",
  edge: "nginxinc/nginx-unprivileged:1.28.0-alpine",
  // Prometheus 3.5 is the long-term-support line; the rendered config uses only syntax 2.42 (the Debian
  // binary the tests run) also accepts (docs/observability.md#versions).
  prometheus: "prom/prometheus:v3.5.0",
  // >= 0.26 for webhook_configs.url_file.
  alertmanager: "prom/alertmanager:v0.28.1",
  grafana: "grafana/grafana:12.1.1",
  blackbox: "prom/blackbox-exporter:v0.27.0",
} as const;

export type ImageService = keyof typeof DEFAULT_IMAGES | "gateway";

/**
 * Numeric users. Each service has its own uid because the nproc ulimit (which stands in for the missing
 * pidsLimit) counts processes per uid across containers. Where the image has a user for its files
 * (redis 999, elasticsearch 1000, nginx 101, coturn's nobody), that uid is kept.
 */
export const SERVICE_USERS = {
  livekit: { uid: 10880, gid: 10880 },
  coturn: { uid: 65534, gid: 65534 },
  gateway: { uid: 10001, gid: 10001 },
  elasticsearch: { uid: 1000, gid: 0 },
  // The upstream image's opensearch user and group.
  opensearch: { uid: 1000, gid: 1000 },
  redis: { uid: 999, gid: 999 },
  edge: { uid: 101, gid: 101 },
  // The images create their data directories owned by nobody (Prometheus, Alertmanager) and by 472 in
  // group 0 (Grafana), and a new volume copies that ownership: these uids are the ones that can write
  // there. Prometheus and Alertmanager therefore share coturn's uid (and its nproc budget; see
  // docs/observability.md#hardening).
  prometheus: { uid: 65534, gid: 65534 },
  alertmanager: { uid: 65534, gid: 65534 },
  grafana: { uid: 472, gid: 0 },
  // Writes nothing: its own uid.
  blackbox: { uid: 10115, gid: 10115 },
} as const;

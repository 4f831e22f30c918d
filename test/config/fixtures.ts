import { gatewayAclUser, healthcheckAclUser, livekitAclUser, redisPasswordSha256 } from "../../components/config/redis";
import type { EdgeNginxConfInput } from "../../components/config/nginx";
import type { TurnserverConfInput } from "../../components/config/coturn";
import type { LivekitSecretYamlInput, LivekitYamlInput } from "../../components/config/livekit";
import type { ElasticsearchYmlInput } from "../../components/config/elasticsearch";
import type { OpenSearchYmlInput } from "../../components/config/opensearch";
import type { RedisConfInput, RedisAclUser } from "../../components/config/redis";

/** Representative inputs (production-like, documentation addresses) for the golden files. */

export const turnInput: TurnserverConfInput = {
  target: "aws",
  realm: "turn.example.com",
  listeningIps: ["10.0.1.10"],
  externalIp: { public: "203.0.113.10", private: "10.0.1.10" },
  tls: { certPath: "/run/secrets/turn-cert.pem", keyPath: "/run/secrets/turn-key.pem" },
  prometheus: { address: "10.0.1.10" },
};

// Test-only secrets: fixed, obviously fake, never used outside tests.
export const TEST_TURN_SECRET = "test-only-turn-rest-secret-0123456789abcdef";

export const edgeInput: EdgeNginxConfInput = {
  listenPort: 8443,
  serverNames: ["rtc.example.com"],
  tls: {
    certPath: "/run/secrets/origin-cert.pem",
    keyPath: "/run/secrets/origin-key.pem",
    clientCaPath: "/run/secrets/origin-pull-ca.pem",
  },
  // Two of Cloudflare's published ranges (IPv4 and IPv6), as fed by cloudflare.getIpRanges.
  trustedProxyCidrs: ["173.245.48.0/20", "2400:cb00::/32"],
  upstreams: { gateway: { host: "rampart-gateway" }, livekit: { host: "rampart-livekit" } },
};

/** As the stack renders it (components/containers/services/redis.ts): the append-only file on the data volume. */
export const redisConfInput: RedisConfInput = {
  bindAddresses: ["10.0.1.20"],
  aclFilePath: "/run/secrets/redis-users.acl",
  persistence: { dataDir: "/data" },
};

export const redisUsers: RedisAclUser[] = [
  gatewayAclUser(redisPasswordSha256("test-only-gateway-password-0123456789")),
  livekitAclUser(redisPasswordSha256("test-only-livekit-password-0123456789")),
  healthcheckAclUser(redisPasswordSha256("test-only-healthcheck-password-012345")),
];

export const livekitInput: LivekitYamlInput = {
  target: "aws",
  bindAddresses: ["10.0.1.30"],
  keyFilePath: "/run/secrets/livekit-keys.yaml",
  useExternalIp: true,
};

export const livekitKeys = { APIrampart01: "test-only-livekit-api-secret-0123456789abcdef" };

export const livekitSecretInput: LivekitSecretYamlInput = {
  redis: { address: "10.0.1.20", username: "livekit", password: "test-only-livekit-password-0123456789" },
  prometheus: { username: "prometheus", password: "test-only-prometheus-password-0123" },
};

export const elasticsearchInput: ElasticsearchYmlInput = {
  clusterName: "rampart",
  nodeName: "rampart-es-0",
  networkHosts: ["10.0.1.40"],
  httpTls: {
    certificatePath: "/usr/share/elasticsearch/config/certs/http.crt",
    keyPath: "/usr/share/elasticsearch/config/certs/http.key",
    certificateAuthoritiesPath: "/usr/share/elasticsearch/config/certs/ca.crt",
  },
  transportTls: {
    certificatePath: "/usr/share/elasticsearch/config/certs/transport.crt",
    keyPath: "/usr/share/elasticsearch/config/certs/transport.key",
    certificateAuthoritiesPath: "/usr/share/elasticsearch/config/certs/ca.crt",
  },
};

export const opensearchInput: OpenSearchYmlInput = {
  clusterName: "rampart",
  nodeName: "rampart-opensearch",
  networkHosts: ["10.0.1.41"],
  httpTls: { certificatePath: "/usr/share/opensearch/config/node.crt", keyPath: "/usr/share/opensearch/config/node.key", certificateAuthoritiesPath: "/usr/share/opensearch/config/ca.crt" },
  transportTls: { certificatePath: "/usr/share/opensearch/config/node.crt", keyPath: "/usr/share/opensearch/config/node.key", certificateAuthoritiesPath: "/usr/share/opensearch/config/ca.crt" },
  nodesDn: ["CN=rampart-opensearch"],
};

/** A bcrypt hash of "correct horse battery staple" (cost 12), as internalUserHash makes them. */
export const OPENSEARCH_TEST_HASH = "$2y$12$8ieYLv1zcD5kzHqXms1LuedU3upaOhK79i5sGMykZyWWMYKXb73aa";

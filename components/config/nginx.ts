import { z } from "zod";
import { GATEWAY_PATHS, port } from "@rampart/catalogue";
import { absolutePath, bareToken, cidr, hostOrIp, ipAddress, parseInput, positiveInt, tcpPort } from "./validate";

/**
 * nginx edge proxy (docs/services.md#edge-proxy-nginx): the only HTTP(S) entry of the stack, reached by Cloudflare alone.
 *
 * Runs unprivileged on a read-only root: no `user` directive (the container's numeric uid applies), the
 * pid file and every temp path live on a tmpfs scratch directory, and it listens on a high container port.
 */

export interface UpstreamInput {
  /** Host name (container name on the Docker network) or address of the upstream. */
  host: string;
  /** Defaults to the service's catalogue port (gateway-http, livekit-api). */
  port?: number;
}

export interface EdgeNginxConfInput {
  /** Port inside the container (unprivileged, e.g. 8443); the host publishes the catalogue's 443 onto it. */
  listenPort: number;
  /** Address to bind inside the container; default all (the container's own network namespace). */
  listenAddress?: string;
  /** Host names served, e.g. the proxied Cloudflare record. Requests for other names get no route. */
  serverNames: readonly string[];
  tls: {
    /** Cloudflare Origin CA certificate (chain) for the served names. */
    certPath: string;
    keyPath: string;
    /**
     * CA that signs the client certificate Cloudflare presents (Authenticated Origin Pulls). Use the
     * per-zone CA: the shared global one is presented for every Cloudflare customer, so it proves
     * "some Cloudflare zone", not "our zone".
     */
    clientCaPath: string;
  };
  /**
   * Peers whose `CF-Connecting-IP` is believed (Cloudflare's published IPv4 and IPv6 ranges). From any
   * other peer the header is ignored and the peer address is the client address used for rate limits.
   */
  trustedProxyCidrs: readonly string[];
  upstreams: { gateway: UpstreamInput; livekit: UpstreamInput };
  /** tmpfs directory for the pid file and temp paths (writable scratch on a read-only root). */
  scratchDir?: string;
  /** Per client IP request rate for routed locations, and the burst allowed above it before 429. */
  rateLimit?: { requestsPerSecond?: number; burst?: number };
  /** Concurrent connections per client IP (WebSockets are long-lived: this caps sockets per client). */
  maxConnectionsPerIp?: number;
  /** Largest request body; the device API's limit is 64 KiB (docs/gateway-protocol.md). */
  maxBodyKiB?: number;
  /** Idle time after which a proxied WebSocket is closed: must exceed the gateway's heartbeat (25 s). */
  websocketIdleSeconds?: number;
}

export const EDGE_DEFAULTS = {
  listenAddress: "0.0.0.0",
  scratchDir: "/tmp",
  requestsPerSecond: 10,
  burst: 20,
  maxConnectionsPerIp: 20,
  maxBodyKiB: 64,
  websocketIdleSeconds: 75,
} as const;

/**
 * Key-exchange groups, strongest-supported first: OpenSSL's default list also offers X448 and the
 * finite-field ffdhe groups, which no Cloudflare edge needs (it offers X25519 and P-256).
 */
export const EDGE_TLS_GROUPS = "X25519:prime256v1:secp384r1";

/** Methods each routed location serves; any other method is answered 405 with `Allow`. */
export const EDGE_LOCATION_METHODS = {
  // The WebSocket upgrades are GET requests; so is LiveKit's /rtc/validate.
  gatewayWebSocket: ["GET"],
  deviceApi: ["POST"],
  livekitSignal: ["GET"],
  // Twirp calls are POSTs only.
  livekitTwirp: ["POST"],
} as const;

// Mozilla "intermediate" TLS 1.2 suites (forward secret, AEAD only); TLS 1.3 suites are all strong.
export const EDGE_TLS_CIPHERS =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

const upstream = z.object({ host: hostOrIp, port: tcpPort.optional() }).strict();

const schema = z
  .object({
    listenPort: tcpPort,
    listenAddress: ipAddress.default(EDGE_DEFAULTS.listenAddress),
    serverNames: z.array(bareToken).min(1, "must name at least one host name"),
    tls: z.object({ certPath: absolutePath, keyPath: absolutePath, clientCaPath: absolutePath }).strict(),
    trustedProxyCidrs: z
      .array(cidr)
      .min(1, "must list the proxy ranges (Cloudflare's); without them no client IP is known")
      .refine((l) => !l.some((c) => c.endsWith("/0")), "must not contain a /0: every peer could forge CF-Connecting-IP"),
    upstreams: z.object({ gateway: upstream, livekit: upstream }).strict(),
    scratchDir: absolutePath.default(EDGE_DEFAULTS.scratchDir),
    rateLimit: z
      .object({
        requestsPerSecond: positiveInt.default(EDGE_DEFAULTS.requestsPerSecond),
        burst: z.number().int().min(0).default(EDGE_DEFAULTS.burst),
      })
      .strict()
      .default({ requestsPerSecond: EDGE_DEFAULTS.requestsPerSecond, burst: EDGE_DEFAULTS.burst }),
    maxConnectionsPerIp: positiveInt.default(EDGE_DEFAULTS.maxConnectionsPerIp),
    maxBodyKiB: positiveInt.max(1024, "must be at most 1024 (the edge only carries small API bodies)").default(EDGE_DEFAULTS.maxBodyKiB),
    websocketIdleSeconds: positiveInt.default(EDGE_DEFAULTS.websocketIdleSeconds),
  })
  .strict();

type Parsed = z.output<typeof schema>;

function upstreamServer(u: z.output<typeof upstream>, catalogueId: string): string {
  const host = u.host.includes(":") ? `[${u.host}]` : u.host;
  return `${host}:${u.port ?? port(catalogueId).from}`;
}

function listenDirective(i: Parsed): string {
  const address = i.listenAddress.includes(":") ? `[${i.listenAddress}]` : i.listenAddress;
  return `${address}:${i.listenPort}`;
}

/** Protocols, TLS 1.2 suites and key-exchange groups: the same in every server block. */
function tlsPolicy(indent: string): string[] {
  return ["ssl_protocols TLSv1.2 TLSv1.3;", `ssl_ciphers ${EDGE_TLS_CIPHERS};`, "ssl_prefer_server_ciphers off;", `ssl_ecdh_curve ${EDGE_TLS_GROUPS};`].map((l) => indent + l);
}

const SECURITY_HEADERS = [
  'add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;',
  "add_header X-Content-Type-Options nosniff always;",
  "add_header X-Frame-Options DENY always;",
  "add_header Referrer-Policy no-referrer always;",
  `add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" always;`,
];

/**
 * 405 for any method the location does not serve. `return` inside `if` is the safe use of `if`; the
 * block repeats the security headers because an `add_header` in it replaces the inherited ones.
 */
function onlyMethods(methods: readonly string[]): string[] {
  return [
    `      if ($request_method !~ ^(${methods.join("|")})$) {`,
    `        add_header Allow "${methods.join(", ")}" always;`,
    ...SECURITY_HEADERS.map((h) => `        ${h}`),
    "        return 405;",
    "      }",
  ];
}

/** Proxy block for a location. proxy_set_header replaces inherited headers, so each location gets all of them. */
function proxyTo(upstreamName: string, i: Parsed, websocket: boolean, methods: readonly string[]): string[] {
  return [
    ...onlyMethods(methods),
    `      limit_req zone=rampart_req burst=${i.rateLimit.burst} nodelay;`,
    `      proxy_pass http://${upstreamName};`,
    "      proxy_http_version 1.1;",
    "      proxy_set_header Host $host;",
    // $remote_addr is the client address after real-IP processing: the only client identity passed on.
    // Client-sent copies of these headers are overwritten, never forwarded.
    "      proxy_set_header X-Real-IP $remote_addr;",
    "      proxy_set_header X-Forwarded-For $remote_addr;",
    "      proxy_set_header CF-Connecting-IP $remote_addr;",
    "      proxy_set_header X-Forwarded-Proto https;",
    ...(websocket
      ? [
          "      proxy_set_header Upgrade $http_upgrade;",
          "      proxy_set_header Connection $connection_upgrade;",
          `      proxy_read_timeout ${i.websocketIdleSeconds}s;`,
          `      proxy_send_timeout ${i.websocketIdleSeconds}s;`,
          "      proxy_buffering off;",
        ]
      : [
          '      proxy_set_header Connection "";',
          "      proxy_read_timeout 30s;",
          "      proxy_send_timeout 30s;",
        ]),
    "      proxy_connect_timeout 5s;",
  ];
}

export function renderEdgeNginxConf(input: EdgeNginxConfInput): string {
  const i = parseInput("renderEdgeNginxConf", schema, input);
  const s = i.scratchDir;
  const lines: string[] = [
    "# Rendered by components/config/nginx.ts: unprivileged edge proxy behind Cloudflare.",
    "worker_processes auto;",
    `pid ${s}/nginx.pid;`,
    "error_log stderr warn;",
    "",
    "events {",
    "  worker_connections 1024;",
    "}",
    "",
    "http {",
    "  server_tokens off;",
    "  default_type application/octet-stream;",
    `  client_body_temp_path ${s}/client_body;`,
    `  proxy_temp_path ${s}/proxy;`,
    `  fastcgi_temp_path ${s}/fastcgi;`,
    `  uwsgi_temp_path ${s}/uwsgi;`,
    `  scgi_temp_path ${s}/scgi;`,
    "",
    // $uri, not $request_uri: query strings may carry tokens (LiveKit's /rtc?access_token=...), never log them.
    "  log_format rampart_json escape=json",
    `    '{"time":"$time_iso8601","client":"$remote_addr","peer":"$realip_remote_addr",'`,
    `    '"method":"$request_method","uri":"$uri","status":$status,"bytes":$body_bytes_sent,'`,
    `    '"duration":$request_time,"upstream":"$upstream_addr","tls":"$ssl_protocol","client_cert":"$ssl_client_verify"}';`,
    "  access_log /dev/stdout rampart_json;",
    "",
    "  # Client IP: CF-Connecting-IP is believed only from these proxy ranges.",
    ...i.trustedProxyCidrs.map((c) => `  set_real_ip_from ${c};`),
    "  real_ip_header CF-Connecting-IP;",
    "",
    "  # Limits keyed on the (real) client address.",
    `  limit_req_zone $binary_remote_addr zone=rampart_req:10m rate=${i.rateLimit.requestsPerSecond}r/s;`,
    "  limit_conn_zone $binary_remote_addr zone=rampart_conn:10m;",
    "  limit_req_status 429;",
    "  limit_conn_status 429;",
    `  client_max_body_size ${i.maxBodyKiB}k;`,
    "  client_body_buffer_size 16k;",
    "  client_header_buffer_size 1k;",
    "  large_client_header_buffers 4 8k;",
    "  client_header_timeout 10s;",
    "  client_body_timeout 10s;",
    "  send_timeout 10s;",
    "  keepalive_timeout 30s;",
    "  reset_timedout_connection on;",
    "",
    "  map $http_upgrade $connection_upgrade {",
    "    default upgrade;",
    "    '' close;",
    "  }",
    "",
    "  upstream rampart_gateway {",
    `    server ${upstreamServer(i.upstreams.gateway, "gateway-http")};`,
    "  }",
    "  upstream rampart_livekit {",
    `    server ${upstreamServer(i.upstreams.livekit, "livekit-api")};`,
    "  }",
    "",
    // Any Host or SNI that is not ours: no certificate is shown (the handshake is refused for an
    // unknown or missing SNI) and a request that gets this far with a foreign Host is dropped (444).
    // `http2` is a parameter of the listening socket, so it is set here once for both servers; the
    // `listen ... http2` form is what nginx 1.22 (the testbed) reads, and 1.25.1+ still accepts it
    // with a deprecation notice.
    "  server {",
    `    listen ${listenDirective(i)} ssl http2 default_server;`,
    "    server_name _;",
    "    ssl_reject_handshake on;",
    // The ClientHello is answered with the first server's protocol, cipher and group settings
    // (nginx switches only the certificate on SNI): the policy must be set here as well.
    ...tlsPolicy("    "),
    // Never reached past the refused handshake; stated so that no TLS server of ours lacks origin pulls.
    `    ssl_client_certificate ${i.tls.clientCaPath};`,
    "    ssl_verify_client on;",
    "    return 444;",
    "  }",
    "",
    "  server {",
    `    listen ${listenDirective(i)} ssl http2;`,
    `    server_name ${i.serverNames.join(" ")};`,
    "",
    `    ssl_certificate ${i.tls.certPath};`,
    `    ssl_certificate_key ${i.tls.keyPath};`,
    ...tlsPolicy("    "),
    "    ssl_session_cache shared:rampart_tls:10m;",
    "    ssl_session_timeout 1d;",
    "    ssl_session_tickets off;",
    "",
    "    # Authenticated Origin Pulls: only a client certificate from the zone's origin-pull CA gets in.",
    `    ssl_client_certificate ${i.tls.clientCaPath};`,
    "    ssl_verify_client on;",
    "    ssl_verify_depth 2;",
    "",
    ...SECURITY_HEADERS.map((h) => `    ${h}`),
    "",
    `    limit_conn rampart_conn ${i.maxConnectionsPerIp};`,
    "",
    "    # Gateway: WebSocket and the device API.",
    `    location = ${GATEWAY_PATHS.websocket} {`,
    ...proxyTo("rampart_gateway", i, true, EDGE_LOCATION_METHODS.gatewayWebSocket),
    "    }",
    `    location ${GATEWAY_PATHS.api} {`,
    ...proxyTo("rampart_gateway", i, false, EDGE_LOCATION_METHODS.deviceApi),
    "    }",
    "",
    "    # LiveKit: signalling WebSocket (/rtc, /rtc/validate, /rtc/v1) and the Twirp server API.",
    "    location = /rtc {",
    ...proxyTo("rampart_livekit", i, true, EDGE_LOCATION_METHODS.livekitSignal),
    "    }",
    "    location /rtc/ {",
    ...proxyTo("rampart_livekit", i, true, EDGE_LOCATION_METHODS.livekitSignal),
    "    }",
    "    location /twirp/ {",
    ...proxyTo("rampart_livekit", i, false, EDGE_LOCATION_METHODS.livekitTwirp),
    "    }",
    "",
    "    # Metrics are admin-class and never served through the edge, under any prefix.",
    "    location ~* (^|/)metrics(/|$) {",
    "      return 404;",
    "    }",
    "    # Anything not routed above does not exist.",
    "    location / {",
    "      return 404;",
    "    }",
    "  }",
    "}",
  ];
  return lines.join("\n") + "\n";
}

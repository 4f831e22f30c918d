import YAML from "yaml";
import { parseCoturn, parseRedis } from "../parsers/keyvalue";
import { effective, parseNginx, serverBlocks, allDirectives, type NginxDirective } from "../parsers/nginx";
import { configFilesOrSkip, FILES, uploadsMatching, type ConfigFile } from "./configfiles";
import { CLOUDFLARE_RANGES, coveredBy, DENIED_PEER_NETWORKS, isAllInterfaces, parseRange, parseRanges, rangesOverlap } from "@rampart/catalogue";
import { memoByText } from "../parsers/memo";
import { configOf, type ResourceRule } from "./rule";
import { T } from "./types";
import { port } from "@rampart/catalogue";
import { asNumber, asRecords, asString, isMasked, isRecord } from "./values";

const serviceRule = (r: Omit<ResourceRule, "kind" | "resourceTypes" | "enforcementLevel" | "severity"> & { severity?: ResourceRule["severity"] }): ResourceRule => ({
  kind: "resource",
  resourceTypes: [T.container],
  enforcementLevel: "mandatory",
  severity: "high",
  ...r,
});

// ---------------------------------------------------------------- coturn

const COTURN_GUIDE = "docs/services.md#coturn; https://github.com/coturn/coturn/blob/master/README.turnserver";

export const coturnRestAuthOnly = serviceRule({
  name: "coturn-rest-auth-only",
  description: "coturn authenticates with TURN REST API credentials only (use-auth-secret): no static `user=` accounts, no `no-auth`.",
  remediationSteps: "Use `use-auth-secret` with `static-auth-secret` supplied from a secret, remove every `user=` line and `no-auth`; the gateway mints time-limited credentials.",
  anchors: { guide: COTURN_GUIDE },
  validateResource: (args, report) => {
    for (const f of configFilesOrSkip(args, FILES.coturn, "turnserver.conf")) {
      const d = parseCoturn(f.content);
      if (!d.some((x) => x.key === "use-auth-secret")) report(`${f.path}: use-auth-secret is missing (TURN REST credentials are required)`);
      for (const x of d.filter((x) => x.key === "user")) report(`${f.path}:${x.line}: static user account (user=) is not allowed`);
      for (const x of d.filter((x) => x.key === "no-auth")) report(`${f.path}:${x.line}: no-auth disables authentication`);
    }
  },
});

interface DeniedPeerConfig {
  requiredDeniedRanges: string[];
}

/** Peer ranges every coturn must deny: the SSRF surface of a TURN server (the catalogue's essential entries). */
const REQUIRED_DENIED_PEERS = DENIED_PEER_NETWORKS.filter((n) => n.essential);

export const coturnDeniedPeers = serviceRule({
  name: "coturn-denied-peer-ranges",
  description:
    "coturn denies relaying to private, loopback, link-local, cloud-metadata, CGNAT, multicast and reserved ranges (IPv4 and IPv6) and sets no-multicast-peers; no allowed-peer-ip re-opens them.",
  severity: "critical",
  remediationSteps: "Add a `denied-peer-ip=` line for each required range (CIDR or first-last), `no-multicast-peers`, and remove allowed-peer-ip lines that overlap them.",
  anchors: { guide: `docs/services.md#denied-peer-ranges; https://github.com/coturn/coturn/blob/master/README.turnserver` },
  configSchema: {
    properties: {
      requiredDeniedRanges: { type: "array", items: { type: "string" }, default: REQUIRED_DENIED_PEERS.map((n) => n.cidr), description: "Ranges coturn's denied-peer-ip lines must cover." },
    },
  },
  validateResource: (args, report) => {
    const { requiredDeniedRanges } = configOf<DeniedPeerConfig>(args, { requiredDeniedRanges: REQUIRED_DENIED_PEERS.map((n) => n.cidr) });
    for (const f of configFilesOrSkip(args, FILES.coturn, "turnserver.conf")) {
      const d = parseCoturn(f.content);
      for (const x of d.filter((x) => x.key === "denied-peer-ip" && parseRange(x.value) === undefined)) report(`${f.path}:${x.line}: denied-peer-ip value "${x.value}" is not an address, CIDR or range`);
      const deniedRanges = parseRanges(d.filter((x) => x.key === "denied-peer-ip").map((x) => x.value));
      const missing = requiredDeniedRanges.filter((r) => {
        const want = parseRange(r);
        return want !== undefined && !coveredBy(want, deniedRanges);
      });
      if (missing.length > 0) {
        const why = (r: string) => REQUIRED_DENIED_PEERS.find((n) => n.cidr === r)?.why;
        report(`${f.path}: denied-peer-ip does not cover ${missing.map((r) => (why(r) ? `${r} (${why(r)})` : r)).join(", ")}`);
      }
      if (!d.some((x) => x.key === "no-multicast-peers")) report(`${f.path}: no-multicast-peers is missing`);
      const required = parseRanges(requiredDeniedRanges);
      for (const x of d.filter((x) => x.key === "allowed-peer-ip")) {
        const r = parseRange(x.value);
        if (r && required.some((q) => rangesOverlap(q, r))) report(`${f.path}:${x.line}: allowed-peer-ip ${x.value} re-opens a denied range`);
      }
    }
  },
});

export const coturnNoLoopbackOrServerRelay = serviceRule({
  name: "coturn-no-loopback-or-server-relay",
  description: "coturn never allows loopback peers (allow-loopback-peers) and never enables server-relay.",
  severity: "critical",
  remediationSteps: "Remove `allow-loopback-peers` and `server-relay` from turnserver.conf.",
  anchors: { guide: COTURN_GUIDE },
  validateResource: (args, report) => {
    for (const f of configFilesOrSkip(args, FILES.coturn, "turnserver.conf")) {
      for (const x of parseCoturn(f.content).filter((x) => x.key === "allow-loopback-peers" || x.key === "server-relay")) {
        report(`${f.path}:${x.line}: ${x.key} is set`);
      }
    }
  },
});

// ---------------------------------------------------------------- nginx edge

const NGINX_GUIDE = "docs/services.md#edge-proxy-nginx; https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/";

function nginxFiles(args: Parameters<ResourceRule["validateResource"]>[0]): { file: ConfigFile; tree: NginxDirective[] }[] {
  return configFilesOrSkip(args, FILES.nginx, "nginx configuration").map((file) => {
    try {
      return { file, tree: parseNginx(file.content) };
    } catch (e) {
      throw new Error(`${file.path}: ${(e as Error).message}`);
    }
  });
}

/** A server block terminating TLS: `listen ... ssl` or a certificate configured. */
function tlsServers(tree: NginxDirective[]) {
  return serverBlocks(tree).filter(
    (s) => s.server.children!.some((d) => d.name === "listen" && d.args.includes("ssl")) || effective([s.server.children!], "ssl_certificate").length > 0,
  );
}

function where(file: ConfigFile, d: NginxDirective): string {
  return `${file.path}:${d.line}`;
}

export const nginxClientCert = serviceRule({
  name: "nginx-authenticated-origin-pulls",
  // Rampart's architecture: an origin that only Cloudflare may reach.
  profiles: { baseline: "off" },
  description: "Every TLS server block of the edge proxy verifies the client certificate (ssl_verify_client on, with ssl_client_certificate): Authenticated Origin Pulls.",
  remediationSteps: "Set `ssl_verify_client on;` and `ssl_client_certificate /etc/nginx/cloudflare-aop-ca.pem;` (the per-zone CA) in the http or server context.",
  anchors: { guide: NGINX_GUIDE },
  validateResource: (args, report) => {
    for (const { file, tree } of nginxFiles(args)) {
      for (const s of tlsServers(tree)) {
        const verify = effective(s.chain, "ssl_verify_client")[0];
        if (verify?.args[0] !== "on") report(`${where(file, s.server)}: TLS server does not set ssl_verify_client on (found ${verify ? verify.args.join(" ") : "none"})`);
        else if (effective(s.chain, "ssl_client_certificate").length === 0) report(`${where(file, s.server)}: ssl_verify_client on without ssl_client_certificate`);
      }
    }
  },
});

const ALLOWED_TLS = ["TLSv1.2", "TLSv1.3"];

export const nginxTlsVersions = serviceRule({
  name: "nginx-tls-1-2-1-3-only",
  description: "The edge proxy's TLS servers allow only TLSv1.2 and TLSv1.3 (explicit ssl_protocols: older nginx defaults include TLSv1/1.1).",
  remediationSteps: "Set `ssl_protocols TLSv1.2 TLSv1.3;`.",
  anchors: { guide: NGINX_GUIDE },
  validateResource: (args, report) => {
    for (const { file, tree } of nginxFiles(args)) {
      for (const s of tlsServers(tree)) {
        const p = effective(s.chain, "ssl_protocols")[0];
        if (!p) report(`${where(file, s.server)}: TLS server without ssl_protocols (defaults may allow TLSv1/TLSv1.1)`);
        else {
          const bad = p.args.filter((v) => !ALLOWED_TLS.includes(v));
          if (bad.length > 0) report(`${where(file, p)}: ssl_protocols allows ${bad.join(", ")}`);
        }
      }
    }
  },
});

export const nginxServerTokens = serviceRule({
  name: "nginx-server-tokens-off",
  severity: "low",
  description: "The edge proxy does not advertise its version (server_tokens off).",
  remediationSteps: "Set `server_tokens off;` in the http context.",
  anchors: { guide: NGINX_GUIDE },
  validateResource: (args, report) => {
    for (const { file, tree } of nginxFiles(args)) {
      const servers = serverBlocks(tree);
      const contexts = servers.length > 0 ? servers.map((s) => ({ chain: s.chain, at: s.server.line })) : [{ chain: [tree], at: 1 }];
      for (const c of contexts) {
        const t = effective(c.chain, "server_tokens")[0];
        if (t?.args[0] !== "off") report(`${file.path}:${c.at}: server_tokens is ${t ? t.args.join(" ") : "unset (on)"}, must be off`);
      }
    }
  },
});

interface RealIpConfig {
  trustedRanges: string[];
}

const parsedRanges = memoByText((ranges: string) => parseRanges(ranges.split(" ").filter(Boolean)));

export const nginxRealIpTrusted = serviceRule({
  name: "nginx-real-ip-from-trusted-ranges",
  // The default trusted ranges are Cloudflare's; behind another proxy they are wrong, not unsafe.
  profiles: { baseline: "advisory" },
  description: "The edge proxy takes the client IP from a header (real_ip_header) only when the peer is in Cloudflare's ranges (or loopback): set_real_ip_from never names anything else.",
  remediationSteps: "List only Cloudflare's ranges in `set_real_ip_from` (generated from cloudflare.getIpRanges) with `real_ip_header CF-Connecting-IP;`.",
  anchors: { guide: `${NGINX_GUIDE}; https://nginx.org/en/docs/http/ngx_http_realip_module.html` },
  configSchema: {
    properties: {
      trustedRanges: { type: "array", items: { type: "string" }, default: [...CLOUDFLARE_RANGES, "127.0.0.0/8", "::1/128"], description: "Peers whose forwarded client IP may be believed." },
    },
  },
  validateResource: (args, report) => {
    const { trustedRanges } = configOf<RealIpConfig>(args, { trustedRanges: [...CLOUDFLARE_RANGES, "127.0.0.0/8", "::1/128"] });
    const trusted = parsedRanges(trustedRanges.join(" "));
    for (const { file, tree } of nginxFiles(args)) {
      for (const d of allDirectives(tree, "set_real_ip_from")) {
        const v = d.args[0] ?? "";
        if (v.startsWith("unix:")) continue;
        const r = parseRange(v);
        if (!r || !coveredBy(r, trusted)) report(`${where(file, d)}: set_real_ip_from ${v} trusts forwarded client IPs from outside the trusted ranges`);
      }
    }
  },
});

// ---------------------------------------------------------------- Elasticsearch

/** Flattens YAML into dotted keys: Elasticsearch accepts both `a.b: x` and nested `a: {b: x}`. */
const flattenYamlText = memoByText((text: string): Record<string, unknown> | Error => {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return e as Error;
  }
  const out: Record<string, unknown> = {};
  const walk = (v: unknown, prefix: string) => {
    if (isRecord(v)) for (const [k, c] of Object.entries(v)) walk(c, prefix ? `${prefix}.${k}` : k);
    else out[prefix] = v;
  };
  walk(doc ?? {}, "");
  return out;
});

export function flattenYaml(text: string, file: string): Record<string, unknown> {
  const flat = flattenYamlText(text);
  if (flat instanceof Error) throw new Error(`${file}: not valid YAML: ${flat.message}`);
  return flat;
}

const ES_GUIDE = "docs/services.md#elasticsearch; docs/services.md#opensearch";
const falsy = (v: unknown) => v === false || v === "false";
const truthy = (v: unknown) => v === true || v === "true";

/** OpenSearch's file is opensearch.yml; its security plugin's settings stand where Elasticsearch's xpack ones do. */
const isOpenSearch = (path: string) => /(^|\/)opensearch\.ya?ml$/.test(path);

export const elasticsearchSecurity = serviceRule({
  name: "elasticsearch-security-enabled",
  severity: "critical",
  description:
    "The search node's security (authentication, authorisation) is not disabled: Elasticsearch's xpack.security.enabled is never false; OpenSearch's security plugin is never disabled (plugins.security.disabled) and never accepts its published demo certificates (plugins.security.allow_unsafe_democertificates), whose private keys anyone can download.",
  remediationSteps:
    "Elasticsearch: remove `xpack.security.enabled: false` (or set true) and give `elastic` a password from a secret file. OpenSearch: remove `plugins.security.disabled: true` and `plugins.security.allow_unsafe_democertificates: true`, use certificates of your own CA and users from internal_users.yml with bcrypt hashes.",
  anchors: { guide: ES_GUIDE },
  validateResource: (args, report) => {
    for (const f of configFilesOrSkip(args, FILES.elasticsearch, "elasticsearch.yml or opensearch.yml")) {
      const flat = flattenYaml(f.content, f.path);
      if (isOpenSearch(f.path)) {
        if (truthy(flat["plugins.security.disabled"])) report(`${f.path}: plugins.security.disabled is true`);
        if (truthy(flat["plugins.security.allow_unsafe_democertificates"])) report(`${f.path}: plugins.security.allow_unsafe_democertificates is true (the demo certificates' keys are public)`);
      } else if (falsy(flat["xpack.security.enabled"])) report(`${f.path}: xpack.security.enabled is false`);
    }
  },
});

export const elasticsearchHttpTls = serviceRule({
  name: "elasticsearch-http-tls",
  description: "The search node serves HTTP over TLS: Elasticsearch's xpack.security.http.ssl.enabled, OpenSearch's plugins.security.ssl.http.enabled is true.",
  remediationSteps:
    "Elasticsearch: set `xpack.security.http.ssl.enabled: true` with a certificate and key (files, not inline). OpenSearch: set `plugins.security.ssl.http.enabled: true` with `plugins.security.ssl.http.pemcert_filepath`, `pemkey_filepath` and `pemtrustedcas_filepath`.",
  anchors: { guide: ES_GUIDE },
  validateResource: (args, report) => {
    for (const f of configFilesOrSkip(args, FILES.elasticsearch, "elasticsearch.yml or opensearch.yml")) {
      const key = isOpenSearch(f.path) ? "plugins.security.ssl.http.enabled" : "xpack.security.http.ssl.enabled";
      const v = flattenYaml(f.content, f.path)[key];
      if (!truthy(v)) report(`${f.path}: ${key} is ${JSON.stringify(v ?? "unset")}, must be true`);
    }
  },
});

// ---------------------------------------------------------------- Redis

const REDIS_GUIDE = "docs/services.md#redis; https://www.redis.io/topics/acl";

export const redisDefaultUserOff = serviceRule({
  name: "redis-default-user-off",
  severity: "critical",
  description: "Redis disables the `default` user (`user default off` in redis.conf or its ACL file), so every client needs its own ACL user.",
  remediationSteps: "Add `user default off` to the ACL file (aclfile) or redis.conf, and one user per client with only the commands and keys it needs.",
  anchors: { guide: REDIS_GUIDE },
  validateResource: (args, report) => {
    const conf = uploadsMatching(args.props, FILES.redis);
    const acl = uploadsMatching(args.props, FILES.redisAcl);
    if (conf.files.length + conf.hidden.length + acl.files.length + acl.hidden.length === 0) args.notApplicable("the container has no redis.conf or ACL upload");
    const lines = [...conf.files, ...acl.files].flatMap((f) => parseRedis(f.content).map((l) => ({ ...l, path: f.path })));
    const defaults = lines.filter((l) => l.args[0] === "user" && l.args[1] === "default");
    const enabled = defaults.filter((l) => l.args.slice(2).includes("on"));
    for (const l of enabled) report(`${l.path}:${l.line}: the default user is enabled ("on")`);
    if (enabled.length > 0) return;
    if (defaults.some((l) => l.args.slice(2).includes("off"))) return;
    if (conf.hidden.length + acl.hidden.length > 0) args.notApplicable(`${[...conf.hidden, ...acl.hidden].join(", ")} is secret, so the ACL cannot be checked: keep the ACL (with hashed passwords) readable or the users in redis.conf`);
    report(`${[...conf.files, ...acl.files].map((f) => f.path).join(", ")}: no "user default off": the default user stays enabled`);
  },
});

export const redisProtectedMode = serviceRule({
  name: "redis-protected-mode",
  description: "Redis keeps protected-mode on (never `protected-mode no`).",
  remediationSteps: "Remove `protected-mode no` (or set yes); bind Redis to the internal network.",
  anchors: { guide: REDIS_GUIDE },
  validateResource: (args, report) => {
    for (const f of configFilesOrSkip(args, FILES.redis, "redis.conf")) {
      for (const l of parseRedis(f.content).filter((l) => l.args[0] === "protected-mode" && l.args[1]?.toLowerCase() === "no")) report(`${f.path}:${l.line}: protected-mode no`);
    }
  },
});

// ---------------------------------------------------------------- LiveKit

const LIVEKIT_GUIDE = "docs/services.md#livekit";
const LIVEKIT_IMAGE = /(^|\/)livekit-server[:@]/;
const LIVEKIT_PROMETHEUS_PORT = port("livekit-prometheus").from;

export const livekitNoInlineKeys = serviceRule({
  name: "livekit-no-inline-keys",
  severity: "critical",
  description: "LiveKit's API keys are not inline in livekit.yaml (`keys:`); they come from a key file no one but its owner can read (0400 or 0600) (`key_file`).",
  remediationSteps: "Remove `keys:`; upload the key file as a secret under /run/secrets and set `key_file` to it.",
  anchors: { guide: LIVEKIT_GUIDE },
  validateResource: (args, report) => {
    for (const f of configFilesOrSkip(args, FILES.livekit, "livekit.yaml")) {
      const flat = flattenYaml(f.content, f.path);
      const inline = Object.keys(flat).filter((k) => k.startsWith("keys.") && flat[k] !== null && flat[k] !== "" && !isMasked(flat[k]));
      if (inline.length > 0) report(`${f.path}: ${inline.length} API key(s) inline under keys:; use key_file`);
    }
  },
});

export const livekitMetricsNotPublic = serviceRule({
  name: "livekit-metrics-not-public",
  profiles: { baseline: "advisory" },
  description:
    "LiveKit's Prometheus port is never published on a public binding (0.0.0.0/::). It applies to the container running the LiveKit image, whether or not livekit.yaml is uploaded to that very container (files may reach it through a volume seeded by another one, and the port may sit in a secret fragment): the port is livekit.yaml's when readable there, else the catalogue's.",
  remediationSteps: "Publish the prometheus port on 127.0.0.1 or the host's private address only, and protect it with credentials.",
  anchors: { guide: LIVEKIT_GUIDE },
  validateResource: (args, report) => {
    const files = uploadsMatching(args.props, FILES.livekit).files;
    const isLivekit = LIVEKIT_IMAGE.test(asString(args.props.image) ?? "") || files.length > 0;
    if (!isLivekit) args.notApplicable("not a LiveKit container");
    const declared = files.map((f) => flattenYaml(f.content, f.path)).map((flat) => asNumber(flat["prometheus.port"]) ?? asNumber(flat.prometheus_port));
    const ports = new Set([...declared.filter((p): p is number => p !== undefined), ...(declared.length ? [] : [LIVEKIT_PROMETHEUS_PORT])]);
    for (const p of asRecords(args.props.ports)) {
      const published = ports.has(asNumber(p.internal) ?? -1) || ports.has(asNumber(p.external) ?? -1);
      if (published && !isMasked(p.ip) && isAllInterfaces(asString(p.ip))) {
        report(`prometheus port ${asNumber(p.internal)} is published on ${asString(p.ip) || "0.0.0.0 (default)"}`);
      }
    }
  },
});

// ---------------------------------------------------------------- inline secrets

export const noInlineSecrets = serviceRule({
  name: "service-config-no-inline-secrets",
  severity: "critical",
  description:
    "Plain (non-secret) configuration files carry no secrets — coturn static-auth-secret, Redis requirepass/masterauth and plaintext ACL passwords, Elasticsearch bootstrap.password, passwords in opensearch.yml (e.g. a PEM key password) — so state and previews stay clean and rules can read the rest.",
  remediationSteps: "Move the secret to its own secret upload under /run/secrets and reference it (coturn: pass it from the secret file at start; Redis: hashed passwords `#<sha256>`; Elasticsearch: the keystore).",
  anchors: { guide: "docs/container-baseline.md#secrets-as-files" },
  validateResource: (args, report) => {
    const coturn = uploadsMatching(args.props, FILES.coturn).files;
    const redis = [...uploadsMatching(args.props, FILES.redis).files, ...uploadsMatching(args.props, FILES.redisAcl).files];
    const es = uploadsMatching(args.props, FILES.elasticsearch).files;
    if (coturn.length + redis.length + es.length === 0) args.notApplicable("no readable coturn, Redis, Elasticsearch or OpenSearch configuration");
    for (const f of coturn) {
      for (const x of parseCoturn(f.content).filter((x) => x.key === "static-auth-secret" && x.value !== "")) report(`${f.path}:${x.line}: static-auth-secret is inline`);
    }
    for (const f of redis) {
      for (const l of parseRedis(f.content)) {
        if ((l.args[0] === "requirepass" || l.args[0] === "masterauth") && (l.args[1] ?? "") !== "") report(`${f.path}:${l.line}: ${l.args[0]} is inline`);
        if (l.args[0] === "user" && l.args.slice(2).some((a) => a.startsWith(">"))) report(`${f.path}:${l.line}: user ${l.args[1] ?? ""} has a plaintext password (>...); use a hashed password (#<sha256>)`);
      }
    }
    for (const f of es) {
      const flat = flattenYaml(f.content, f.path);
      for (const k of Object.keys(flat).filter((k) => /(^|[._])(password|passphrase)$/.test(k))) report(`${f.path}: ${k} is inline`);
    }
  },
});

export const serviceRules: ResourceRule[] = [
  coturnRestAuthOnly,
  coturnDeniedPeers,
  coturnNoLoopbackOrServerRelay,
  nginxClientCert,
  nginxTlsVersions,
  nginxServerTokens,
  nginxRealIpTrusted,
  elasticsearchSecurity,
  elasticsearchHttpTls,
  redisDefaultUserOff,
  redisProtectedMode,
  livekitNoInlineKeys,
  livekitMetricsNotPublic,
  noInlineSecrets,
];

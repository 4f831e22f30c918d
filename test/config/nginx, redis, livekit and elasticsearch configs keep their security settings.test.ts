import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { port } from "@rampart/catalogue";
import { MAX_HEAP_MIB, renderElasticsearchYml, renderJvmHeapOptions } from "../../components/config/elasticsearch";
import { livekitStartCommand, renderLivekitKeyFile, renderLivekitSecretYaml, renderLivekitYaml } from "../../components/config/livekit";
import { renderEdgeNginxConf } from "../../components/config/nginx";
import { gatewayAclUser, redisPasswordSha256, renderRedisAcl, renderRedisConf } from "../../components/config/redis";
import * as f from "./fixtures";

describe("renderEdgeNginxConf", () => {
  const conf = renderEdgeNginxConf(f.edgeInput);

  it("runs unprivileged: no user directive, pid and every temp path on the scratch dir", () => {
    expect(conf).not.toMatch(/^\s*user\s/m);
    expect(conf).toContain("pid /tmp/nginx.pid;");
    for (const t of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) expect(conf).toContain(`${t}_temp_path /tmp/`);
    expect(conf).toContain("listen 0.0.0.0:8443 ssl http2;");
  });

  it("puts a default server first that refuses unknown SNI and Host, with the same TLS policy as ours", () => {
    const servers = conf.split(/^ {2}server \{$/m).slice(1);
    expect(servers).toHaveLength(2);
    const [fallback, ours] = servers as [string, string];
    expect(fallback).toContain("listen 0.0.0.0:8443 ssl http2 default_server;");
    expect(fallback).toContain("ssl_reject_handshake on;");
    expect(fallback).toContain("return 444;");
    expect(fallback).not.toContain("proxy_pass");
    for (const directive of ["ssl_protocols", "ssl_ciphers", "ssl_ecdh_curve"]) {
      const line = (text: string) => text.split("\n").find((l) => l.trim().startsWith(`${directive} `))?.trim();
      expect(line(fallback), directive).toBeDefined();
      expect(line(fallback), directive).toBe(line(ours));
    }
    expect(ours).toContain("ssl_ecdh_curve X25519:prime256v1:secp384r1;");
  });

  it("enforces Authenticated Origin Pulls and TLS 1.2/1.3 only, without version disclosure", () => {
    expect(conf).toContain("ssl_verify_client on;");
    expect(conf).toContain("ssl_client_certificate /run/secrets/origin-pull-ca.pem;");
    expect(conf).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    expect(conf).not.toMatch(/TLSv1(\.1)?[ ;]/);
    expect(conf).toContain("server_tokens off;");
  });

  it("believes CF-Connecting-IP only from the given ranges and refuses a /0", () => {
    expect(conf.match(/set_real_ip_from .*;/g)).toEqual(["set_real_ip_from 173.245.48.0/20;", "set_real_ip_from 2400:cb00::/32;"]);
    expect(conf).toContain("real_ip_header CF-Connecting-IP;");
    expect(() => renderEdgeNginxConf({ ...f.edgeInput, trustedProxyCidrs: ["0.0.0.0/0"] })).toThrow(/trustedProxyCidrs: must not contain a \/0/);
    expect(() => renderEdgeNginxConf({ ...f.edgeInput, trustedProxyCidrs: [] })).toThrow(/trustedProxyCidrs: must list/);
  });

  it("routes only the gateway and LiveKit paths, to catalogue ports, and logs no query strings", () => {
    expect(conf).toContain(`server rampart-gateway:${port("gateway-http").from};`);
    expect(conf).toContain(`server rampart-livekit:${port("livekit-api").from};`);
    expect(conf.match(/location [^{]+/g)?.map((l) => l.trim())).toEqual([
      "location = /ws", "location /v1/", "location = /rtc", "location /rtc/", "location /twirp/", "location ~* (^|/)metrics(/|$)", "location /",
    ]);
    expect(conf).not.toMatch(/\$request_uri|\$args|\$query_string|\$request"/);
    expect(conf).toContain("access_log /dev/stdout rampart_json;");
    expect(conf).toContain("error_log stderr warn;");
  });

  it("refuses bad input with the field named", () => {
    expect(() => renderEdgeNginxConf({ ...f.edgeInput, listenPort: 70000 })).toThrow(/listenPort: must be 1-65535/);
    expect(() => renderEdgeNginxConf({ ...f.edgeInput, serverNames: ["a.example.com; return 200"] })).toThrow(/serverNames\.0/);
  });
});

describe("renderRedisConf / renderRedisAcl", () => {
  it("binds internal addresses only, protected mode, catalogue port, ACL file, no persistence by default", () => {
    const { persistence: _, ...ephemeral } = f.redisConfInput;
    const conf = renderRedisConf(ephemeral);
    for (const l of ["bind 10.0.1.20", "protected-mode yes", `port ${port("redis").from}`, "aclfile /run/secrets/redis-users.acl", 'save ""', "appendonly no", "pidfile /tmp/redis.pid", "dir /tmp"]) {
      expect(conf.split("\n"), l).toContain(l);
    }
    expect(() => renderRedisConf({ ...f.redisConfInput, bindAddresses: ["0.0.0.0"] })).toThrow(/bindAddresses\.0: must not be a wildcard/);
  });

  it("as the stack renders it, keeps every key in an append-only file on the data volume, fsynced every second, with no RDB", () => {
    const lines = renderRedisConf(f.redisConfInput).split("\n");
    for (const l of ["dir /data", "appendonly yes", "appendfsync everysec", 'save ""', "pidfile /tmp/redis.pid"]) expect(lines, l).toContain(l);
    expect(lines).not.toContain("appendonly no");
  });

  it("switches the default user off first and stores only password hashes", () => {
    const acl = renderRedisAcl(f.redisUsers);
    expect(acl.split("\n")[0]).toBe("user default off resetkeys resetchannels -@all");
    expect(acl).not.toContain("test-only-");
    expect(acl).not.toMatch(/\s>/); // `>password` is the plaintext form
    expect(acl).toContain(`#${redisPasswordSha256("test-only-gateway-password-0123456789")}`);
    expect(() => renderRedisAcl([{ ...gatewayAclUser("abc"), name: "gateway" }])).toThrow(/0\.passwordSha256: must be 64 lowercase hex/);
    expect(() => renderRedisAcl([{ ...gatewayAclUser(redisPasswordSha256("x")), name: "default" }])).toThrow(/0\.name: must not be 'default'/);
    expect(() => renderRedisAcl([{ ...gatewayAclUser(redisPasswordSha256("x")), commands: ["+@all nopass"] }])).toThrow(/0\.commands\.0/);
  });
});

describe("renderLivekitYaml / key file / secret fragment", () => {
  const yaml = parse(renderLivekitYaml(f.livekitInput));

  it("reads keys from key_file, never inline, and keeps secrets out of the main file", () => {
    expect(yaml.key_file).toBe("/run/secrets/livekit-keys.yaml");
    expect(yaml.keys).toBeUndefined();
    expect(yaml.redis).toBeUndefined();
    expect(yaml.prometheus).toBeUndefined();
    expect(renderLivekitYaml(f.livekitInput)).not.toMatch(/password|secret:/);
  });

  it("takes rtc ports from the catalogue per target and announces the external IP", () => {
    expect(yaml.port).toBe(port("livekit-api").from);
    expect(yaml.rtc).toMatchObject({ tcp_port: port("livekit-rtc-tcp").from, port_range_start: port("livekit-rtc-udp").from, port_range_end: port("livekit-rtc-udp").to, use_external_ip: true });
    const local = parse(renderLivekitYaml({ ...f.livekitInput, target: "local", useExternalIp: false }));
    expect(local.rtc.udp_port).toBe(port("livekit-rtc-udp-mux").from);
    expect(local.rtc.port_range_start).toBeUndefined();
  });

  it("turns the embedded TURN off and logs JSON", () => {
    expect(yaml.turn).toEqual({ enabled: false });
    expect(yaml.logging.json).toBe(true);
  });

  it("enforces API secrets of at least 32 characters with a clear error", () => {
    expect(parse(renderLivekitKeyFile(f.livekitKeys))).toEqual(f.livekitKeys);
    expect(() => renderLivekitKeyFile({ APIshort: "too-short-secret" })).toThrow(/APIshort: must be at least 32 characters/);
    expect(() => renderLivekitKeyFile({})).toThrow(/at least one key/);
  });

  it("puts Redis credentials and Prometheus basic auth (admin-class port) in the secret fragment only", () => {
    const secret = parse(renderLivekitSecretYaml(f.livekitSecretInput));
    expect(secret.redis).toMatchObject({ address: `10.0.1.20:${port("redis").from}`, username: "livekit" });
    expect(secret.prometheus).toMatchObject({ port: port("livekit-prometheus").from, username: "prometheus" });
    expect(port("livekit-prometheus").class).toBe("admin");
    // Merged as the container does (concatenation): valid YAML, no duplicate top-level key.
    const merged = parse(renderLivekitYaml(f.livekitInput) + renderLivekitSecretYaml(f.livekitSecretInput), { uniqueKeys: true });
    expect(merged.redis.password).toBe(f.livekitSecretInput.redis.password);
    expect(livekitStartCommand({ configPath: "/etc/livekit.yaml", secretPath: "/run/secrets/lk", mergedPath: "/tmp/livekit.yaml" })[2]).toMatch(/^umask 077 && cat /);
  });
});

describe("renderElasticsearchYml / renderJvmHeapOptions", () => {
  const es = parse(renderElasticsearchYml(f.elasticsearchInput));

  it("turns security and TLS on for HTTP and transport, on internal addresses and writable paths", () => {
    expect(es).toMatchObject({
      "xpack.security.enabled": true,
      "xpack.security.http.ssl.enabled": true,
      "xpack.security.transport.ssl.enabled": true,
      "xpack.security.transport.ssl.client_authentication": "required",
      "network.host": ["10.0.1.40"],
      "discovery.type": "single-node",
      "path.data": "/usr/share/elasticsearch/data",
      "path.logs": "/usr/share/elasticsearch/logs",
      "http.port": port("elasticsearch-http").from,
      "transport.port": port("elasticsearch-transport").from,
    });
    expect(() => renderElasticsearchYml({ ...f.elasticsearchInput, networkHosts: ["0.0.0.0"] })).toThrow(/networkHosts\.0: must not be a wildcard/);
    const cluster = parse(renderElasticsearchYml({ ...f.elasticsearchInput, discovery: { seedHosts: ["es-1"], initialMasterNodes: ["es-0", "es-1"] } }));
    expect(cluster["discovery.type"]).toBeUndefined();
    expect(cluster["discovery.seed_hosts"]).toEqual(["es-1"]);
  });

  it("sizes the heap at half the container limit, Xms = Xmx, capped below 31 GiB", () => {
    expect(renderJvmHeapOptions(4096)).toMatch(/^-Xms2048m\n-Xmx2048m\n$/m);
    expect(renderJvmHeapOptions(3001)).toContain("-Xms1500m\n-Xmx1500m");
    expect(renderJvmHeapOptions(128 * 1024)).toContain(`-Xms${MAX_HEAP_MIB}m\n-Xmx${MAX_HEAP_MIB}m`);
    expect(MAX_HEAP_MIB).toBeLessThan(31 * 1024);
    expect(() => renderJvmHeapOptions(512)).toThrow(/memoryLimitMiB: must be at least 1024/);
  });
});

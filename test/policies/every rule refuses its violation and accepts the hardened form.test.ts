import { describe, expect, it } from "vitest";
import { evaluatePolicies, type PlanResource } from "../../policies/check/evaluate";
import { RULES } from "../../policies/rules";
import { config, container, coturn, edge, edit, elasticsearch, livekit, redis, resource } from "./fixtures/build";

const SG_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const DSG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const INSTANCE = "aws:ec2/instance:Instance";
const ZS = "cloudflare:index/zoneSetting:ZoneSetting";
const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const RULESET = "cloudflare:index/ruleset:Ruleset";

const goodInstance = {
  ami: "ami-1",
  instanceType: "t3.small",
  metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" },
  rootBlockDevice: { encrypted: true, volumeSize: 20 },
};
const zs = (settingId: string, value: unknown) => resource(ZS, { zoneId: "zone-1", settingId, value });
const goodZoneSettings = () => [
  zs("ssl", "strict"),
  zs("min_tls_version", "1.2"),
  zs("always_use_https", "on"),
  zs("security_header", { strictTransportSecurity: { enabled: true, maxAge: 31536000, includeSubdomains: true } }),
  zs("tls_client_auth", "on"),
];
const proxied = () => resource(DNS, { zoneId: "zone-1", name: "rtc", type: "A", content: "192.0.2.10", proxied: true, ttl: 1 });
const waf = () => resource(RULESET, { zoneId: "zone-1", kind: "zone", name: "waf", phase: "http_request_firewall_managed", rules: [{ action: "execute", expression: "true", actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee" } }] });
const rateLimit = () => resource(RULESET, { zoneId: "zone-1", kind: "zone", name: "rl", phase: "http_ratelimit", rules: [{ action: "block", expression: "true", ratelimit: { characteristics: ["ip.src", "cf.colo.id"], period: 60, requestsPerPeriod: 100, mitigationTimeout: 600 } }] });
const sgIn = (inputs: Record<string, unknown>) => resource(SG_IN, { securityGroupId: "sg-1", description: "why", ...inputs });

interface Case {
  bad: PlanResource[];
  message: RegExp;
  good: PlanResource[];
}

/** One violating and one passing stack per rule; the test below insists every rule has an entry. */
const CASES: Record<string, Case> = {
  "security-group-no-world-admin-or-internal-ports": {
    bad: [sgIn({ cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 22, toPort: 22 })],
    message: /ingress from 0\.0\.0\.0\/0 on 22-22\/tcp opens restricted port\(s\) to the internet: 22\/tcp SSH/,
    good: [sgIn({ cidrIpv4: "198.51.100.0/24", ipProtocol: "tcp", fromPort: 22, toPort: 22 })],
  },
  "security-group-web-from-cloudflare-only": {
    bad: [sgIn({ cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443 })],
    message: /ingress on 443 from 0\.0\.0\.0\/0, outside Cloudflare's ranges/,
    good: [sgIn({ cidrIpv4: "173.245.48.0/20", ipProtocol: "tcp", fromPort: 443, toPort: 443 }), sgIn({ prefixListId: "pl-cf", ipProtocol: "tcp", fromPort: 443, toPort: 443 })],
  },
  "security-group-rules-described": {
    bad: [resource(SG_IN, { securityGroupId: "sg-1", cidrIpv4: "10.0.0.0/16", ipProtocol: "tcp", fromPort: 6379, toPort: 6379 })],
    message: /rule \(ingress 6379-6379\) has no description/,
    good: [sgIn({ cidrIpv4: "10.0.0.0/16", ipProtocol: "tcp", fromPort: 6379, toPort: 6379 })],
  },
  "default-security-group-no-rules": {
    bad: [resource(DSG, { vpcId: "vpc-1", ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "d" }] })],
    message: /default security group has 1 ingress and 0 egress rule\(s\); it must have none/,
    good: [resource(DSG, { vpcId: "vpc-1" })],
  },
  "ec2-imdsv2-required-hop-limit-1": {
    bad: [resource(INSTANCE, { ...goodInstance, metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 } })],
    message: /httpTokens is "optional"; IMDSv2 requires "required"/,
    good: [resource(INSTANCE, goodInstance)],
  },
  "ebs-volumes-encrypted": {
    bad: [resource(INSTANCE, { ...goodInstance, rootBlockDevice: { volumeSize: 20 } })],
    message: /rootBlockDevice\.encrypted is not true/,
    good: [resource(INSTANCE, goodInstance), resource("aws:ebs/volume:Volume", { availabilityZone: "eu-1a", size: 10, encrypted: true })],
  },
  "vpc-flow-logs-enabled": {
    bad: [resource("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16" }, "main")],
    message: /VPC "main" has no flow log/,
    good: [resource("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16" }, "main"), resource("aws:ec2/flowLog:FlowLog", { vpcId: "[unknown]", trafficType: "ALL" })],
  },
  "docker-numeric-non-root-user": { bad: [container({ user: "root" })], message: /user is "root"; it must be a numeric uid\[:gid\]/, good: [container()] },
  "docker-read-only-root": { bad: [container({ readOnly: false })], message: /root filesystem is writable/, good: [container()] },
  "docker-capabilities-drop-all": { bad: [container({ capabilities: { drops: ["NET_RAW"] } })], message: /does not drop ALL capabilities/, good: [container()] },
  "docker-capabilities-add-allowlisted": {
    bad: [container({ capabilities: { drops: ["ALL"], adds: ["NET_ADMIN"] } })],
    message: /adds capabilities not in its allowlist: NET_ADMIN \(allowed: none\)/,
    good: [container({ capabilities: { drops: ["ALL"], adds: ["NET_BIND_SERVICE"] } }, "rampart-edge")],
  },
  "docker-not-privileged": { bad: [container({ privileged: true })], message: /is privileged/, good: [container({ privileged: false })] },
  "docker-no-new-privileges": { bad: [container({ securityOpts: [] })], message: /lacks securityOpts "no-new-privileges:true"/, good: [container()] },
  "docker-no-unconfined-security-profiles": {
    bad: [container({ securityOpts: ["no-new-privileges:true", "seccomp=unconfined"] })],
    message: /disables confinement: seccomp=unconfined/,
    good: [container({ securityOpts: ["no-new-privileges:true", "apparmor=docker-default"] })],
  },
  "docker-memory-limit-no-swap": { bad: [container({ memorySwap: -1 })], message: /memorySwap is -1, must equal memory 512/, good: [container()] },
  "docker-nproc-ulimit": { bad: [container({ ulimits: [{ name: "nofile", soft: 1024, hard: 1024 }] })], message: /has no nproc ulimit/, good: [container()] },
  "docker-no-host-namespaces": { bad: [container({ pidMode: "host" })], message: /pidMode is "host"/, good: [container()] },
  "docker-host-network-allowlisted": { bad: [container({ networkMode: "host", ports: [] }, "gateway")], message: /"gateway" uses the host network but is not in the allowlist/, good: [container({ networkMode: "host", ports: [] }, "livekit")] },
  "docker-no-docker-socket-mount": {
    bad: [container({ mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }] })],
    message: /mounts the container engine socket \/var\/run\/docker\.sock/,
    good: [container({ mounts: [{ type: "volume", source: "esdata", target: "/usr/share/elasticsearch/data" }] })],
  },
  "docker-no-sensitive-host-mounts": {
    bad: [container({ volumes: [{ hostPath: "/etc/shadow", containerPath: "/x", readOnly: true }] })],
    message: /bind-mounts sensitive host path \/etc\/shadow \(under \/etc\)/,
    good: [container({ volumes: [{ hostPath: "/srv/rampart/data", containerPath: "/data" }] })],
  },
  "docker-ports-explicit-host-ip": { bad: [container({ ports: [{ internal: 7881, external: 7881 }] })], message: /ports\[0\] \(7881\) has no explicit host ip/, good: [container({ ports: [{ internal: 7881, external: 7881, ip: "0.0.0.0" }] })] },
  "docker-restricted-ports-not-on-all-interfaces": {
    bad: [container({ ports: [{ internal: 6379, external: 6379, ip: "0.0.0.0" }] })],
    message: /ports\[0\] publishes 6379\/tcp Redis .* on all interfaces \(0\.0\.0\.0\)/,
    good: [container({ ports: [{ internal: 6379, external: 6379, ip: "10.40.1.10" }] })],
  },
  "docker-healthcheck": { bad: [container({ healthcheck: undefined })], message: /has no healthcheck/, good: [container()] },
  "docker-restart-policy": { bad: [container({ restart: "no" })], message: /restart policy is "no"/, good: [container()] },
  "docker-bounded-logs": { bad: [container({ logOpts: {} })], message: /logs with json-file without logOpts max-size/, good: [container(), container({ logDriver: "journald", logOpts: undefined })] },
  "docker-image-pinned": {
    bad: [container({ image: "redis:latest" })],
    message: /"redis:latest" uses the floating "latest" tag/,
    good: [container({ image: "redis:7.4.1" }), container({ image: "livekit/livekit-server:v1.8.0" }), container({ image: "sha256:" + "b".repeat(64) })],
  },
  "docker-no-secret-environment-values": {
    bad: [container({ envs: ["JWT_SECRET=0123456789abcdef0123456789abcdef"] })],
    message: /passes secret-looking environment variable JWT_SECRET with a value/,
    good: [container({ envs: ["JWT_SECRET_FILE=/run/secrets/jwt", "[secret]", "LIVEKIT_API_KEY=APIxyz"] })],
  },
  "cloudflare-ssl-strict": { bad: [zs("ssl", "flexible")], message: /zone setting ssl: value is "flexible", must be "strict"/, good: [zs("ssl", "strict")] },
  "cloudflare-min-tls-1-2": { bad: [zs("min_tls_version", "1.0")], message: /min_tls_version: value is "1\.0", must be "1\.2" or higher/, good: [zs("min_tls_version", "1.3")] },
  "cloudflare-always-use-https": { bad: [zs("always_use_https", "off")], message: /always_use_https: value is "off", must be "on"/, good: [zs("always_use_https", "on")] },
  "cloudflare-hsts": {
    bad: [zs("security_header", { strictTransportSecurity: { enabled: true, maxAge: 300 } })],
    message: /HSTS max-age is 300, must be at least 15552000/,
    good: [zs("security_header", { strict_transport_security: { enabled: true, max_age: 31536000 } })],
  },
  "cloudflare-authenticated-origin-pulls": {
    bad: [zs("tls_client_auth", "off")],
    message: /tls_client_auth: value is "off", must be "on"/,
    good: [zs("tls_client_auth", "on"), resource("cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings", { zoneId: "zone-1", enabled: true })],
  },
  "cloudflare-dns-only-justified": {
    bad: [resource(DNS, { zoneId: "zone-1", name: "api", type: "CNAME", content: "origin.example.com", proxied: false, ttl: 300 })],
    message: /CNAME record "api" is DNS-only \(not proxied\) without a justification/,
    good: [proxied(), resource(DNS, { zoneId: "zone-1", name: "turn", type: "A", content: "192.0.2.10", proxied: false, ttl: 300, tags: ["dns-only:TURN cannot be proxied"] })],
  },
  "cloudflare-zone-hardening-declared": {
    bad: [proxied(), ...goodZoneSettings().slice(0, 3)],
    message: /zone zone-1 does not declare: security_header, tls_client_auth/,
    good: [proxied(), ...goodZoneSettings()],
  },
  "cloudflare-waf-and-rate-limit": {
    bad: [proxied(), waf()],
    message: /zone zone-1 has no rate-limiting rule/,
    good: [proxied(), waf(), rateLimit()],
  },
  "coturn-rest-auth-only": {
    bad: [coturn(edit(config("turnserver.conf"), /^use-auth-secret$/m, "lt-cred-mech\nuser=alice:password"))],
    message: /use-auth-secret is missing[\s\S]*|static user account/,
    good: [coturn()],
  },
  "coturn-denied-peer-ranges": {
    bad: [coturn(edit(config("turnserver.conf"), /^denied-peer-ip=100\.64.*$/m, ""))],
    message: /denied-peer-ip does not cover 100\.64\.0\.0\/10 \(CGNAT\)/,
    good: [coturn()],
  },
  "coturn-no-loopback-or-server-relay": { bad: [coturn(`${config("turnserver.conf")}allow-loopback-peers\n`)], message: /:\d+: allow-loopback-peers is set/, good: [coturn()] },
  "nginx-authenticated-origin-pulls": {
    bad: [edge(edit(config("nginx.conf"), /ssl_verify_client on;/, "ssl_verify_client optional;"))],
    message: /TLS server does not set ssl_verify_client on \(found optional\)/,
    good: [edge()],
  },
  "nginx-tls-1-2-1-3-only": { bad: [edge(edit(config("nginx.conf"), /ssl_protocols [^;]*;/, "ssl_protocols TLSv1.1 TLSv1.2;"))], message: /ssl_protocols allows TLSv1\.1/, good: [edge()] },
  "nginx-server-tokens-off": { bad: [edge(edit(config("nginx.conf"), /server_tokens off;/, ""))], message: /server_tokens is unset \(on\), must be off/, good: [edge()] },
  "nginx-real-ip-from-trusted-ranges": {
    bad: [edge(edit(config("nginx.conf"), /set_real_ip_from 173\.245\.48\.0\/20;/, "set_real_ip_from 0.0.0.0/0;"))],
    message: /set_real_ip_from 0\.0\.0\.0\/0 trusts forwarded client IPs from outside the trusted ranges/,
    good: [edge()],
  },
  "elasticsearch-security-enabled": { bad: [elasticsearch(edit(config("elasticsearch.yml"), /xpack\.security\.enabled: true/, "xpack.security.enabled: false"))], message: /xpack\.security\.enabled is false/, good: [elasticsearch()] },
  "elasticsearch-http-tls": {
    bad: [elasticsearch(edit(config("elasticsearch.yml"), /^ {2}enabled: true$/m, "  enabled: false"))],
    message: /xpack\.security\.http\.ssl\.enabled is false, must be true/,
    good: [elasticsearch()],
  },
  "redis-default-user-off": { bad: [redis(undefined, edit(config("users.acl"), /^user default off$/m, "user default on nopass ~* +@all"))], message: /the default user is enabled \("on"\)/, good: [redis()] },
  "redis-protected-mode": { bad: [redis(edit(config("redis.conf"), /protected-mode yes/, "protected-mode no"))], message: /:3: protected-mode no/, good: [redis()] },
  "livekit-no-inline-keys": { bad: [livekit(`${config("livekit.yaml")}keys:\n  APIabc: secret0123456789secret0123456789\n`)], message: /1 API key\(s\) inline under keys:; use key_file/, good: [livekit()] },
  "livekit-metrics-not-public": {
    bad: [livekit(undefined, { networkMode: "bridge", ports: [{ internal: 6789, external: 6789, ip: "0.0.0.0" }] })],
    message: /prometheus port 6789 is published on 0\.0\.0\.0/,
    good: [livekit(undefined, { networkMode: "bridge", ports: [{ internal: 6789, external: 6789, ip: "127.0.0.1" }] })],
  },
  "service-config-no-inline-secrets": {
    bad: [coturn(`${config("turnserver.conf")}static-auth-secret=north-sea-fog\n`)],
    message: /static-auth-secret is inline/,
    good: [coturn(), redis(), elasticsearch()],
  },
};

function violationsOf(policy: string, stack: PlanResource[]) {
  return evaluatePolicies(stack).violations.filter((v) => v.policy === policy);
}

describe("every rule of the pack", () => {
  it("has a violating and a passing fixture here (no rule goes untested)", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  for (const [policy, c] of Object.entries(CASES)) {
    describe(policy, () => {
      it("refuses the violating resource with a message naming what is wrong", () => {
        const found = violationsOf(policy, c.bad);
        expect(found.length, JSON.stringify(evaluatePolicies(c.bad).violations, null, 1)).toBeGreaterThan(0);
        expect(found.map((v) => v.message).join("\n")).toMatch(c.message);
        expect(found.every((v) => v.level === "mandatory")).toBe(true);
      });
      it("accepts the hardened form", () => {
        expect(violationsOf(policy, c.good)).toEqual([]);
      });
    });
  }
});

describe("the hardened fixtures", () => {
  it("pass the whole pack together (no rule contradicts another)", () => {
    const stack = [container(), coturn(), edge(), elasticsearch(), redis(), livekit(), resource(INSTANCE, goodInstance), proxied(), ...goodZoneSettings(), waf(), rateLimit()];
    expect(evaluatePolicies(stack).violations).toEqual([]);
  });
});

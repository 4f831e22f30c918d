/**
 * A small crafted stack and a change to it that touches every category the diff flags. Shared by the
 * golden-Markdown test and the CLI test.
 */
const STACK = "urn:pulumi:crafted::rampart::pulumi:pulumi:Stack::rampart-crafted";
const urn = (type: string, name: string) => `urn:pulumi:crafted::rampart::${type}::${name}`;

export interface R {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  protect?: boolean;
  inputs: Record<string, unknown>;
}

function r(type: string, name: string, inputs: Record<string, unknown>): R {
  return { urn: urn(type, name), type, name, parent: STACK, inputs };
}

const container = (over: Record<string, unknown> = {}) => ({
  name: "rampart-redis",
  image: "redis:8.2.2-bookworm",
  user: "999:999",
  capabilities: { drops: ["ALL"] },
  privileged: false,
  readOnly: true,
  securityOpts: ["no-new-privileges:true"],
  networkMode: "bridge",
  mounts: [{ type: "volume", source: "rampart-redis-data", target: "/data", readOnly: false }],
  ports: [{ internal: 6379, external: 6379, ip: "127.0.0.1", protocol: "tcp" }],
  envs: ["REDIS_PASSWORD=hunter2-old", "REDIS_PASSWORD_FILE=/run/secrets/redis-password", "LOG_LEVEL=notice"],
  ...over,
});

const ingress = (name: string, inputs: Record<string, unknown>) =>
  r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, { ipProtocol: "tcp", securityGroupId: "sg-vpc", ...inputs });

export function craftedBase(): { stack: string; resources: R[] } {
  return {
    stack: "crafted",
    resources: [
      { urn: STACK, type: "pulumi:pulumi:Stack", name: "rampart-crafted", inputs: {} },
      ingress("rampart-redis-v4", { cidrIpv4: "10.40.0.0/16", fromPort: 6379, toPort: 6379 }),
      ingress("rampart-metrics-v4", { cidrIpv4: "198.51.100.0/24", fromPort: 9464, toPort: 9464 }),
      ingress("rampart-edge-https", { prefixListId: "rampart-cloudflare-ipv4-id", fromPort: 443, toPort: 443 }),
      r("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "rampart-egress-https", { cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, securityGroupId: "sg-egress" }),
      r("aws:ec2/managedPrefixList:ManagedPrefixList", "rampart-cloudflare-ipv4", { addressFamily: "IPv4", maxEntries: 4, entries: [{ cidr: "173.245.48.0/20" }, { cidr: "103.21.244.0/22" }] }),
      r("docker:index/container:Container", "rampart-redis", container()),
      r("cloudflare:index/dnsRecord:DnsRecord", "rampart-record-app", { name: "app.example.com", type: "A", content: "203.0.113.11", proxied: true, ttl: 1 }),
      r("aws:ec2/instance:Instance", "rampart-rtc-instance", {
        ami: "ami-0d1e3f5c0debian12",
        instanceType: "m6i.large",
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required" },
        userData: "#cloud-config\nwrite_files:\n  - path: /etc/rampart/docker-user.rules.v4\n    content: |\n      -A DOCKER-USER -s 198.51.100.0/24 -p tcp --ctorigdstport 9464 -j RETURN\n      -A DOCKER-USER -j DROP\n",
      }),
      r("cloudflare:index/zoneSetting:ZoneSetting", "rampart-setting-ssl", { zoneId: "z1", settingId: "ssl", value: "strict" }),
      r("cloudflare:index/zoneSetting:ZoneSetting", "rampart-setting-min-tls", { zoneId: "z1", settingId: "min_tls_version", value: "1.2" }),
      r("cloudflare:index/ruleset:Ruleset", "rampart-waf-custom", {
        zoneId: "z1",
        kind: "zone",
        phase: "http_request_firewall_custom",
        rules: [{ ref: "block_admin_paths", action: "block", enabled: true, expression: 'starts_with(http.request.uri.path, "/metrics")' }],
      }),
      r("cloudflare:index/ruleset:Ruleset", "rampart-rate-limits", {
        zoneId: "z1",
        kind: "zone",
        phase: "http_ratelimit",
        rules: [{ ref: "rate_limit_devices", action: "block", enabled: true, expression: "true", ratelimit: { requestsPerPeriod: 50, period: 10 } }],
      }),
      r("cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings", "rampart-origin-pulls", { zoneId: "z1", enabled: true }),
      r("aws:iam/role:Role", "rampart-rtc-role", { assumeRolePolicy: '{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}' }),
      r("aws:iam/rolePolicy:RolePolicy", "rampart-rtc-logs", { role: "rampart-rtc-role-id", policy: '{"Statement":[{"Effect":"Allow","Action":["logs:PutLogEvents"],"Resource":"*"}]}' }),
      r("tls:index/privateKey:PrivateKey", "rampart-origin-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }),
      r("random:index/randomPassword:RandomPassword", "rampart-redis-password", { length: 48, special: false }),
      // A data volume, protected as the shipped stacks declare theirs (docs/data-protection.md).
      { ...r("docker:index/volume:Volume", "rampart-redis-data", { name: "rampart-redis-data" }), protect: true },
    ],
  };
}

/** The change: every category at once, secrets in several disguises. */
export function craftedHead(): { stack: string; resources: R[] } {
  const base = craftedBase();
  const byName = new Map(base.resources.map((x) => [x.name, x]));
  const set = (name: string, inputs: Record<string, unknown>) => {
    const x = byName.get(name)!;
    x.inputs = { ...x.inputs, ...inputs };
  };
  // Exposure: Redis to the internet in two halves, metrics bound on every interface, a DNS-only record,
  // an extra prefix-list entry, egress opened to all traffic, the host firewall widened.
  set("rampart-redis-v4", { cidrIpv4: "0.0.0.0/1" });
  set("rampart-cloudflare-ipv4", { entries: [{ cidr: "173.245.48.0/20" }, { cidr: "103.21.244.0/22" }, { cidr: "192.0.2.0/24" }] });
  set("rampart-egress-https", { ipProtocol: "-1", fromPort: undefined, toPort: undefined });
  set("rampart-record-app", { proxied: false });
  set("rampart-rtc-instance", {
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "optional" },
    userData: "#cloud-config\nwrite_files:\n  - path: /etc/rampart/docker-user.rules.v4\n    content: |\n      -A DOCKER-USER -s 198.51.0.0/16 -p tcp --ctorigdstport 9464 -j RETURN\n      -A DOCKER-USER -j DROP\n",
  });
  // Privilege, image and a secret env value, on the container.
  set("rampart-redis", container({
    image: "redis:8.4",
    user: "0:0",
    capabilities: { adds: ["NET_ADMIN"], drops: [] },
    privileged: true,
    readOnly: false,
    securityOpts: [],
    networkMode: "host",
    pidMode: "host",
    ipcMode: "host",
    mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false }],
    devices: [{ hostPath: "/dev/mem" }],
    ports: [{ internal: 6379, external: 6379, ip: "0.0.0.0", protocol: "tcp" }],
    envs: ["REDIS_PASSWORD=hunter2-new", "REDIS_PASSWORD_FILE=/run/secrets/redis-password", "LOG_LEVEL=notice", "BACKUP_URL=s3://AKIAABCDEFGHIJKLMNOP:wJalrXUtnFEMI@bucket"],
  }));
  // Edge.
  set("rampart-setting-ssl", { value: "flexible" });
  set("rampart-setting-min-tls", { value: "1.0" });
  set("rampart-waf-custom", { rules: [{ ref: "block_admin_paths", action: "log", enabled: true, expression: 'starts_with(http.request.uri.path, "/metrics")' }] });
  set("rampart-rate-limits", { rules: [{ ref: "rate_limit_devices", action: "block", enabled: true, expression: "true", ratelimit: { requestsPerPeriod: 5000, period: 10 } }] });
  set("rampart-origin-pulls", { enabled: false });
  // Identity and secrets: a broader policy, a rotated key, a password replaced under a new name.
  set("rampart-rtc-logs", { policy: '{"Statement":[{"Effect":"Allow","Action":["logs:*","iam:PassRole"],"Resource":"*"}]}' });
  set("rampart-origin-key", { algorithm: "RSA", rsaBits: 2048, ecdsaCurve: undefined });
  const pw = byName.get("rampart-redis-password")!;
  const renamed = { ...pw, name: "rampart-redis-password-v2", urn: pw.urn.replace(/rampart-redis-password$/, "rampart-redis-password-v2") };
  const resources = base.resources.filter((x) => x !== pw && x.name !== "rampart-redis-data");
  resources.push(renamed);
  // A new container config rule set and a new instance profile; a deleted volume.
  resources.push(
    r("cloudflare:index/ruleset:Ruleset", "rampart-config-rules", { zoneId: "z1", kind: "zone", phase: "http_config_settings", rules: [{ ref: "disable_security", action: "set_config", actionParameters: { securityLevel: "off" }, expression: "true", enabled: true }] }),
    r("aws:iam/instanceProfile:InstanceProfile", "rampart-rtc-profile", { role: "rampart-rtc-role-id" }),
    r("tls:index/privateKey:PrivateKey", "rampart-deploy-key", { algorithm: "ED25519", privateKeyOpenssh: "[secret]" }),
  );
  return { stack: "crafted", resources };
}

/**
 * Each bypass class the pack closes: a violating fixture that got through before, and the passing form
 * next to it. Judged under both profiles where the protection holds for any program.
 */
import { describe, expect, it } from "vitest";
import { evaluatePolicies, type PlanResource } from "@rampart/policies/check/evaluate";
import type { Profile } from "@rampart/policies/rules/rule";
import { container, resource } from "./fixtures/build";
import { goodInstance, INSTANCE } from "./fixtures/cases";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const LC = "aws:ec2/launchConfiguration:LaunchConfiguration";
const RULESET = "cloudflare:index/ruleset:Ruleset";

function mandatory(policy: string, stack: PlanResource[], profile: Profile): string[] {
  return evaluatePolicies(stack, { profile })
    .violations.filter((v) => v.policy === policy && v.level === "mandatory")
    .map((v) => v.message);
}

const BOTH: Profile[] = ["rampart", "baseline"];

describe.each(BOTH)("source ranges that together are the internet (%s)", (profile) => {
  const WORLD = "security-group-no-world-admin-or-internal-ports";
  const ACROSS = "security-group-no-world-restricted-ports-across-rules";

  it("IPv6 halves in one rule, and in two blocks of one group, open SSH to everyone", () => {
    const oneRule = resource(SG_IN, { securityGroupId: "sg-1", cidrIpv6: "::/1", ipProtocol: "tcp", fromPort: 22, toPort: 22, description: "x" });
    expect(mandatory(WORLD, [oneRule], profile).join()).toMatch(/ingress from ::\/1 on 22-22\/tcp/);
    const blocks = resource(SG, {
      ingress: [
        { protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["2000::/4"], description: "a" },
        { protocol: "tcp", fromPort: 0, toPort: 1024, ipv6CidrBlocks: ["3000::/4"], description: "b" },
      ],
    });
    // Each /4 is a /8 of IPv6 or more on its own: both are reported by the per-entry check.
    expect(mandatory(WORLD, [blocks], profile)).toHaveLength(2);
  });

  it("two blocks of one group that are each below a /8 but together reach one are reported together", () => {
    const group = resource(SG, {
      ingress: [
        { protocol: "tcp", fromPort: 3389, toPort: 3389, cidrBlocks: ["11.0.0.0/9"], description: "a" },
        { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["11.128.0.0/9"], description: "b" },
      ],
    });
    expect(mandatory(WORLD, [group], profile).join()).toMatch(/ingress\[0\], ingress\[1\]: ingress from 11\.0\.0\.0\/9, 11\.128\.0\.0\/9 together cover 0\.4% of the IPv4 internet on 3389\/tcp RDP/);
  });

  it("stand-alone rules of one group (both rule types) add up, rules of different groups do not", () => {
    const a = resource(SG_RULE, { type: "ingress", securityGroupId: "sg-7", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["11.0.0.0/9"], description: "a" });
    const b = resource(SG_IN, { securityGroupId: "sg-7", cidrIpv4: "11.128.0.0/9", ipProtocol: "tcp", fromPort: 22, toPort: 22, description: "b" });
    expect(mandatory(ACROSS, [a, b], profile).join()).toMatch(/security group sg-7: .* together cover/);
    const c = resource(SG_IN, { securityGroupId: "sg-8", cidrIpv4: "11.128.0.0/9", ipProtocol: "tcp", fromPort: 22, toPort: 22, description: "c" });
    expect(mandatory(ACROSS, [a, c], profile)).toEqual([]);
  });

  it("private and operator networks, however many, are not the internet", () => {
    const group = resource(SG, { ingress: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.51.100.0/24"].map((c, i) => ({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [c], description: `n${i}` })) });
    expect(mandatory(WORLD, [group], profile)).toEqual([]);
  });
});

describe("per-request TLS downgrades", () => {
  const POLICY = "cloudflare-no-per-request-tls-downgrade";
  const configRule = (actionParameters: Record<string, unknown>) =>
    resource(RULESET, { zoneId: "z", kind: "zone", name: "cfg", phase: "http_config_settings", rules: [{ action: "set_config", expression: "true", actionParameters }] });

  it.each([
    ["a configuration rule setting ssl off", configRule({ ssl: "off" }), /sets ssl "off"/],
    ["a configuration rule setting ssl full (no verification)", configRule({ ssl: "full" }), /sets ssl "full"/],
    ["a configuration rule turning automatic HTTPS rewrites off", configRule({ automaticHttpsRewrites: false }), /automatic_https_rewrites off/],
    ["a page rule setting ssl flexible", resource("cloudflare:index/pageRule:PageRule", { zoneId: "z", target: "example.com/*", actions: { ssl: "flexible" } }), /page rule "example\.com\/\*" sets ssl "flexible"/],
    ["a page rule turning rewrites off", resource("cloudflare:index/pageRule:PageRule", { zoneId: "z", target: "example.com/a/*", actions: { automaticHttpsRewrites: "off" } }), /automatic_https_rewrites off/],
    ["a hostname TLS setting of 1.0", resource("cloudflare:index/hostnameTlsSetting:HostnameTlsSetting", { zoneId: "z", hostname: "old.example.com", settingId: "min_tls_version", value: "1.0" }), /old\.example\.com sets min_tls_version "1\.0"/],
    ["a custom hostname at TLS 1.1", resource("cloudflare:index/customHostname:CustomHostname", { zoneId: "z", hostname: "shop.example.net", ssl: { method: "http", settings: { minTlsVersion: "1.1" } } }), /custom hostname shop\.example\.net sets min_tls_version "1\.1"/],
    ["a v5 ZoneSettingsOverride", resource("cloudflare:index/zoneSettingsOverride:ZoneSettingsOverride", { zoneId: "z", settings: { ssl: "flexible", minTlsVersion: "1.0" } }), /ZoneSettingsOverride sets ssl "flexible"/],
  ])("refuses %s", (_what, r, message) => {
    expect(mandatory(POLICY, [r], "baseline").join("\n")).toMatch(message);
    expect(mandatory(POLICY, [r], "rampart").join("\n")).toMatch(message);
  });

  it("accepts strict settings, TLS 1.2+ and a disabled rule", () => {
    const ok = [
      configRule({ ssl: "strict", automaticHttpsRewrites: true, rocketLoader: false }),
      resource(RULESET, { zoneId: "z", kind: "zone", name: "off", phase: "http_config_settings", rules: [{ action: "set_config", enabled: false, expression: "true", actionParameters: { ssl: "off" } }] }),
      resource("cloudflare:index/hostnameTlsSetting:HostnameTlsSetting", { zoneId: "z", hostname: "a.example.com", settingId: "min_tls_version", value: "1.2" }),
    ];
    expect(mandatory(POLICY, ok, "baseline")).toEqual([]);
  });
});

describe("WAF skip rules for broad traffic", () => {
  const POLICY = "cloudflare-no-broad-waf-skip";
  const skip = (phase: string, expression: string, actionParameters: Record<string, unknown>) =>
    resource(RULESET, { zoneId: "z", kind: "zone", name: "s", phase, rules: [{ action: "skip", expression, actionParameters }] });

  it.each([
    ["every request past rate limiting", skip("http_request_firewall_custom", "true", { phases: ["http_ratelimit"] })],
    ["a path past the managed rules", skip("http_request_firewall_custom", 'starts_with(http.request.uri.path, "/api")', { phases: ["http_request_firewall_managed"] })],
    ["a hostname past the legacy WAF product", skip("http_request_firewall_custom", 'http.host eq "a.example.com"', { products: ["waf"] })],
    ["every remaining managed rule for all traffic", skip("http_request_firewall_managed", "true", { ruleset: "current" })],
  ])("refuses %s", (_what, r) => {
    expect(mandatory(POLICY, [r], "baseline").join()).toMatch(/that is broad traffic/);
  });

  it("accepts a skip narrowed to a trusted sender, and skips that leave the protections running", () => {
    const ok = [
      skip("http_request_firewall_custom", "ip.src in {192.0.2.0/24}", { phases: ["http_request_firewall_managed"] }),
      skip("http_request_firewall_custom", "cf.client.bot", { phases: ["http_ratelimit"] }),
      skip("http_request_firewall_custom", "true", { ruleset: "current" }),
    ];
    expect(mandatory(POLICY, ok, "baseline")).toEqual([]);
  });
});

describe.each(BOTH)("secrets in user data, launch templates and launch configurations (%s)", (profile) => {
  const POLICY = "ec2-no-secrets-in-user-data";
  const b64 = (s: string) => Buffer.from(s).toString("base64");

  it.each([
    ["an AWS access key in a launch template (base64)", resource(LT, { userData: b64("#!/bin/sh\naws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE\n") }), /userData line 2 holds an AWS access key id/],
    ["a private key in a launch configuration", resource(LC, { imageId: "ami-1", instanceType: "t3.micro", userData: "#cloud-config\nwrite_files:\n  - content: |\n      -----BEGIN OPENSSH PRIVATE KEY-----\n" }), /userData line 4 holds a private key/],
    ["a cloud-init password", resource(INSTANCE, { ...goodInstance, userData: "#cloud-config\nusers:\n  - name: ops\n    plain_text_passwd: Winter2024!\n" }), /line 4 holds a literal value for plain_text_passwd/],
    ["a token by its shape alone", resource(INSTANCE, { ...goodInstance, userDataBase64: b64("git clone https://github.com/acme/app\nexport X=ghp_0123456789abcdefghijklmnopqrstuvwxyz\n") }), /userDataBase64 line 2 holds a GitHub token/],
    ["a database URL with a password", resource(INSTANCE, { ...goodInstance, userData: "#!/bin/bash\necho 'DATABASE_URL=postgres://app:s3cr3t@db:5432/app' >> /etc/app.env\n" }), /credentials inside a URL/],
  ])("refuses %s", (_what, r, message) => {
    const found = mandatory(POLICY, [r], profile).join("\n");
    expect(found).toMatch(message);
    expect(found).not.toMatch(/hunter|Winter2024|s3cr3t|AKIAIOSFODNN7EXAMPLE/);
  });

  it("accepts cloud-init that only locks passwords and reads secrets at boot", () => {
    const ok = resource(INSTANCE, {
      ...goodInstance,
      userData: "#cloud-config\nssh_pwauth: false\nusers:\n  - name: ops\n    lock_passwd: true\nruncmd:\n  - DB_PASSWORD=$(aws ssm get-parameter --with-decryption --name /db --query Parameter.Value --output text) /opt/app/start\n  - echo token_file=/run/secrets/token\n",
    });
    expect(mandatory(POLICY, [ok], profile)).toEqual([]);
  });

  it("holds launch templates and launch configurations to IMDSv2 and encryption like instances", () => {
    const lc = resource(LC, { imageId: "ami-1", instanceType: "t3.micro", metadataOptions: { httpTokens: "optional" }, rootBlockDevice: { encrypted: false } });
    expect(mandatory("ec2-imdsv2-required-hop-limit-1", [lc], profile).join()).toMatch(/httpTokens is "optional"/);
    expect(mandatory("ebs-volumes-encrypted", [lc], profile).join()).toMatch(/rootBlockDevice\.encrypted is not true/);
    const lt = resource(LT, { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 }, blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }] });
    expect(mandatory("ec2-imdsv2-required-hop-limit-1", [lt], profile)).toEqual([]);
    expect(mandatory("ebs-volumes-encrypted", [lt], profile)).toEqual([]);
  });
});

describe.each(BOTH)("containers (%s)", (profile) => {
  it.each([
    ["Server=db;Database=app;User Id=sa;Password=Str0ng!;", /a password inside a connection string/],
    ["mongodb+srv://app:pw@cluster0.example.net/app", /credentials inside a URL/],
    ["amqp://guest:guest@rabbit:5672/", /credentials inside a URL/],
  ])("refuses a credential in an environment value: %s", (value, message) => {
    expect(mandatory("docker-no-secret-environment-values", [container({ envs: [`CONN=${value}`] })], profile).join()).toMatch(message);
  });

  it.each([["shared"], ["slave"], ["rslave"]])("refuses %s mount propagation", (propagation) => {
    const c = container({ mounts: [{ type: "bind", source: "/srv/x", target: "/x", bindOptions: { propagation } }] });
    expect(mandatory("docker-no-shared-mount-propagation", [c], profile).join()).toMatch(new RegExp(`uses ${propagation} mount propagation`));
  });

  it.each([["networkMode"], ["pidMode"], ["ipcMode"]])("refuses %s container:<id>", (key) => {
    expect(mandatory("docker-no-joined-container-namespaces", [container({ [key]: "container:4f1e" })], profile).join()).toMatch(new RegExp(`${key} is "container:4f1e"`));
  });

  it("refuses a host device", () => {
    expect(mandatory("docker-no-host-devices", [container({ devices: [{ hostPath: "/dev/mem" }] })], profile).join()).toMatch(/\/dev\/mem/);
  });

  it.each([["redis:7.0.15"], ["redis:8.2.1-alpine"], ["coturn/coturn:4.6.3"]])("refuses %s, below its security floor", (image) => {
    expect(mandatory("docker-image-above-version-floor", [container({ image })], profile).join()).toMatch(/below the floor/);
  });
});

describe("a public IP on Rampart's media nodes", () => {
  const RULE = "ec2-no-automatic-public-ip";
  const launchTemplate = (role: string) =>
    resource(LT, { networkInterfaces: [{ associatePublicIpAddress: "true" }], tagSpecifications: [{ resourceType: "instance", tags: { "rampart.io/role": role } }] });
  const reported = (stack: PlanResource[], profile: Profile) =>
    evaluatePolicies(stack, { profile }).violations.filter((v) => v.policy === RULE).map((v) => v.message);

  it("is accepted under rampart only for the media role (each node is reached at its own address)", () => {
    expect(reported([launchTemplate("media")], "rampart")).toEqual([]);
    expect(reported([launchTemplate("app")], "rampart").join()).toMatch(/networkInterfaces\[0\]\.associatePublicIpAddress is true/);
  });

  it("is still reported under baseline, where no role is known", () => {
    expect(reported([launchTemplate("media")], "baseline").join()).toMatch(/networkInterfaces\[0\]\.associatePublicIpAddress is true/);
  });
});

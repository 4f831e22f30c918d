import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { botSettingsFor } from "./bots";
import { type ExtraRecord, planDnsRecords } from "./dns";
import type { CustomRule, EdgeRules, ManagedRule, RateLimitRule } from "./rule-types";
import { type HstsOptions, type SecurityLevel, zoneSecuritySettings } from "./zone-settings";

/** Validity periods Cloudflare's Origin CA issues, in days. */
const ORIGIN_CA_VALIDITY_DAYS = [7, 30, 90, 365, 730, 1095, 5475] as const;
type OriginCaValidityDays = (typeof ORIGIN_CA_VALIDITY_DAYS)[number];

const HOURS_PER_DAY = 24;
/** Short enough that rotation stays a practised routine. */
const DEFAULT_ORIGIN_CERTIFICATE_VALIDITY_DAYS: OriginCaValidityDays = 365;
const DEFAULT_ORIGIN_PULL_CERTIFICATE_VALIDITY_DAYS = 365;

/**
 * Arguments of CloudflareEdge. Addresses and the zone id are Inputs (they come from other resources);
 * the rest decides WHICH resources and rules exist, so it is plain data. The rules come already planned
 * (`planEdgeRules`), so an over-the-limit config has failed as config, not as a half-applied deploy.
 */
export interface CloudflareEdgeArgs {
  readonly zoneId: pulumi.Input<string>;
  /** The zone's domain, e.g. example.com; every hostname must be inside it. */
  readonly domain: string;
  /** The zone's hostnames and their WAF, rate-limit and managed rules, fitted to the zone's plan by `planEdgeRules`. */
  readonly rules: EdgeRules;
  /** Public address of the edge proxy host (target of the proxied records). */
  readonly originIp: pulumi.Input<string>;
  /** Public address of the TURN/media host (target of the DNS-only records). Default: originIp. */
  readonly mediaIp?: pulumi.Input<string>;
  readonly extraRecords?: readonly ExtraRecord[];
  /** Default "medium". */
  readonly securityLevel?: SecurityLevel;
  /** Default one year, subdomains included, no preload. */
  readonly hsts?: Partial<HstsOptions>;
  /** Default 365 days. */
  readonly originCertificateValidityDays?: OriginCaValidityDays;
  /** Validity of the per-zone origin-pull client certificate; it is re-issued 30 days before expiry on `pulumi up`. Default 365 days. */
  readonly originPullCertificateValidityDays?: number;
}

/**
 * Everything Cloudflare-side of the AWS target (docs/exposure-classes.md, docs/services.md): zone security settings, the Origin CA
 * certificate for the edge proxy, zone-level Authenticated Origin Pulls with the zone's own client
 * certificate, DNS records derived from the port catalogue, WAF custom/managed/rate-limit rulesets fitted
 * to the plan, and bot protection.
 *
 * The security group that admits 443 only from Cloudflare's ranges belongs to the network component.
 */
export class CloudflareEdge extends pulumi.ComponentResource {
  /** Origin CA certificate for the proxied hostnames (nginx `ssl_certificate`). */
  public readonly originCertificatePem: pulumi.Output<string>;
  /** Its private key (nginx `ssl_certificate_key`); secret. */
  public readonly originPrivateKeyPem: pulumi.Output<string>;
  /** CA of the zone's origin-pull client certificate (nginx `ssl_client_certificate` with `ssl_verify_client on`). */
  public readonly originPullCaPem: pulumi.Output<string>;
  public readonly proxiedHostnames: pulumi.Output<string[]>;
  public readonly dnsOnlyHostnames: pulumi.Output<string[]>;

  constructor(name: string, args: CloudflareEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:edge:CloudflareEdge", name, {}, opts);

    const rules = args.rules;
    const originValidity = args.originCertificateValidityDays ?? DEFAULT_ORIGIN_CERTIFICATE_VALIDITY_DAYS;
    const pullValidityDays = args.originPullCertificateValidityDays ?? DEFAULT_ORIGIN_PULL_CERTIFICATE_VALIDITY_DAYS;
    const mediaIp = args.mediaIp ?? args.originIp;

    // Refuse bad arguments before any child exists.
    const records = this.refuseOnError(() =>
      planDnsRecords({
        domain: args.domain,
        hostnames: rules.hostnames,
        ...(args.extraRecords ? { extraRecords: args.extraRecords } : {}),
      }),
    );
    const settings = this.refuseOnError(() =>
      zoneSecuritySettings({
        ...(args.securityLevel ? { securityLevel: args.securityLevel } : {}),
        ...(args.hsts ? { hsts: args.hsts } : {}),
      }),
    );
    if (!(ORIGIN_CA_VALIDITY_DAYS as readonly number[]).includes(originValidity)) {
      throw new pulumi.ResourceError(
        `originCertificateValidityDays: ${originValidity} is not one Cloudflare issues (${ORIGIN_CA_VALIDITY_DAYS.join(", ")})`,
        this,
      );
    }
    if (!Number.isInteger(pullValidityDays) || pullValidityDays < 60 || pullValidityDays > 825) {
      throw new pulumi.ResourceError(`originPullCertificateValidityDays: ${pullValidityDays} must be an integer between 60 and 825`, this);
    }

    const zoneId = args.zoneId;
    const proxied = records.filter((r) => r.proxied).map((r) => r.name);
    const dnsOnly = records.filter((r) => !r.proxied).map((r) => r.name);

    // Origin trust, part 1: the edge proxy's server certificate, issued by Cloudflare's Origin CA (trusted by Cloudflare only).
    const originKey = new tls.PrivateKey(`${name}-origin-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const originCsr = new tls.CertRequest(
      `${name}-origin-csr`,
      { privateKeyPem: originKey.privateKeyPem, dnsNames: proxied, subject: { commonName: proxied[0]!, organization: "Rampart" } },
      { parent: this },
    );
    const originCertificate = new cloudflare.OriginCaCertificate(
      `${name}-origin-certificate`,
      { csr: originCsr.certRequestPem, hostnames: proxied, requestType: "origin-ecc", requestedValidity: originValidity },
      { parent: this },
    );

    // Origin trust, part 2: zone-level Authenticated Origin Pulls with a client certificate only this zone presents.
    // Cloudflare's shared certificate would also be presented by every other customer's zone pointed at our IP.
    const pullCaKey = new tls.PrivateKey(`${name}-origin-pull-ca-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
    const pullCa = new tls.SelfSignedCert(
      `${name}-origin-pull-ca`,
      {
        privateKeyPem: pullCaKey.privateKeyPem,
        isCaCertificate: true,
        allowedUses: ["cert_signing", "crl_signing"],
        validityPeriodHours: 5 * 365 * HOURS_PER_DAY,
        earlyRenewalHours: 90 * HOURS_PER_DAY,
        subject: { commonName: `Rampart origin-pull CA for ${args.domain}`, organization: "Rampart" },
      },
      { parent: this },
    );
    const pullClientKey = new tls.PrivateKey(`${name}-origin-pull-client-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
    const pullClientCsr = new tls.CertRequest(
      `${name}-origin-pull-client-csr`,
      { privateKeyPem: pullClientKey.privateKeyPem, subject: { commonName: `Cloudflare origin pull for ${args.domain}`, organization: "Rampart" } },
      { parent: this },
    );
    const pullClientCert = new tls.LocallySignedCert(
      `${name}-origin-pull-client-cert`,
      {
        certRequestPem: pullClientCsr.certRequestPem,
        caCertPem: pullCa.certPem,
        caPrivateKeyPem: pullCaKey.privateKeyPem,
        allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
        validityPeriodHours: pullValidityDays * HOURS_PER_DAY,
        earlyRenewalHours: 30 * HOURS_PER_DAY,
      },
      { parent: this },
    );
    const pullCertificate = new cloudflare.AuthenticatedOriginPullsCertificate(
      `${name}-origin-pull-certificate`,
      { zoneId, certificate: pullClientCert.certPem, privateKey: pulumi.secret(pullClientKey.privateKeyPem) },
      { parent: this },
    );
    // Turned on only after the zone's certificate is uploaded: otherwise Cloudflare would present the shared one, which the origin refuses.
    new cloudflare.AuthenticatedOriginPullsSettings(
      `${name}-origin-pull-settings`,
      { zoneId, enabled: true },
      { parent: this, dependsOn: [pullCertificate] },
    );

    for (const s of settings) {
      new cloudflare.ZoneSetting(
        `${name}-setting-${s.key}`,
        { zoneId, settingId: s.settingId, value: s.value },
        { parent: this, ...(s.settingId === "tls_client_auth" ? { dependsOn: [pullCertificate] } : {}) },
      );
    }

    for (const r of records) {
      new cloudflare.DnsRecord(
        `${name}-record-${r.name}`,
        {
          zoneId,
          name: r.name,
          type: "A",
          content: r.address === "origin" ? args.originIp : mediaIp,
          proxied: r.proxied,
          // Proxied records must use "automatic" (1); DNS-only ones get a short TTL so an address change propagates.
          ttl: r.proxied ? 1 : 300,
          comment: `Rampart ${r.role}: ${r.portIds.join(", ")} (${r.proxied ? "proxied" : "DNS-only"}, from the port catalogue)`,
        },
        { parent: this },
      );
    }

    new cloudflare.Ruleset(
      `${name}-waf-custom`,
      {
        zoneId,
        kind: "zone",
        phase: "http_request_firewall_custom",
        name: "Rampart custom rules",
        description: `Rampart WAF custom rules (plan ${rules.limits.plan}: ${rules.customRules.length}/${rules.limits.customRules})`,
        rules: rules.customRules.map(customRuleArgs),
      },
      { parent: this },
    );
    new cloudflare.Ruleset(
      `${name}-waf-managed`,
      {
        zoneId,
        kind: "zone",
        phase: "http_request_firewall_managed",
        name: "Rampart managed rulesets",
        description: "Executes Cloudflare's managed WAF rulesets the plan includes",
        rules: rules.managedRules.map(managedRuleArgs),
      },
      { parent: this },
    );
    new cloudflare.Ruleset(
      `${name}-rate-limits`,
      {
        zoneId,
        kind: "zone",
        phase: "http_ratelimit",
        name: "Rampart rate limits",
        description: `Rampart rate-limit rules (plan ${rules.limits.plan}: ${rules.rateLimitRules.length}/${rules.limits.rateLimitRules})`,
        rules: rules.rateLimitRules.map(rateLimitRuleArgs),
      },
      { parent: this },
    );

    new cloudflare.BotManagement(`${name}-bots`, { zoneId, ...botSettingsFor(rules.bots) }, { parent: this });

    this.originCertificatePem = originCertificate.certificate;
    this.originPrivateKeyPem = pulumi.secret(originKey.privateKeyPem);
    this.originPullCaPem = pullCa.certPem;
    this.proxiedHostnames = pulumi.output(proxied);
    this.dnsOnlyHostnames = pulumi.output(dnsOnly);
    this.registerOutputs({
      originCertificatePem: this.originCertificatePem,
      originPrivateKeyPem: this.originPrivateKeyPem,
      originPullCaPem: this.originPullCaPem,
      proxiedHostnames: this.proxiedHostnames,
      dnsOnlyHostnames: this.dnsOnlyHostnames,
    });
  }

  /** A pure planner's refusal, reported against this component. */
  private refuseOnError<T>(plan: () => T): T {
    try {
      return plan();
    } catch (e) {
      throw new pulumi.ResourceError((e as Error).message, this);
    }
  }
}

/** What every ruleset rule carries, whatever its phase. */
function ruleBase(rule: CustomRule | ManagedRule | RateLimitRule): cloudflare.types.input.RulesetRule {
  return { ref: rule.ref, description: rule.description, expression: rule.expression, action: rule.action, enabled: rule.enabled };
}

function customRuleArgs(rule: CustomRule): cloudflare.types.input.RulesetRule {
  return {
    ...ruleBase(rule),
    ...(rule.actionParameters
      ? {
          actionParameters: {
            ...(rule.actionParameters.phases ? { phases: [...rule.actionParameters.phases] } : {}),
            ...(rule.actionParameters.ruleset ? { ruleset: rule.actionParameters.ruleset } : {}),
          },
        }
      : {}),
    ...(rule.logging ? { logging: { enabled: rule.logging.enabled } } : {}),
  };
}

function managedRuleArgs(rule: ManagedRule): cloudflare.types.input.RulesetRule {
  return {
    ...ruleBase(rule),
    actionParameters: { id: rule.actionParameters.id },
  };
}

function rateLimitRuleArgs(rule: RateLimitRule): cloudflare.types.input.RulesetRule {
  const r = rule.ratelimit;
  return {
    ...ruleBase(rule),
    ratelimit: {
      characteristics: [...r.characteristics],
      period: r.period,
      requestsPerPeriod: r.requestsPerPeriod,
      mitigationTimeout: r.mitigationTimeout,
      requestsToOrigin: r.requestsToOrigin,
      ...(r.countingExpression !== undefined ? { countingExpression: r.countingExpression } : {}),
    },
  };
}

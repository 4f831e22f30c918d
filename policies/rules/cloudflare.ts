import type { PolicyResource } from "@pulumi/policy";
import type { ResourceRule, StackRule } from "./rule";
import { T } from "./types";
import { asNumber, asRecords, asString, asStrings, isMasked, isNonEmptyString, isRecord } from "./values";

const GUIDE = "docs/services.md#in-front-of-it-cloudflare-aws-target; https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/";

/** A zone setting rule: one settingId, one check of its value. */
function zoneSettingRule(r: {
  name: string;
  settingId: string;
  description: string;
  remediationSteps: string;
  anchors: ResourceRule["anchors"];
  check: (value: unknown) => string | undefined;
}): ResourceRule {
  return {
    kind: "resource",
    name: r.name,
    description: r.description,
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: r.remediationSteps,
    anchors: r.anchors,
    resourceTypes: [T.zoneSetting],
    validateResource: (args, report) => {
      if (args.props.settingId !== r.settingId || isMasked(args.props.value)) return;
      const problem = r.check(args.props.value);
      if (problem) report(`zone setting ${r.settingId}: ${problem}`);
    },
  };
}

export const sslStrict = zoneSettingRule({
  name: "cloudflare-ssl-strict",
  settingId: "ssl",
  description: "The zone's SSL mode is Full (strict): Cloudflare verifies the origin's certificate.",
  remediationSteps: "ZoneSetting { settingId: \"ssl\", value: \"strict\" } with a Cloudflare Origin CA certificate on the edge proxy.",
  anchors: { guide: GUIDE },
  check: (v) => (v === "strict" ? undefined : `value is ${JSON.stringify(v)}, must be "strict"`),
});

export const minTls12 = zoneSettingRule({
  name: "cloudflare-min-tls-1-2",
  settingId: "min_tls_version",
  description: "Visitors must use TLS 1.2 or newer.",
  remediationSteps: "ZoneSetting { settingId: \"min_tls_version\", value: \"1.2\" } (or \"1.3\").",
  anchors: { guide: "docs/services.md#in-front-of-it-cloudflare-aws-target; https://developers.cloudflare.com/ssl/edge-certificates/additional-options/minimum-tls/" },
  check: (v) => {
    const n = asNumber(v);
    return n !== undefined && n >= 1.2 ? undefined : `value is ${JSON.stringify(v)}, must be "1.2" or higher`;
  },
});

export const alwaysHttps = zoneSettingRule({
  name: "cloudflare-always-use-https",
  settingId: "always_use_https",
  description: "Plain HTTP requests are redirected to HTTPS.",
  remediationSteps: "ZoneSetting { settingId: \"always_use_https\", value: \"on\" }.",
  anchors: { guide: GUIDE },
  check: (v) => (v === "on" ? undefined : `value is ${JSON.stringify(v)}, must be "on"`),
});

/** HSTS max-age Cloudflare and browsers' preload lists expect at minimum: 180 days. */
export const MIN_HSTS_SECONDS = 15_552_000;

function pick(o: Record<string, unknown>, camel: string, snake: string): unknown {
  return o[camel] ?? o[snake];
}

export const hsts = zoneSettingRule({
  name: "cloudflare-hsts",
  settingId: "security_header",
  description: `HSTS is on with max-age ≥ ${MIN_HSTS_SECONDS} s (180 days).`,
  remediationSteps: "ZoneSetting { settingId: \"security_header\", value: { strictTransportSecurity: { enabled: true, maxAge: 31536000, includeSubdomains: true, nosniff: true } } }.",
  anchors: { guide: "docs/services.md#in-front-of-it-cloudflare-aws-target" },
  check: (v) => {
    const sts = isRecord(v) ? pick(v, "strictTransportSecurity", "strict_transport_security") : undefined;
    if (!isRecord(sts) || sts.enabled !== true) return "strict transport security is not enabled";
    const age = asNumber(pick(sts, "maxAge", "max_age"));
    if (age === undefined || age < MIN_HSTS_SECONDS) return `HSTS max-age is ${age ?? "unset"}, must be at least ${MIN_HSTS_SECONDS}`;
    return undefined;
  },
});

export const authenticatedOriginPulls: ResourceRule = {
  kind: "resource",
  name: "cloudflare-authenticated-origin-pulls",
  description: "Authenticated Origin Pulls is on (zone setting tls_client_auth, or AuthenticatedOriginPullsSettings enabled), so the origin can require Cloudflare's client certificate.",
  severity: "high",
  enforcementLevel: "mandatory",
  profiles: { baseline: "advisory" },
  remediationSteps: "ZoneSetting { settingId: \"tls_client_auth\", value: \"on\" } (or AuthenticatedOriginPullsSettings { enabled: true }) and ssl_verify_client on at the edge proxy with the per-zone CA.",
  anchors: { guide: GUIDE },
  resourceTypes: [T.zoneSetting, T.aopSettings],
  validateResource: (args, report) => {
    if (args.type === T.aopSettings) {
      if (args.props.enabled !== true) report("AuthenticatedOriginPullsSettings.enabled is not true");
      return;
    }
    if (args.props.settingId !== "tls_client_auth" || isMasked(args.props.value)) return;
    if (args.props.value !== "on") report(`zone setting tls_client_auth: value is ${JSON.stringify(args.props.value)}, must be "on"`);
  },
};

const ADDRESS_RECORDS = ["A", "AAAA", "CNAME"];

export const dnsOnlyJustified: ResourceRule = {
  kind: "resource",
  name: "cloudflare-dns-only-justified",
  description:
    "A/AAAA/CNAME records are proxied (HTTP services go through Cloudflare); a DNS-only (grey-cloud) record exists only with an explicit justification: a `comment`, or a tag `dns-only:<reason>` (TURN and media cannot be proxied).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set `proxied: true`, or, for a service Cloudflare cannot proxy (TURN, WebRTC media), keep it DNS-only and say why in `comment` or a `dns-only:<reason>` tag.",
  anchors: { guide: "docs/exposure-classes.md#dns-records" },
  resourceTypes: [T.dnsRecord, T.record],
  profiles: { baseline: "advisory" },
  validateResource: (args, report) => {
    const type = asString(args.props.type)?.toUpperCase();
    if (!type || !ADDRESS_RECORDS.includes(type) || args.props.proxied === true) return;
    const justified = isNonEmptyString(args.props.comment) || isMasked(args.props.comment) || asStrings(args.props.tags).some((t) => /^dns-only:\s*\S/.test(t));
    if (!justified) report(`${type} record ${JSON.stringify(asString(args.props.name) ?? args.name)} is DNS-only (not proxied) without a justification (comment or "dns-only:<reason>" tag)`);
  },
};

/** A zone id as a key; unknown or masked ids match any zone (the offline plan may not know them). */
function zoneOf(r: PolicyResource): string {
  const z = r.props.zoneId;
  return typeof z === "string" && !isMasked(z) ? z : "*";
}

function sameZone(a: string, b: string): boolean {
  return a === b || a === "*" || b === "*";
}

function zonesWithRecords(resources: PolicyResource[], onlyProxied: boolean): string[] {
  const zones = resources.filter((r) => (r.type === T.dnsRecord || r.type === T.record) && (!onlyProxied || r.props.proxied === true)).map(zoneOf);
  return [...new Set(zones)];
}

const REQUIRED_SETTINGS = ["ssl", "min_tls_version", "always_use_https", "security_header", "tls_client_auth"];

export const zoneHardeningDeclared: StackRule = {
  kind: "stack",
  name: "cloudflare-zone-hardening-declared",
  description: `Every zone the stack publishes records in declares its hardening settings (${REQUIRED_SETTINGS.join(", ")}) instead of relying on Cloudflare's defaults.`,
  severity: "high",
  enforcementLevel: "mandatory",
  profiles: { baseline: "advisory" },
  remediationSteps: "Declare a cloudflare.ZoneSetting for each of the settings in the zone (the value rules check them).",
  anchors: { guide: GUIDE },
  validateStack: (args, report) => {
    const zones = zonesWithRecords(args.resources, false);
    if (zones.length === 0) args.notApplicable("the stack publishes no Cloudflare DNS records");
    for (const zone of zones) {
      const declared = new Set(
        args.resources.filter((r) => r.type === T.zoneSetting && sameZone(zoneOf(r), zone)).map((r) => asString(r.props.settingId)),
      );
      if (args.resources.some((r) => r.type === T.aopSettings && sameZone(zoneOf(r), zone))) declared.add("tls_client_auth");
      const missing = REQUIRED_SETTINGS.filter((s) => !declared.has(s));
      if (missing.length > 0) report(`zone ${zone === "*" ? "(unknown id)" : zone} does not declare: ${missing.join(", ")}`);
    }
  },
};

function executesManagedRuleset(r: PolicyResource): boolean {
  return r.props.phase === "http_request_firewall_managed" && asRecords(r.props.rules).some((x) => x.action === "execute" && x.enabled !== false);
}

function rateLimits(r: PolicyResource): boolean {
  return r.props.phase === "http_ratelimit" && asRecords(r.props.rules).some((x) => x.enabled !== false && isRecord(x.ratelimit));
}

export const wafAndRateLimit: StackRule = {
  kind: "stack",
  name: "cloudflare-waf-and-rate-limit",
  description: "Every zone with proxied records executes a managed WAF ruleset (phase http_request_firewall_managed) and has a rate-limiting rule (phase http_ratelimit).",
  severity: "high",
  enforcementLevel: "mandatory",
  profiles: { baseline: "advisory" },
  remediationSteps: "Add cloudflare.Ruleset { kind: \"zone\", phase: \"http_request_firewall_managed\", rules: [{ action: \"execute\", actionParameters: { id: <managed ruleset id> }, expression: \"true\" }] } and a Ruleset in phase http_ratelimit with a `ratelimit` rule for the paths that take logins, uploads or API calls.",
  anchors: { guide: "docs/services.md#in-front-of-it-cloudflare-aws-target; https://developers.cloudflare.com/waf/rate-limiting-rules/" },
  validateStack: (args, report) => {
    const zones = zonesWithRecords(args.resources, true);
    if (zones.length === 0) args.notApplicable("the stack has no proxied Cloudflare records");
    const rulesets = args.resources.filter((r) => r.type === T.ruleset);
    for (const zone of zones) {
      const inZone = rulesets.filter((r) => sameZone(zoneOf(r), zone));
      const label = zone === "*" ? "(unknown id)" : zone;
      if (!inZone.some(executesManagedRuleset)) report(`zone ${label} executes no managed WAF ruleset`);
      if (!inZone.some(rateLimits)) report(`zone ${label} has no rate-limiting rule`);
    }
  },
};

// ---------------------------------------------------------------- per-request downgrades

const SSL_STRICT = ["strict", "full_strict", "origin_pull"];
const TLS_DOWNGRADE_GUIDE =
  "https://developers.cloudflare.com/rules/configuration-rules/settings/; https://developers.cloudflare.com/rules/page-rules/reference/settings/; https://developers.cloudflare.com/ssl/edge-certificates/additional-options/minimum-tls/";

function tlsTooOld(v: unknown): boolean {
  const n = asNumber(v);
  return n !== undefined && n < 1.2;
}

function isOff(v: unknown): boolean {
  return v === false || v === "off" || v === "false";
}

/** What a rule's settings downgrade, whichever of camelCase or snake_case the program wrote. */
function downgradesIn(settings: Record<string, unknown>): string[] {
  const out: string[] = [];
  const ssl = pick(settings, "ssl", "ssl");
  if (typeof ssl === "string" && !isMasked(ssl) && !SSL_STRICT.includes(ssl)) out.push(`ssl "${ssl}" (not strict: Cloudflare stops verifying, or encrypting to, the origin)`);
  const tls = pick(settings, "minTlsVersion", "min_tls_version");
  if (tlsTooOld(tls)) out.push(`min_tls_version ${JSON.stringify(tls)} (below 1.2)`);
  const rewrites = pick(settings, "automaticHttpsRewrites", "automatic_https_rewrites");
  if (isOff(rewrites)) out.push("automatic_https_rewrites off (mixed content stays http://)");
  const always = pick(settings, "alwaysUseHttps", "always_use_https");
  if (isOff(always)) out.push("always_use_https off");
  return out;
}

export const noPerRequestTlsDowngrade: ResourceRule = {
  kind: "resource",
  name: "cloudflare-no-per-request-tls-downgrade",
  description:
    "Nothing downgrades TLS for some requests behind the zone's settings: no configuration rule (Ruleset phase http_config_settings, action set_config), page rule, per-hostname TLS setting, custom hostname or v5 ZoneSettingsOverride sets ssl below strict, min_tls_version below 1.2, or turns automatic_https_rewrites / always_use_https off.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `ssl`, `automaticHttpsRewrites: false` and old `minTlsVersion` from configuration rules, page rules, hostname TLS settings and custom hostnames; fix the origin instead (a certificate Cloudflare can verify, e.g. an Origin CA certificate).",
  anchors: { guide: TLS_DOWNGRADE_GUIDE },
  resourceTypes: [T.ruleset, T.pageRule, T.hostnameTlsSetting, T.customHostname, "cloudflare:index/zoneSettingsOverride:ZoneSettingsOverride"],
  validateResource: (args, report) => {
    const p = args.props;
    switch (args.type) {
      case T.ruleset:
        asRecords(p.rules).forEach((r, i) => {
          if (r.action !== "set_config" || r.enabled === false) return;
          const params = isRecord(r.actionParameters) ? r.actionParameters : isRecord(r.action_parameters) ? r.action_parameters : {};
          for (const d of downgradesIn(params)) report(`rules[${i}] (${asString(r.expression) ?? "no expression"}) sets ${d}`);
        });
        return;
      case T.pageRule: {
        const actions = isRecord(p.actions) ? p.actions : {};
        for (const d of downgradesIn(actions)) report(`page rule ${JSON.stringify(asString(p.target) ?? args.name)} sets ${d}`);
        return;
      }
      case T.hostnameTlsSetting:
        if (p.settingId === "min_tls_version" && tlsTooOld(p.value)) report(`hostname ${asString(p.hostname) ?? "?"} sets min_tls_version ${JSON.stringify(p.value)} (below 1.2)`);
        return;
      case T.customHostname: {
        const ssl = isRecord(p.ssl) ? p.ssl : {};
        const settings = isRecord(ssl.settings) ? ssl.settings : {};
        for (const d of downgradesIn({ minTlsVersion: settings.minTlsVersion })) report(`custom hostname ${asString(p.hostname) ?? "?"} sets ${d}`);
        return;
      }
      default: {
        const settings = isRecord(p.settings) ? p.settings : {};
        for (const d of downgradesIn(settings)) report(`ZoneSettingsOverride sets ${d}`);
      }
    }
  },
};

/** Fields that narrow who a skip rule applies to: a source address or list, a verified bot, a client certificate. */
const NARROWING_FIELDS = /\b(?:ip\.src|ip\.geoip\.asnum|ip\.src\.asnum|cf\.client\.bot|cf\.verified_bot_category|cf\.tls_client_auth\.cert_verified|cf\.bot_management\.verified_bot)\b|\$[a-z0-9_]+/i;
const PROTECTIONS = ["http_request_firewall_managed", "http_ratelimit", "http_request_sbfm"];
const LEGACY_PRODUCTS = ["waf", "rateLimit", "securityLevel", "bic", "uaBlock", "zoneLockdown"];

export const noBroadWafSkip: ResourceRule = {
  kind: "resource",
  name: "cloudflare-no-broad-waf-skip",
  description:
    "A WAF skip rule that bypasses the managed rules or rate limiting (skip phases http_request_firewall_managed / http_ratelimit, products waf / rateLimit, or every remaining rule of the managed phase) applies only to traffic narrowed by who sends it (ip.src or an IP list, a verified bot, a verified client certificate) — never to `true`, a hostname or a path alone.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Narrow the skip rule's expression to the trusted sender, e.g. `ip.src in $trusted_monitors and http.request.uri.path eq \"/health\"`, or remove it.",
  anchors: { guide: "https://developers.cloudflare.com/waf/custom-rules/skip/options/" },
  resourceTypes: [T.ruleset],
  validateResource: (args, report) => {
    const phase = asString(args.props.phase);
    asRecords(args.props.rules).forEach((r, i) => {
      if (r.action !== "skip" || r.enabled === false) return;
      const params = isRecord(r.actionParameters) ? r.actionParameters : isRecord(r.action_parameters) ? r.action_parameters : {};
      const skipped = [
        ...asStrings(params.phases).filter((x) => PROTECTIONS.includes(x)),
        ...asStrings(params.products).filter((x) => LEGACY_PRODUCTS.includes(x)),
        ...(phase === "http_request_firewall_managed" && params.ruleset === "current" ? ["every managed rule after it"] : []),
        ...(phase === "http_request_firewall_managed" && asStrings(params.rulesets).length > 0 ? asStrings(params.rulesets).map((id) => `managed ruleset ${id}`) : []),
      ];
      if (skipped.length === 0) return;
      const expression = asString(r.expression) ?? "true";
      if (isMasked(expression) || NARROWING_FIELDS.test(expression)) return;
      report(`rules[${i}] skips ${skipped.join(", ")} for ${JSON.stringify(expression)}: that is broad traffic, not a trusted sender`);
    });
  },
};

/** Resource types of @pulumi/cloudflare 5 (and legacy APIs) that no rule of this pack can judge. */
const UNCHECKED_V5_TYPES = [
  "cloudflare:index/firewallRule:FirewallRule",
  "cloudflare:index/filter:Filter",
  "cloudflare:index/rateLimit:RateLimit",
  "cloudflare:index/accessRule:AccessRule",
];

export const v5NotChecked: ResourceRule = {
  kind: "resource",
  name: "cloudflare-v5-resource-not-checked",
  description:
    "Says so, instead of staying silent, when the program uses a Cloudflare resource type of @pulumi/cloudflare 5 or a legacy API (firewall rules, filters, legacy rate limits, IP access rules) that this pack cannot judge. (v5's ZoneSettingsOverride and Record are checked.)",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps: "Upgrade to @pulumi/cloudflare 6 and move the rules to cloudflare.Ruleset (custom rules, rate limiting rules), which this pack checks.",
  anchors: { guide: "docs/policy-checks.md" },
  resourceTypes: UNCHECKED_V5_TYPES,
  validateResource: (args, report) => {
    report(`not checked: ${args.type} is a @pulumi/cloudflare 5 / legacy resource this pack cannot judge; upgrade to @pulumi/cloudflare 6 (cloudflare.Ruleset)`);
  },
};

export const cloudflareResourceRules: ResourceRule[] = [sslStrict, minTls12, alwaysHttps, hsts, authenticatedOriginPulls, dnsOnlyJustified, noPerRequestTlsDowngrade, noBroadWafSkip, v5NotChecked];
export const cloudflareStackRules: StackRule[] = [zoneHardeningDeclared, wafAndRateLimit];

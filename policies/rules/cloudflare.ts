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
  anchors: { guide: "docs/services.md#in-front-of-it-cloudflare-aws-target; https://developers.cloudflare.com/ssl/edge-certificates/additional-options/http-strict-transport-security/" },
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
  anchors: { guide: "docs/exposure-classes.md#dns-records (catalogue dns: proxied | dns-only)" },
  resourceTypes: [T.dnsRecord],
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
  const zones = resources.filter((r) => r.type === T.dnsRecord && (!onlyProxied || r.props.proxied === true)).map(zoneOf);
  return [...new Set(zones)];
}

const REQUIRED_SETTINGS = ["ssl", "min_tls_version", "always_use_https", "security_header", "tls_client_auth"];

export const zoneHardeningDeclared: StackRule = {
  kind: "stack",
  name: "cloudflare-zone-hardening-declared",
  description: `Every zone the stack publishes records in declares its hardening settings (${REQUIRED_SETTINGS.join(", ")}) instead of relying on Cloudflare's defaults.`,
  severity: "high",
  enforcementLevel: "mandatory",
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
  remediationSteps: "Add cloudflare.Ruleset { kind: \"zone\", phase: \"http_request_firewall_managed\", rules: [{ action: \"execute\", actionParameters: { id: <managed ruleset id> }, expression: \"true\" }] } and a Ruleset in phase http_ratelimit with a `ratelimit` rule for the WebSocket and device API paths.",
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

export const cloudflareResourceRules: ResourceRule[] = [sslStrict, minTls12, alwaysHttps, hsts, authenticatedOriginPulls, dnsOnlyJustified];
export const cloudflareStackRules: StackRule[] = [zoneHardeningDeclared, wafAndRateLimit];

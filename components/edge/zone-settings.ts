/**
 * The zone's security settings (one `cloudflare.ZoneSetting` each). Values are what Cloudflare's
 * zone-settings API takes; `security_header`'s value keeps the API's snake_case keys.
 */

const SECURITY_LEVELS = ["essentially_off", "low", "medium", "high", "under_attack"] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

export interface HstsOptions {
  readonly maxAgeSeconds: number;
  readonly includeSubdomains: boolean;
  /** Preloading commits the whole domain to HTTPS in browsers for good: opt-in only. */
  readonly preload: boolean;
}

const DEFAULT_HSTS: HstsOptions = { maxAgeSeconds: 31_536_000, includeSubdomains: true, preload: false };
const DEFAULT_SECURITY_LEVEL: SecurityLevel = "medium";
/** Browsers honour preload lists only from a year up; below six months HSTS protects too little to be worth having. */
const MIN_HSTS_MAX_AGE = 15_552_000;

interface ZoneSettingSpec {
  /** Resource name suffix (ids such as `0rtt` are not good names). */
  readonly key: string;
  readonly settingId: string;
  readonly value: unknown;
}

export function zoneSecuritySettings(opts: { securityLevel?: string; hsts?: Partial<HstsOptions> } = {}): ZoneSettingSpec[] {
  const level = opts.securityLevel ?? DEFAULT_SECURITY_LEVEL;
  if (!(SECURITY_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`securityLevel: "${level}" is not one of ${SECURITY_LEVELS.join(", ")} ("off" is not offered)`);
  }
  const hsts = { ...DEFAULT_HSTS, ...opts.hsts };
  if (!Number.isInteger(hsts.maxAgeSeconds) || hsts.maxAgeSeconds < MIN_HSTS_MAX_AGE) {
    throw new Error(`hsts.maxAgeSeconds: ${hsts.maxAgeSeconds} is below ${MIN_HSTS_MAX_AGE} (180 days)`);
  }
  if (hsts.preload && (!hsts.includeSubdomains || hsts.maxAgeSeconds < 31_536_000)) {
    throw new Error("hsts.preload needs includeSubdomains and a max age of at least 31536000 s (the preload list's rules)");
  }
  return [
    // Full (strict): Cloudflare validates the origin's certificate (our Origin CA certificate).
    { key: "ssl", settingId: "ssl", value: "strict" },
    { key: "min-tls-version", settingId: "min_tls_version", value: "1.2" },
    { key: "tls-1-3", settingId: "tls_1_3", value: "on" },
    { key: "always-use-https", settingId: "always_use_https", value: "on" },
    {
      key: "hsts",
      settingId: "security_header",
      value: {
        strict_transport_security: {
          enabled: true,
          max_age: hsts.maxAgeSeconds,
          include_subdomains: hsts.includeSubdomains,
          preload: hsts.preload,
          nosniff: true,
        },
      },
    },
    { key: "websockets", settingId: "websockets", value: "on" },
    { key: "security-level", settingId: "security_level", value: level },
    // Zone-level Authenticated Origin Pulls: Cloudflare presents the zone's own client certificate to the origin.
    { key: "tls-client-auth", settingId: "tls_client_auth", value: "on" },
    // 0-RTT early data can be replayed; the device API's POSTs must not be.
    { key: "0rtt", settingId: "0rtt", value: "off" },
  ];
}

/**
 * Hostname and origin rules, one definition for config validation, the edge, certificates, the
 * service configs and the gateway, so a name one layer accepts is never refused by the next.
 */

/** A DNS label (RFC 1035 §2.3.1, digits allowed first as RFC 1123 §2.1 permits): 1-63 letters, digits or '-', no '-' at either end. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
/** A top-level label is alphabetic, which also keeps dotted-quad addresses from passing as names. */
const TOP_LABEL = /^[a-z]{2,63}$/i;

/**
 * A fully qualified DNS name such as `app.example.com`: at most 253 characters, two labels or more, an
 * alphabetic top-level label. `singleLabel` also admits a bare name such as a container name (`redis`).
 */
export function isHostname(name: unknown, options: { singleLabel?: boolean } = {}): name is string {
  if (typeof name !== "string" || name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  if (!labels.every((l) => LABEL.test(l))) return false;
  if (labels.length === 1) return options.singleLabel === true && !/^\d+$/.test(name);
  return TOP_LABEL.test(labels.at(-1) ?? "");
}

/** Hosts a browser may serve over plain http without leaving the machine. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

export interface OriginRules {
  /** Accept `http://localhost`, `http://127.0.0.1` and `http://[::1]` (a local stack); never other http origins. */
  readonly loopbackHttp: boolean;
}

/**
 * Why `origin` is not an exact browser origin (scheme://host[:port], as a browser sends it in the
 * `Origin` header), or undefined when it is. Exactness matters because the gateway and the WAF compare
 * origins as strings: a trailing slash or upper case would never match and a wildcard would match too much.
 */
export function originProblem(origin: string, rules: OriginRules): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "is not an origin (expected https://host[:port])";
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(rules.loopbackHttp && loopback && url.protocol === "http:")) {
    return rules.loopbackHttp ? "must use https (http only for localhost)" : "must use https (the edge serves HTTPS only)";
  }
  if (url.origin !== origin) return `is not an exact origin (expected ${url.origin}: no path, no trailing slash, lower case)`;
  return undefined;
}

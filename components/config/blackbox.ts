import { stringify } from "yaml";
import { z } from "zod";
import { absolutePath, parseInput } from "./validate";

/**
 * Blackbox exporter configuration (docs/observability.md#certificate-expiry): one TCP+TLS module per
 * trust anchor, so each watched endpoint's certificate is verified against what should have issued it
 * (a publicly trusted TURNS certificate against the system roots, an origin certificate against its own
 * CA file) and `probe_ssl_earliest_cert_expiry` is reported for it. Verification is never skipped: a
 * probe that cannot verify fails (`probe_success 0`), which the dashboard shows.
 */

export interface TlsModule {
  /** Module name, referenced by the scrape job's `module` parameter. */
  readonly name: string;
  /** CA bundle to verify against; omitted = the system roots. */
  readonly caFile?: string;
  /** Name to verify and send as SNI when the probe dials an address. */
  readonly serverName?: string;
}

const moduleName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "must be lower-case letters, digits and '_'");
const dnsName = z.string().regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, "must be a DNS name");

const schema = z
  .array(z.object({ name: moduleName, caFile: absolutePath.optional(), serverName: dnsName.optional() }).strict())
  .min(1, "needs at least one module")
  .refine((ms) => new Set(ms.map((m) => m.name)).size === ms.length, "names a module twice");

export function renderBlackboxYml(modules: readonly TlsModule[]): string {
  const ms = parseInput("renderBlackboxYml", schema, modules);
  const config = {
    modules: Object.fromEntries(
      ms.map((m) => [
        m.name,
        {
          prober: "tcp",
          timeout: "10s",
          tcp: {
            tls: true,
            tls_config: { insecure_skip_verify: false, min_version: "TLS12", ...(m.caFile ? { ca_file: m.caFile } : {}), ...(m.serverName ? { server_name: m.serverName } : {}) },
          },
        },
      ]),
    ),
  };
  return "# Rendered by components/config/blackbox.ts.\n" + stringify(config, { lineWidth: 0 });
}

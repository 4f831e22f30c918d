import { stringify } from "yaml";
import { z } from "zod";
import { absolutePath, bareToken, parseInput, positiveInt } from "./validate";

/**
 * Prometheus configuration (docs/observability.md): `prometheus.yml` from the scrape targets it is given.
 *
 * The renderer takes its targets as input (host:port strings per job) so every deploy target feeds it
 * from its own wiring: the Docker stacks with the containers' fixed addresses or the host's private
 * address, a cluster with its service addresses. Credentials are always file paths
 * (`basic_auth.password_file`): the file's content never enters the config, the environment or a log.
 *
 * Syntax is the subset both Prometheus 2.42 (the Debian binary the tests run) and 3.x (the pinned image)
 * accept: no `scrape_protocols`, no UTF-8 names, no `fallback_scrape_protocol`.
 */

/** The jobs Rampart scrapes; the `up` alert and the dashboard name them, so they are a closed set. */
export const SCRAPE_JOBS = ["gateway", "livekit", "coturn", "prometheus", "alertmanager", "tls-expiry"] as const;
export type ScrapeJobName = (typeof SCRAPE_JOBS)[number];

/** `host:port` (IPv6 in brackets) or a DNS name with port. */
const hostPort = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be host:port (an address or DNS name, IPv6 in brackets)");

export interface BasicAuthFile {
  readonly username: string;
  /** Path, inside the Prometheus container, of a file holding only the password. */
  readonly passwordFile: string;
}

/**
 * Where a job's instances are: fixed `host:port`s (the Docker stacks' fixed addresses), or DNS names whose
 * every A record is an instance (a Kubernetes headless Service: one record per pod, re-resolved every 30 s,
 * so a scaled or rescheduled pod is scraped without a config change).
 */
export type ScrapeTargets =
  | { readonly targets: readonly string[]; readonly dnsNames?: never; readonly port?: never }
  | { readonly dnsNames: readonly string[]; readonly port: number; readonly targets?: never };

export type ScrapeJob = {
  readonly job: ScrapeJobName;
  readonly metricsPath?: string;
  readonly basicAuth?: BasicAuthFile;
} & ScrapeTargets;

export interface TlsProbes {
  /** host:port of the blackbox exporter that performs the TLS handshakes. */
  readonly exporter: string;
  /** Each watched TLS endpoint (TURNS, the origin's HTTPS) with the blackbox module that verifies it. */
  readonly probes: readonly { readonly endpoint: string; readonly module: string }[];
}

export interface PrometheusYmlInput {
  /** How often every target is scraped (seconds). */
  readonly scrapeIntervalSeconds: number;
  /** How often the rules are evaluated (seconds). */
  readonly evaluationIntervalSeconds: number;
  readonly jobs: readonly ScrapeJob[];
  /** Certificate expiry probes through a blackbox exporter; omitted = no `tls-expiry` job. */
  readonly tlsProbes?: TlsProbes;
  /** host:port of each Alertmanager. */
  readonly alertmanagers: readonly string[];
  /** Paths of the rule files inside the container. */
  readonly ruleFiles: readonly string[];
  /** Labels added to every series and alert (e.g. the stack name). */
  readonly externalLabels?: Readonly<Record<string, string>>;
}

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
const labelValue = z.string().min(1).regex(/^[\x20-\x7e]+$/, "must be printable ASCII on one line");

const schema = z
  .object({
    scrapeIntervalSeconds: positiveInt.max(3600),
    evaluationIntervalSeconds: positiveInt.max(3600),
    jobs: z
      .array(
        z
          .object({
            job: z.enum(SCRAPE_JOBS),
            targets: z.array(hostPort).min(1, "needs at least one target").optional(),
            dnsNames: z.array(z.string().regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "must be a DNS name")).min(1, "needs at least one DNS name").optional(),
            port: z.number().int().min(1).max(65535).optional(),
            metricsPath: absolutePath.optional(),
            basicAuth: z.object({ username: bareToken, passwordFile: absolutePath }).strict().optional(),
          })
          .strict()
          .refine((j) => (j.targets !== undefined) !== (j.dnsNames !== undefined), "needs either targets or dnsNames, not both")
          .refine((j) => (j.dnsNames !== undefined) === (j.port !== undefined), "dnsNames need a port, and only dnsNames take one"),
      )
      .min(1, "needs at least one job")
      .refine((jobs) => new Set(jobs.map((j) => j.job)).size === jobs.length, "names a job twice")
      .refine((jobs) => !jobs.some((j) => j.job === "tls-expiry"), "tls-expiry is rendered from tlsProbes, not listed as a job"),
    tlsProbes: z
      .object({
        exporter: hostPort,
        probes: z.array(z.object({ endpoint: hostPort, module: bareToken }).strict()).min(1, "needs at least one endpoint"),
      })
      .strict()
      .optional(),
    alertmanagers: z.array(hostPort).min(1, "needs at least one Alertmanager: rules that cannot notify are no alerting"),
    ruleFiles: z.array(absolutePath).min(1, "needs at least one rule file"),
    externalLabels: z.record(labelName, labelValue).optional(),
  })
  .strict();

export function renderPrometheusYml(input: PrometheusYmlInput): string {
  const i = parseInput("renderPrometheusYml", schema, input);
  const scrapeConfigs: Array<Record<string, unknown>> = i.jobs.map((j) => ({
    job_name: j.job,
    ...(j.metricsPath ? { metrics_path: j.metricsPath } : {}),
    ...(j.basicAuth ? { basic_auth: { username: j.basicAuth.username, password_file: j.basicAuth.passwordFile } } : {}),
    ...(j.dnsNames
      ? { dns_sd_configs: [{ names: [...j.dnsNames], type: "A", port: j.port, refresh_interval: "30s" }] }
      : { static_configs: [{ targets: [...(j.targets ?? [])] }] }),
  }));
  if (i.tlsProbes) {
    // The blackbox pattern: the endpoint becomes the probe's `target` parameter and the `instance` label,
    // the request goes to the exporter.
    // One target group per module: its `__param_module` label becomes the probe's `module` parameter.
    const modules = [...new Set(i.tlsProbes.probes.map((p) => p.module))];
    scrapeConfigs.push({
      job_name: "tls-expiry",
      metrics_path: "/probe",
      static_configs: modules.map((module) => ({
        targets: i.tlsProbes!.probes.filter((p) => p.module === module).map((p) => p.endpoint),
        labels: { __param_module: module },
      })),
      relabel_configs: [
        { source_labels: ["__address__"], target_label: "__param_target" },
        { source_labels: ["__param_target"], target_label: "instance" },
        { target_label: "__address__", replacement: i.tlsProbes.exporter },
      ],
    });
  }
  const config = {
    global: {
      scrape_interval: `${i.scrapeIntervalSeconds}s`,
      // A scrape may not outlast its interval; 10 s is plenty for a metrics page.
      scrape_timeout: `${Math.min(i.scrapeIntervalSeconds, 10)}s`,
      evaluation_interval: `${i.evaluationIntervalSeconds}s`,
      ...(i.externalLabels && Object.keys(i.externalLabels).length ? { external_labels: i.externalLabels } : {}),
    },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [...i.alertmanagers] }] }] },
    rule_files: [...i.ruleFiles],
    scrape_configs: scrapeConfigs,
  };
  return "# Rendered by components/config/prometheus.ts.\n" + stringify(config, { lineWidth: 0 });
}

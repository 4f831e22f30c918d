import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import { ALERT_DEFAULTS, renderAlertRules, type AlertThresholds } from "../../config/alert-rules";
import { renderPrometheusYml, type ScrapeJob, type ScrapeJobName } from "../../config/prometheus";
import { declareDataVolume } from "../data-volume";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { configDir, secretPath } from "./common";

/** One scrape job as the stack wires it: targets, and a credential that becomes a 0400 file. */
export interface ScrapeSource {
  readonly job: Exclude<ScrapeJobName, "prometheus" | "tls-expiry">;
  readonly targets: pulumi.Input<pulumi.Input<string>[]>;
  readonly basicAuth?: { readonly username: string; readonly password: pulumi.Input<string> };
}

export interface PrometheusArgs {
  image?: pulumi.Input<string>;
  networks: NetworkAttachment[];
  /** Address the admin-class UI/API port is published on (127.0.0.1 locally, the private address on AWS). */
  publishAddress: pulumi.Input<string>;
  sources: ScrapeSource[];
  /** Certificate-expiry probes: the blackbox exporter's host:port and each endpoint with its module. */
  tlsProbes?: { exporter: pulumi.Input<string>; probes: Array<{ endpoint: pulumi.Input<string>; module: string }> };
  /** host:port of Alertmanager. */
  alertmanager: pulumi.Input<string>;
  thresholds?: AlertThresholds;
  retentionDays?: number;
  scrapeIntervalSeconds?: number;
  externalLabels?: Record<string, string>;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
  /** Let destroy and replacements delete the data volume (default false: protected and retained). */
  allowDataDeletion?: boolean;
}

const DEFAULTS = { retentionDays: 15, scrapeIntervalSeconds: 15, memoryMiB: 1024, cpus: 1 } as const;
const DATA = "/prometheus";

/** Prometheus's command line on every platform: config, samples directory, retention by time and size. */
export function prometheusFlags(o: { configFile: string; dataDir: string; retentionDays: number; listen: number }): string[] {
  return [
    `--config.file=${o.configFile}`,
    `--storage.tsdb.path=${o.dataDir}`,
    `--storage.tsdb.retention.time=${o.retentionDays}d`,
    // A full disk stops scraping; the size cap keeps the volume's growth bounded whatever the scrape volume.
    "--storage.tsdb.retention.size=8GB",
    `--web.listen-address=0.0.0.0:${o.listen}`,
  ];
}

/**
 * Prometheus: scrapes the gateway, LiveKit and coturn over the stack's networks with credentials from
 * 0400 files, evaluates Rampart's alert rules and sends alerts to Alertmanager; samples on a named
 * volume with a retention time and size; UI and API on the admin-class `prometheus-http` port only.
 */
export class Prometheus extends pulumi.ComponentResource {
  public readonly port: number;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Prometheus", name, {}, opts);
    const user = SERVICE_USERS.prometheus;
    const retentionDays = args.retentionDays ?? DEFAULTS.retentionDays;
    const interval = args.scrapeIntervalSeconds ?? DEFAULTS.scrapeIntervalSeconds;
    const containerName = args.containerName ?? name;
    const listen = port("prometheus-http").from;
    const ymlPath = `${configDir("prometheus")}/prometheus.yml`;
    const rulesPath = `${configDir("prometheus")}/rampart-rules.yml`;
    const passwordFile = (job: string) => `${job}-scrape-password`;

    const targets: pulumi.Output<string[][]> = pulumi.all(args.sources.map((s) => pulumi.output(s.targets)));
    const probes = args.tlsProbes
      ? pulumi.all([pulumi.output(args.tlsProbes.exporter), pulumi.all(args.tlsProbes.probes.map((p) => pulumi.output(p.endpoint)))]).apply(([exporter, endpoints]) => ({
          exporter,
          probes: endpoints.map((endpoint, i) => ({ endpoint, module: args.tlsProbes!.probes[i]!.module })),
        }))
      : pulumi.output(undefined);
    const yml = pulumi
      .all([pulumi.output(args.alertmanager), targets, probes])
      .apply(([alertmanager, resolved, tlsProbes]) => {
        const jobs: ScrapeJob[] = args.sources.map((s, i) => ({
          job: s.job,
          targets: resolved[i] ?? [],
          ...(s.basicAuth ? { basicAuth: { username: s.basicAuth.username, passwordFile: secretPath(passwordFile(s.job)) } } : {}),
        }));
        return renderPrometheusYml({
          scrapeIntervalSeconds: interval,
          evaluationIntervalSeconds: interval,
          jobs: [...jobs, { job: "prometheus", targets: [`127.0.0.1:${listen}`] }],
          ...(tlsProbes ? { tlsProbes } : {}),
          alertmanagers: [alertmanager],
          ruleFiles: [rulesPath],
          ...(args.externalLabels ? { externalLabels: args.externalLabels } : {}),
        });
      });

    const data = declareDataVolume(`${name}-data`, { volumeName: `${containerName}-data`, service: "prometheus", allowDataDeletion: args.allowDataDeletion }, this);

    new HardenedContainer(
      name,
      {
        service: "prometheus",
        containerName,
        image: args.image ?? DEFAULT_IMAGES.prometheus,
        uid: user.uid,
        gid: user.gid,
        networks: args.networks,
        ports: [{ portId: "prometheus-http", hostIp: args.publishAddress }],
        tmpfs: { "/tmp": { sizeMiB: 16 } },
        // The image owns /prometheus as its user; the new volume copies that ownership.
        volumes: [{ name: data.name, target: DATA, copyImageContent: true }],
        configFiles: [
          { path: ymlPath, content: yml },
          { path: rulesPath, content: renderAlertRules(args.thresholds ?? ALERT_DEFAULTS) },
        ],
        secretFiles: args.sources.flatMap((s) => (s.basicAuth ? [{ name: passwordFile(s.job), content: s.basicAuth.password }] : [])),
        command: prometheusFlags({ configFile: ymlPath, dataDir: DATA, retentionDays, listen }),
        memoryMiB: args.memoryMiB ?? DEFAULTS.memoryMiB,
        cpus: args.cpus ?? DEFAULTS.cpus,
        healthcheck: {
          test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${listen}/-/healthy`],
          interval: "30s",
          startPeriod: "30s",
        },
      },
      { parent: this },
    );
    this.port = listen;
    this.registerOutputs({});
  }
}

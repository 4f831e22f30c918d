import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import {
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
  renderGrafanaIni,
  renderSecurityDashboard,
} from "../../config/grafana";
import { declareDataVolume } from "../data-volume";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { generatedSecret, secretPath } from "./common";

export interface GrafanaArgs {
  image?: pulumi.Input<string>;
  networks: NetworkAttachment[];
  publishAddress: pulumi.Input<string>;
  /** URL of Prometheus on the monitoring network. */
  prometheusUrl: pulumi.Input<string>;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
  /** Let destroy and replacements delete the data volume (default false: protected and retained). */
  allowDataDeletion?: boolean;
}

const DATA = "/var/lib/grafana";
// Flat, non-nested directories: each receives its files through its own read-only volume.
const CONFIG = "/etc/grafana-rampart/grafana.ini";
const PROVISIONING = "/etc/grafana/provisioning";
const DASHBOARDS = "/etc/grafana-dashboards";
const ADMIN_PASSWORD = "grafana-admin-password";

export interface GrafanaLayout {
  readonly configFile: string;
  readonly provisioningDir: string;
  readonly dashboardsDir: string;
  readonly dataDir: string;
}
export const GRAFANA_LAYOUT: GrafanaLayout = { configFile: CONFIG, provisioningDir: PROVISIONING, dashboardsDir: DASHBOARDS, dataDir: DATA };
export const GRAFANA_ADMIN_PASSWORD_FILE = ADMIN_PASSWORD;

/**
 * Grafana's files on every platform: grafana.ini (logins only, the admin password from a file), Prometheus as
 * the one data source, and the security dashboard provisioned read-only. None holds a secret.
 */
export function grafanaFiles(layout: GrafanaLayout, prometheusUrl: pulumi.Input<string>): Array<{ path: string; content: pulumi.Input<string> }> {
  const provisioning = pulumi.output(prometheusUrl).apply((url) => ({ prometheusUrl: url, dashboardsDir: layout.dashboardsDir }));
  return [
    {
      path: layout.configFile,
      content: renderGrafanaIni({ httpPort: port("grafana-http").from, adminUser: "admin", adminPasswordFile: secretPath(ADMIN_PASSWORD), provisioningDir: layout.provisioningDir, dataDir: layout.dataDir }),
    },
    { path: `${layout.provisioningDir}/datasources/rampart.yaml`, content: provisioning.apply(renderGrafanaDatasource) },
    { path: `${layout.provisioningDir}/dashboards/rampart.yaml`, content: provisioning.apply(renderGrafanaDashboardProvider) },
    { path: `${layout.dashboardsDir}/rampart-security.json`, content: renderSecurityDashboard() },
  ];
}

/** The image's start script reads its paths from these (they hold no secret). */
export function grafanaEnvironment(layout: GrafanaLayout): Record<string, string> {
  return { GF_PATHS_CONFIG: layout.configFile, GF_PATHS_DATA: layout.dataDir, GF_PATHS_PROVISIONING: layout.provisioningDir };
}

/**
 * Grafana with the security dashboard provisioned (read-only, not editable in the UI), Prometheus as
 * its only data source, logins only (no anonymous access, no sign-up), the admin password generated
 * and read from a 0400 file, nothing phoning home; UI on the admin-class `grafana-http` port only.
 */
export class Grafana extends pulumi.ComponentResource {
  /** The `admin` user's password (secret): the stack exports it for the operator. */
  public readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Grafana", name, {}, opts);
    const user = SERVICE_USERS.grafana;
    const containerName = args.containerName ?? name;
    const listen = port("grafana-http").from;
    this.adminPassword = generatedSecret(`${name}-admin-password`, this);

    const data = declareDataVolume(`${name}-data`, { volumeName: `${containerName}-data`, service: "grafana", allowDataDeletion: args.allowDataDeletion }, this);

    new HardenedContainer(
      name,
      {
        service: "grafana",
        containerName,
        image: args.image ?? DEFAULT_IMAGES.grafana,
        uid: user.uid,
        gid: user.gid,
        networks: args.networks,
        ports: [{ portId: "grafana-http", hostIp: args.publishAddress }],
        tmpfs: { "/tmp": { sizeMiB: 32 } },
        volumes: [{ name: data.name, target: DATA, copyImageContent: true }],
        configFiles: grafanaFiles(GRAFANA_LAYOUT, args.prometheusUrl),
        secretFiles: [{ name: ADMIN_PASSWORD, content: this.adminPassword }],
        env: grafanaEnvironment(GRAFANA_LAYOUT),
        memoryMiB: args.memoryMiB ?? 512,
        cpus: args.cpus ?? 1,
        healthcheck: {
          test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${listen}/api/health`],
          interval: "30s",
          startPeriod: "30s",
        },
      },
      { parent: this },
    );
    this.registerOutputs({ adminPassword: this.adminPassword });
  }
}

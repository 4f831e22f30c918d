import { stringify } from "yaml";
import { z } from "zod";
import { absolutePath, bareToken, parseInput } from "./validate";

/**
 * Grafana provisioning (docs/observability.md#the-security-dashboard): `grafana.ini` (no anonymous
 * access, no sign-up, the admin password read from a file with Grafana's `$__file{}`), the Prometheus
 * data source, the dashboard provider and the security dashboard itself.
 *
 * The dashboard's queries are data (`SECURITY_DASHBOARD`), so a test can parse every one with promtool
 * and check each metric name against what the gateway and the LiveKit/coturn exporters really expose.
 */

export interface DashboardTarget {
  readonly expr: string;
  readonly legend: string;
}

export interface DashboardPanel {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly DashboardTarget[];
}

export interface DashboardRow {
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
}

/** The panels an operator under attack wants first, top to bottom. */
export const SECURITY_DASHBOARD: readonly DashboardRow[] = [
  {
    title: "Connections and authentication",
    panels: [
      { title: "Open WebSocket connections", unit: "short", targets: [{ expr: "sum by (instance) (active_connections)", legend: "{{instance}}" }] },
      { title: "Authentication failures by reason", unit: "ops", targets: [{ expr: "sum by (reason) (rate(auth_failures_total[5m]))", legend: "{{reason}}" }] },
      { title: "Accepted room messages", unit: "ops", targets: [{ expr: "sum by (instance) (rate(messages_total[5m]))", legend: "{{instance}}" }] },
    ],
  },
  {
    title: "Limits and anomalies",
    panels: [
      { title: "Rate-limit and cap refusals by scope", unit: "ops", targets: [{ expr: "sum by (scope) (rate(rate_limit_hits_total[5m]))", legend: "{{scope}}" }] },
      { title: "Anomaly blocks by pattern", unit: "short", targets: [{ expr: "sum by (pattern) (increase(anomaly_blocks_total[5m]))", legend: "{{pattern}}" }] },
      { title: "Forged fan-out payloads dropped", unit: "short", targets: [{ expr: "sum by (instance, reason) (increase(fanout_rejected_total[5m]))", legend: "{{instance}} {{reason}}" }] },
    ],
  },
  {
    title: "Device API",
    panels: [
      { title: "Device signature failures by reason", unit: "ops", targets: [{ expr: "sum by (reason) (rate(hmac_failures_total[5m]))", legend: "{{reason}}" }] },
      { title: "Device requests refused by the device rate limit", unit: "ops", targets: [{ expr: 'sum(rate(rate_limit_hits_total{scope="device"}[5m]))', legend: "rate-limited" }] },
    ],
  },
  {
    title: "TURN and media",
    panels: [
      { title: "TURN allocations", unit: "short", targets: [{ expr: "sum by (instance, type) (turn_total_allocations)", legend: "{{instance}} {{type}}" }] },
      {
        title: "Relayed TURN bandwidth (finished sessions)",
        unit: "Bps",
        targets: [
          { expr: "sum by (instance) (rate(turn_total_traffic_peer_sentb[5m]))", legend: "{{instance}} to peers" },
          { expr: "sum by (instance) (rate(turn_total_traffic_peer_rcvb[5m]))", legend: "{{instance}} from peers" },
        ],
      },
      {
        title: "LiveKit rooms and participants",
        unit: "short",
        targets: [
          { expr: "sum(livekit_room_total)", legend: "rooms" },
          { expr: "sum(livekit_participant_total)", legend: "participants" },
        ],
      },
    ],
  },
  {
    title: "Health",
    panels: [
      { title: "Scrape targets up", unit: "short", targets: [{ expr: "up", legend: "{{job}} {{instance}}" }] },
      { title: "Gateway Redis connection", unit: "short", targets: [{ expr: "redis_connected", legend: "{{instance}}" }] },
      { title: "Gateway resident memory", unit: "bytes", targets: [{ expr: "process_resident_memory_bytes{job=\"gateway\"}", legend: "{{instance}}" }] },
      { title: "Days until certificate expiry", unit: "d", targets: [{ expr: "(probe_ssl_earliest_cert_expiry - time()) / 86400", legend: "{{instance}}" }] },
      { title: "Firing alerts", unit: "short", targets: [{ expr: 'sum by (alertname) (ALERTS{alertstate="firing"})', legend: "{{alertname}}" }] },
    ],
  },
];

/** Every PromQL expression of the dashboard. */
export function dashboardExpressions(rows: readonly DashboardRow[] = SECURITY_DASHBOARD): string[] {
  return rows.flatMap((r) => r.panels.flatMap((p) => p.targets.map((t) => t.expr)));
}

export const DASHBOARD_UID = "rampart-security";
/** The data source's uid, which the dashboard's panels name. */
export const DATASOURCE_UID = "rampart-prometheus";

/** The dashboard JSON (Grafana's schema, timeseries panels in a 24-column grid). */
export function renderSecurityDashboard(rows: readonly DashboardRow[] = SECURITY_DASHBOARD): string {
  const datasource = { type: "prometheus", uid: DATASOURCE_UID };
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    const width = Math.floor(24 / row.panels.length);
    row.panels.forEach((p, i) => {
      panels.push({
        id: id++,
        type: "timeseries",
        title: p.title,
        datasource,
        gridPos: { h: 8, w: width, x: i * width, y },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } },
        targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: t.expr, legendFormat: t.legend })),
      });
    });
    y += 8;
  }
  const dashboard = {
    uid: DASHBOARD_UID,
    title: "Rampart security",
    tags: ["rampart", "security"],
    timezone: "utc",
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: "30s",
    time: { from: "now-3h", to: "now" },
    panels,
  };
  return JSON.stringify(dashboard, null, 2) + "\n";
}

export interface GrafanaProvisioningInput {
  /** URL of Prometheus as Grafana reaches it, e.g. http://172.30.30.10:9090. */
  readonly prometheusUrl: string;
  /** Where the dashboard JSON lives inside the container. */
  readonly dashboardsDir: string;
}

const provisioningSchema = z
  .object({
    prometheusUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    dashboardsDir: absolutePath,
  })
  .strict();

/** provisioning/datasources/*.yaml */
export function renderGrafanaDatasource(input: GrafanaProvisioningInput): string {
  const i = parseInput("renderGrafanaDatasource", provisioningSchema, input);
  return stringify({
    apiVersion: 1,
    datasources: [{ name: "Prometheus", uid: DATASOURCE_UID, type: "prometheus", access: "proxy", url: i.prometheusUrl, isDefault: true, editable: false }],
  });
}

/** provisioning/dashboards/*.yaml */
export function renderGrafanaDashboardProvider(input: GrafanaProvisioningInput): string {
  const i = parseInput("renderGrafanaDashboardProvider", provisioningSchema, input);
  return stringify({
    apiVersion: 1,
    providers: [{ name: "rampart", type: "file", disableDeletion: true, allowUiUpdates: false, options: { path: i.dashboardsDir } }],
  });
}

export interface GrafanaIniInput {
  readonly httpPort: number;
  readonly adminUser: string;
  /** File holding only the admin password. */
  readonly adminPasswordFile: string;
  readonly provisioningDir: string;
  readonly dataDir: string;
}

const iniSchema = z
  .object({
    httpPort: z.number().int().min(1024, "must be unprivileged (>= 1024)").max(65535),
    adminUser: bareToken,
    adminPasswordFile: absolutePath,
    provisioningDir: absolutePath,
    dataDir: absolutePath,
  })
  .strict();

/** grafana.ini: logins only, nothing phones home, cookies hardened. */
export function renderGrafanaIni(input: GrafanaIniInput): string {
  const i = parseInput("renderGrafanaIni", iniSchema, input);
  const sections: Array<[string, Record<string, string | number | boolean>]> = [
    ["paths", { data: i.dataDir, provisioning: i.provisioningDir, logs: `${i.dataDir}/log` }],
    ["server", { http_port: i.httpPort, enable_gzip: true }],
    ["security", { admin_user: i.adminUser, admin_password: `$__file{${i.adminPasswordFile}}`, disable_gravatar: true, cookie_samesite: "strict", content_security_policy: true, disable_initial_admin_creation: false }],
    ["users", { allow_sign_up: false, allow_org_create: false }],
    ["auth.anonymous", { enabled: false }],
    ["auth.basic", { enabled: false }],
    ["analytics", { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false }],
    ["snapshots", { external_enabled: false }],
    ["log", { mode: "console" }],
  ];
  return (
    "; Rendered by components/config/grafana.ts. The admin password is read from a file.\n" +
    sections.map(([name, kv]) => `[${name}]\n${Object.entries(kv).map(([k, v]) => `${k} = ${String(v)}`).join("\n")}\n`).join("\n")
  );
}

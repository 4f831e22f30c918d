/** Renderer inputs shaped like the local stack's (fixed container addresses), for goldens and checks. */
import type { AlertmanagerYmlInput, GrafanaIniInput, GrafanaProvisioningInput, PrometheusYmlInput } from "../../../components/config/index.js";

/** Paths are parameters so the real tools can be pointed at files that exist. */
export function prometheusInput(dir = "/etc/prometheus", secrets = "/run/secrets"): PrometheusYmlInput {
  return {
    scrapeIntervalSeconds: 15,
    evaluationIntervalSeconds: 15,
    jobs: [
      { job: "gateway", targets: ["172.30.10.12:9464"] },
      { job: "livekit", targets: ["172.30.10.13:6789"], basicAuth: { username: "prometheus", passwordFile: `${secrets}/livekit-prometheus-password` } },
      { job: "coturn", targets: ["172.30.20.14:9641"] },
      { job: "prometheus", targets: ["127.0.0.1:9090"] },
      { job: "alertmanager", targets: ["172.30.30.11:9093"] },
    ],
    tlsProbes: {
      exporter: "172.30.30.13:9115",
      probes: [
        { endpoint: "10.40.0.10:5349", module: "turns" },
        { endpoint: "10.40.0.10:443", module: "origin" },
      ],
    },
    alertmanagers: ["172.30.30.11:9093"],
    ruleFiles: [`${dir}/rules/rampart.yml`],
    externalLabels: { stack: "local" },
  };
}

export function alertmanagerInput(secrets = "/run/secrets"): AlertmanagerYmlInput {
  return {
    receivers: [
      { kind: "slack", name: "slack", apiUrlFile: `${secrets}/alert-slack-url`, channel: "#security" },
      { kind: "email", name: "email", to: "oncall@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", authUsername: "alerts", authPasswordFile: `${secrets}/alert-email-password` },
    ],
  };
}

/** The webhook kind, rendered with `url_file` (Alertmanager >= 0.26). */
export function webhookInput(secrets = "/run/secrets"): AlertmanagerYmlInput {
  return { receivers: [{ kind: "webhook", name: "webhook", urlFile: `${secrets}/alert-webhook-url` }] };
}

export const grafanaProvisioning: GrafanaProvisioningInput = { prometheusUrl: "http://172.30.30.10:9090", dashboardsDir: "/etc/grafana/dashboards" };

export const grafanaIni: GrafanaIniInput = {
  httpPort: 3000,
  adminUser: "admin",
  adminPasswordFile: "/run/secrets/grafana-admin-password",
  provisioningDir: "/etc/grafana/provisioning",
  dataDir: "/var/lib/grafana",
};

import { describe, expect, it } from "vitest";
import {
  ALERT_DEFAULTS,
  ConfigInputError,
  renderAlertRules,
  renderAlertmanagerYml,
  renderBlackboxYml,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
  renderGrafanaIni,
  renderPrometheusYml,
  renderSecurityDashboard,
} from "../../components/config/index.js";
import { expectGolden } from "../config/golden.js";
import * as f from "./support/fixtures.js";

describe("golden files (UPDATE_GOLDEN=1 to rewrite)", () => {
  it("prometheus.yml", () => expectGolden("prometheus.yml", renderPrometheusYml(f.prometheusInput())));
  it("alert rules", () => expectGolden("prometheus-rules.yml", renderAlertRules()));
  it("alertmanager.yml", () => expectGolden("alertmanager.yml", renderAlertmanagerYml(f.alertmanagerInput())));
  it("alertmanager.yml with a webhook receiver", () => expectGolden("alertmanager-webhook.yml", renderAlertmanagerYml(f.webhookInput())));
  it("grafana.ini", () => expectGolden("grafana.ini", renderGrafanaIni(f.grafanaIni)));
  it("grafana data source", () => expectGolden("grafana-datasource.yaml", renderGrafanaDatasource(f.grafanaProvisioning)));
  it("grafana dashboard provider", () => expectGolden("grafana-dashboards.yaml", renderGrafanaDashboardProvider(f.grafanaProvisioning)));
  it("blackbox.yml", () => expectGolden("blackbox.yml", renderBlackboxYml([{ name: "turns", serverName: "turn.example.com" }, { name: "origin", caFile: "/etc/blackbox/origin-cert.pem" }])));
  it("security dashboard", () => expectGolden("grafana-security-dashboard.json", renderSecurityDashboard()));
});

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigInputError);
    return (e as Error).message;
  }
  throw new Error("expected the renderer to refuse its input");
}

describe("the renderers refuse what would render a wrong or leaky config", () => {
  it("a scrape target that is not host:port, a job named twice, no Alertmanager", () => {
    const base = f.prometheusInput();
    expect(problems(() => renderPrometheusYml({ ...base, jobs: [{ job: "gateway", targets: ["http://10.0.0.1:9464/metrics"] }] }))).toMatch(/jobs\.0\.targets\.0: must be host:port/);
    expect(problems(() => renderPrometheusYml({ ...base, jobs: [{ job: "gateway", targets: ["a:1"] }, { job: "gateway", targets: ["b:1"] }] }))).toMatch(/names a job twice/);
    expect(problems(() => renderPrometheusYml({ ...base, alertmanagers: [] }))).toMatch(/alertmanagers: needs at least one Alertmanager/);
  });

  it("a scrape credential that is not a file path", () => {
    const base = f.prometheusInput();
    expect(
      problems(() => renderPrometheusYml({ ...base, jobs: [{ job: "livekit", targets: ["a:6789"], basicAuth: { username: "prometheus", passwordFile: "s3cret-password" } }] })),
    ).toMatch(/basicAuth\.passwordFile: must be an absolute path/);
  });

  it("the rendered files hold file paths for credentials, never the credential", () => {
    const prom = renderPrometheusYml(f.prometheusInput());
    expect(prom).toContain("password_file: /run/secrets/livekit-prometheus-password");
    expect(prom).not.toMatch(/^\s*password:/m);
    const am = renderAlertmanagerYml(f.alertmanagerInput());
    expect(am).toContain("api_url_file: /run/secrets/alert-slack-url");
    expect(am).toContain("auth_password_file: /run/secrets/alert-email-password");
    expect(am).not.toMatch(/^\s*(api_url|url|auth_password):/m);
    expect(renderGrafanaIni(f.grafanaIni)).toContain("admin_password = $__file{/run/secrets/grafana-admin-password}");
  });

  it("alert thresholds out of range and receivers half configured", () => {
    expect(problems(() => renderAlertRules({ ...ALERT_DEFAULTS, windowSeconds: 5 }))).toMatch(/windowSeconds: must be at least 10 s/);
    expect(problems(() => renderAlertRules({ ...ALERT_DEFAULTS, failedAuth: 0 }))).toMatch(/failedAuth: must be positive/);
    expect(
      problems(() =>
        renderAlertmanagerYml({ receivers: [{ kind: "email", name: "mail", to: "a@example.com", from: "b@example.com", smarthost: "smtp.example.com:587", authUsername: "u" }] }),
      ),
    ).toMatch(/authUsername and authPasswordFile go together/);
  });

  it("with no receiver, alerts still have a route (to the UIs only)", () => {
    expect(renderAlertmanagerYml({ receivers: [] })).toMatch(/receiver: ui-only[\s\S]*- name: ui-only/);
  });

  it("grafana allows no anonymous access and no sign-up", () => {
    const ini = renderGrafanaIni(f.grafanaIni);
    expect(ini).toMatch(/\[auth\.anonymous\]\nenabled = false/);
    expect(ini).toMatch(/allow_sign_up = false/);
    expect(problems(() => renderGrafanaIni({ ...f.grafanaIni, httpPort: 80 }))).toMatch(/httpPort: must be unprivileged/);
  });
});

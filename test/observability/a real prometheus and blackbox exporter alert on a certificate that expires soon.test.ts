/**
 * Debian's blackbox exporter probes two real TLS endpoints on loopback with Rampart's rendered module
 * (verification on, the endpoint's own CA file); Debian's Prometheus scrapes it through the rendered
 * `tls-expiry` job. The certificate valid for 5 more days fires CertificateExpiresSoon; the one valid for
 * 90 days stays silent.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ALERT_DEFAULTS, renderAlertRules, renderBlackboxYml, renderPrometheusYml } from "../../components/config/index.js";
import { describeWithBinaries } from "../support/testbed.js";
import { eventually, startBlackboxExporter, startPrometheus, startReceiver, startTlsServer, type Receiver, type RunningServer } from "./support/servers.js";
import { tempDir } from "./support/tools.js";

interface PromAlert {
  labels: Record<string, string>;
  state: string;
}

describeWithBinaries(["prometheus", "prometheus-blackbox-exporter", "openssl"])("certificate expiry through a real blackbox exporter", () => {
  const tmp = tempDir("tls");
  const servers: Array<{ stop(): Promise<void> }> = [];
  let prometheus: RunningServer | undefined;
  let blackbox: RunningServer | undefined;
  let receiver: Receiver;
  const endpoints: Record<string, string> = {};

  function selfSigned(name: string, days: number): { cert: string; key: string } {
    const cert = join(tmp.dir, `${name}.crt`);
    const key = join(tmp.dir, `${name}.key`);
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", String(days), "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "pipe" });
    return { cert, key };
  }

  beforeAll(async () => {
    const soon = selfSigned("soon", 5);
    const later = selfSigned("later", 90);
    for (const [name, pair] of [["soon", soon], ["later", later]] as const) {
      const server = await startTlsServer(pair.cert, pair.key);
      servers.push(server);
      endpoints[name] = `127.0.0.1:${server.port}`;
    }
    const bbConfig = join(tmp.dir, "blackbox.yml");
    writeFileSync(bbConfig, renderBlackboxYml([{ name: "soon", caFile: soon.cert }, { name: "later", caFile: later.cert }]));
    blackbox = await startBlackboxExporter(bbConfig);
    receiver = await startReceiver();

    const rules = join(tmp.dir, "rules.yml");
    writeFileSync(rules, renderAlertRules({ ...ALERT_DEFAULTS, windowSeconds: 15, pendingSeconds: 2 }));
    const promConfig = join(tmp.dir, "prometheus.yml");
    writeFileSync(
      promConfig,
      renderPrometheusYml({
        scrapeIntervalSeconds: 1,
        evaluationIntervalSeconds: 1,
        // Prometheus itself; the probes are the job under test.
        jobs: [{ job: "prometheus", targets: [`127.0.0.1:${blackbox.port}`] }],
        tlsProbes: { exporter: `127.0.0.1:${blackbox.port}`, probes: [{ endpoint: endpoints.soon!, module: "soon" }, { endpoint: endpoints.later!, module: "later" }] },
        // No Alertmanager is needed to see the alert's state; this address only has to be well-formed.
        alertmanagers: [receiver.url.replace("http://", "")],
        ruleFiles: [rules],
      }),
    );
    mkdirSync(join(tmp.dir, "prom-data"));
    prometheus = await startPrometheus(promConfig, join(tmp.dir, "prom-data"));
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await blackbox?.stop();
    await receiver?.close();
    for (const s of servers) await s.stop();
    tmp.remove();
  });

  const query = async (q: string) =>
    ((await (await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;

  it("both probes verify their certificate and report its expiry", async () => {
    const results = await eventually("two successful probes", async () => {
      const r = await query('probe_success{job="tls-expiry"} == 1');
      return r.length === 2 ? r : undefined;
    }, 60_000);
    expect(results.map((r) => r.metric.instance).sort()).toEqual([endpoints.soon, endpoints.later].sort());
    const days = await query('(probe_ssl_earliest_cert_expiry{job="tls-expiry"} - time()) / 86400');
    const byInstance = Object.fromEntries(days.map((d) => [d.metric.instance, Number(d.value[1])]));
    expect(byInstance[endpoints.soon!]).toBeGreaterThan(4);
    expect(byInstance[endpoints.soon!]).toBeLessThan(5.01);
    expect(byInstance[endpoints.later!]).toBeGreaterThan(89);
  }, 120_000);

  it("CertificateExpiresSoon fires for the 5-day certificate only", async () => {
    const alert = await eventually("CertificateExpiresSoon firing", async () => {
      const body = (await (await fetch(`${prometheus!.url}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } };
      const a = body.data.alerts.filter((x) => x.labels.alertname === "CertificateExpiresSoon" && x.state === "firing");
      return a.length ? a : undefined;
    }, 60_000);
    expect(alert.map((a) => a.labels.instance)).toEqual([endpoints.soon]);
  }, 120_000);

  it("a probe whose CA file does not match fails instead of reporting (verification is never skipped)", async () => {
    // The "later" module pointed at the "soon" endpoint: the handshake must not verify.
    const r = await fetch(`${blackbox!.url}/probe?module=later&target=${endpoints.soon}`);
    const text = await r.text();
    expect(text).toMatch(/^probe_success 0$/m);
    expect(text).not.toMatch(/^probe_ssl_earliest_cert_expiry /m);
  }, 60_000);
});

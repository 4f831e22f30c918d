/**
 * aws-scale's monitoring as planned: Prometheus finds every workload through headless Services (the real
 * promtool accepts its config and rules), the NetworkPolicies and node groups admit exactly the scrape and
 * monitoring flows of the port catalogue, Alertmanager reaches only its receivers' ports, and samples and
 * silences live on encrypted volumes that outlive their claims.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrapedPorts, portsFor, port } from "@rampart/catalogue";
import { describeWithBinaries } from "../support/testbed";
import { run, tempDir } from "../observability/support/tools";
import { named, ofType, planAwsScale, type ScalePlan } from "./support";

type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Planned = { type: string; name: string; inputs: Rec };

let plan: ScalePlan;
let withReceivers: ScalePlan;
beforeAll(async () => {
  plan = await planAwsScale();
  withReceivers = await planAwsScale({ "rampart:alertWebhookUrl": "https://hooks.example.net:8443/rampart", "rampart:alertEmailTo": "oncall@example.com", "rampart:alertEmailFrom": "alerts@example.com", "rampart:alertEmailSmarthost": "smtp.example.com:587" });
}, 240_000);

const all = (p: ScalePlan = plan) => p.resources as unknown as Planned[];
const inMonitoring = (type: string, p: ScalePlan = plan) => ofType(all(p), type).filter((r) => r.inputs.metadata?.namespace === "rampart-monitoring");
const policies = (p: ScalePlan = plan) => ofType(all(p), "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs);
const policy = (namespace: string, name: string, p: ScalePlan = plan) => {
  const found = policies(p).find((x) => x.metadata.namespace === namespace && x.metadata.name === name);
  if (!found) throw new Error(`no NetworkPolicy ${namespace}/${name}`);
  return found;
};
const configMap = (name: string) => named(all(), "kubernetes:core/v1:ConfigMap", `rampart-${name}`).inputs.data as Record<string, string>;

describe("aws-scale monitoring: what the cluster runs", () => {
  it("is clean under the policy pack, with and without receivers", () => {
    expect(plan.violations).toEqual([]);
    expect(withReceivers.violations).toEqual([]);
  });

  it("runs in its own restricted namespace, with no Service reachable from outside the cluster", () => {
    const ns = named(all(), "kubernetes:core/v1:Namespace", "rampart-monitoring").inputs;
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const services = inMonitoring("kubernetes:core/v1:Service");
    expect(services.map((s) => s.inputs.metadata.name).sort()).toEqual(["alertmanager", "blackbox", "grafana", "prometheus"]);
    for (const s of services) expect(s.inputs.spec.type).toBe("ClusterIP");
  });

  it("discovers the gateway, LiveKit and coturn through headless Services on the catalogue's scrape ports", () => {
    const yml = parse(configMap("prometheus")["prometheus.yml"]!) as Rec;
    const byJob = Object.fromEntries((yml.scrape_configs as Rec[]).map((j) => [j.job_name, j]));
    const headless = ofType(all(), "kubernetes:core/v1:Service").filter((s) => s.inputs.spec.clusterIP === "None").map((s) => s.inputs);
    const scraped = scrapedPorts(portsFor("aws", { platform: "kubernetes" }));
    expect(scraped.map((p) => p.service).sort()).toEqual(["coturn", "gateway", "livekit"]);
    for (const p of scraped) {
      const svc = headless.find((h) => h.metadata.name === `${p.service}-metrics`)!;
      expect(svc.spec.selector).toEqual({ "rampart.io/service": p.service });
      expect(svc.spec.ports).toEqual([{ name: "metrics", port: p.from, targetPort: p.from, protocol: "TCP" }]);
      expect(byJob[p.service].dns_sd_configs).toEqual([{ names: [`${p.service}-metrics.${svc.metadata.namespace}.svc.cluster.local`], type: "A", port: p.from, refresh_interval: "30s" }]);
    }
    // LiveKit's metrics need its password, read from a file; the Secret holds it, not the config.
    expect(byJob.livekit.basic_auth).toEqual({ username: "prometheus", password_file: "/run/secrets/livekit-scrape-password" });
    expect(named(all(), "kubernetes:core/v1:Secret", "rampart-prometheus").inputs.stringData).toBe("[secret]");
    expect(byJob["tls-expiry"].static_configs[0].targets).toEqual([`turn.example.com:${port("turns-tcp").from}`]);
    expect(yml.alerting.alertmanagers[0].static_configs[0].targets).toEqual([`alertmanager.rampart-monitoring.svc.cluster.local:${port("alertmanager-http").from}`]);
  });

  it("binds coturn's exporter to the node's private address, not every interface of the host network", () => {
    const conf = configMap("coturn")["turnserver.conf"]!;
    expect(conf).toMatch(/^prometheus$/m);
    expect(conf).not.toMatch(/^prometheus-address=/m);
    const ds = named(all(), "kubernetes:apps/v1:DaemonSet", "rampart-coturn").inputs;
    const start = (ds.spec.template.spec.containers[0].command as string[]).join(" ");
    expect(start).toContain("prometheus-address=%s");
    expect(start).toMatch(/"\$NODE_IP" "\$NODE_IP" "\$PUBLIC_IP" "\$NODE_IP" "\$NODE_IP"/);
  });

  it("lets Prometheus out only to the scrape ports, Alertmanager and the blackbox exporter, and Grafana only to Prometheus", () => {
    const egressPorts = (service: string) =>
      policies()
        .filter((x) => x.metadata.namespace === "rampart-monitoring" && x.spec.podSelector.matchLabels?.["rampart.io/service"] === service && x.spec.policyTypes.includes("Egress"))
        .flatMap((x) => (x.spec.egress as Rec[]).flatMap((e) => (e.ports as Rec[]).map((p) => p.port)))
        .sort((a, b) => a - b);
    expect(egressPorts("prometheus")).toEqual([...scrapedPorts(portsFor("aws", { platform: "kubernetes" })).map((p) => p.from), port("alertmanager-http").from, port("blackbox-exporter").from].sort((a, b) => a - b));
    expect(egressPorts("grafana")).toEqual([port("prometheus-http").from]);
    expect(egressPorts("blackbox")).toEqual([port("turns-tcp").from]);
    expect(egressPorts("alertmanager")).toEqual([]);
    // Every namespace denies by default; the scrape targets admit the Prometheus pods.
    for (const ns of ["rampart-app", "rampart-media", "rampart-monitoring"]) expect(policy(ns, "default-deny").spec.policyTypes).toEqual(["Ingress", "Egress"]);
    const scrapeIn = policy("rampart-app", "in-gateway-metrics").spec.ingress[0].from as Rec[];
    expect(scrapeIn).toContainEqual({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "rampart-monitoring" } }, podSelector: { matchLabels: { "rampart.io/service": "prometheus" } } });
    // The blackbox exporter is reached by Prometheus alone (no admin range).
    expect(policy("rampart-monitoring", "in-blackbox-exporter").spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "rampart-monitoring" } }, podSelector: { matchLabels: { "rampart.io/service": "prometheus" } } }]);
  });

  it("lets Alertmanager out to exactly its receivers' ports", () => {
    const out = policy("rampart-monitoring", "out-alertmanager-receivers", withReceivers).spec;
    expect(out.podSelector).toEqual({ matchLabels: { "rampart.io/service": "alertmanager" } });
    expect((out.egress[0].ports as Rec[]).map((p) => p.port)).toEqual([587, 8443]);
    expect(policies().some((x) => x.metadata.name === "out-alertmanager-receivers")).toBe(false);
  });

  it("admits the in-cluster monitoring flows on the node groups from the VPC, and nothing for Grafana", () => {
    const rules = ofType(all(), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.endsWith("-in-cluster"));
    const names = rules.map((r) => r.name).sort();
    expect(names).toEqual([
      "rampart-app-nodes-alertmanager-http-in-cluster",
      "rampart-app-nodes-gateway-metrics-in-cluster",
      "rampart-app-nodes-prometheus-http-in-cluster",
      "rampart-media-nodes-coturn-prometheus-in-cluster",
      "rampart-media-nodes-livekit-prometheus-in-cluster",
    ]);
    for (const r of rules) expect(r.inputs.cidrIpv4).toBe("10.40.0.0/16");
  });

  it("keeps samples and silences on encrypted volumes that outlive their claims", () => {
    const [sc] = ofType(all(), "kubernetes:storage.k8s.io/v1:StorageClass").map((r) => r.inputs);
    expect(sc).toMatchObject({ provisioner: "ebs.csi.aws.com", reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer" });
    expect(sc!.parameters).toMatchObject({ type: "gp3", encrypted: "true" });
    expect(sc!.parameters.kmsKeyId).toMatch(/^arn:mock:aws:kms\/key:Key:/);
    const sets = inMonitoring("kubernetes:apps/v1:StatefulSet");
    expect(sets.map((s) => s.inputs.metadata.name).sort()).toEqual(["alertmanager", "prometheus"]);
    for (const s of sets) {
      expect(s.inputs.spec.volumeClaimTemplates[0].spec.storageClassName).toBe(sc!.metadata.name);
      expect(s.inputs.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: "data", mountPath: `/${s.inputs.metadata.name}` });
    }
    const csi = ofType(all(), "aws:eks/addon:Addon").map((r) => r.inputs).find((a) => a.addonName === "aws-ebs-csi-driver")!;
    expect(csi.podIdentityAssociations[0].serviceAccount).toBe("ebs-csi-controller-sa");
  });
});

describeWithBinaries(["promtool"])("aws-scale monitoring: the real promtool on the cluster's files", () => {
  const tmp = tempDir("scale");
  afterAll(() => tmp.remove());

  it("accepts the cluster's prometheus.yml (DNS discovery, the password file) and its rule file", async () => {
    const data = configMap("prometheus");
    mkdirSync(join(tmp.dir, "secrets"));
    writeFileSync(join(tmp.dir, "secrets", "livekit-scrape-password"), "test-only\n");
    writeFileSync(join(tmp.dir, "rampart-rules.yml"), data["rampart-rules.yml"]!);
    const yml = data["prometheus.yml"]!.replaceAll("/run/secrets/", `${tmp.dir}/secrets/`).replaceAll("/etc/prometheus/", `${tmp.dir}/`);
    writeFileSync(join(tmp.dir, "prometheus.yml"), yml);
    const result = await run("promtool", ["check", "config", join(tmp.dir, "prometheus.yml")]);
    expect(result.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(result.code).toBe(0);
    const rules = await run("promtool", ["check", "rules", join(tmp.dir, "rampart-rules.yml")]);
    expect(rules.output).toMatch(/SUCCESS: 12 rules found/);
    expect(rules.code).toBe(0);
  });
});

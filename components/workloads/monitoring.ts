/**
 * ClusterMonitoring: Prometheus, Alertmanager, Grafana and the blackbox exporter of aws-scale, in the
 * `rampart-monitoring` namespace (Pod Security `restricted`), with the same rendered files as the Docker
 * stacks (components/config) and the same container baseline (./pod-spec.ts).
 *
 * - Prometheus finds the gateway, LiveKit and coturn through headless Services: one DNS record per pod
 *   (for the host-networked media pods, their nodes' addresses), so scaling needs no config change. It
 *   needs no Kubernetes API access: its service account mounts no token and is granted nothing.
 * - Samples (Prometheus) and silences (Alertmanager) are on encrypted EBS volumes whose StorageClass
 *   retains them when a claim is deleted.
 * - No UI is exposed: operators reach them with `kubectl port-forward` through the API server's admin-only
 *   endpoint (docs/observability.md).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import { renderAlertRules, type AlertThresholds } from "../config/alert-rules";
import { renderAlertmanagerYml } from "../config/alertmanager";
import { renderBlackboxYml } from "../config/blackbox";
import { renderPrometheusYml } from "../config/prometheus";
import { alertmanagerFlags, alertReceiverProblem, alertReceivers, type AlertReceiverArgs } from "../containers/services/alertmanager";
import { configDir, generatedSecret, secretPath } from "../containers/services/common";
import { GRAFANA_ADMIN_PASSWORD_FILE, grafanaEnvironment, grafanaFiles, type GrafanaLayout } from "../containers/services/grafana";
import { prometheusFlags } from "../containers/services/prometheus";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../containers/images";
import { labelsOf, NAMESPACES, selectorOf, type NamespaceRole } from "./names";
import { namespacedObjects } from "./objects";
import { hardenedPodSpec, cataloguePort, type WorkloadSpec } from "./pod-spec";
import { SERVICE_LABEL } from "./network-policies";

/** What the stack configures (infra/monitoring.ts). */
export interface ClusterMonitoringSettings {
  thresholds: AlertThresholds;
  retentionDays: number;
  receivers: AlertReceiverArgs;
  /** TCP ports of the configured receivers (Slack/webhook URL ports, the SMTP smarthost's): Alertmanager's only egress. */
  receiverPorts: readonly number[];
  images?: { prometheus?: string; alertmanager?: string; grafana?: string; blackbox?: string };
  /** Size of Prometheus's volume (GiB); retention by size stays below it. */
  prometheusVolumeGiB?: number;
}

export interface ClusterMonitoringArgs extends ClusterMonitoringSettings {
  /** LiveKit's metrics password (the same secret LiveKit's config holds). */
  livekitScrapePassword: pulumi.Input<string>;
  /** The TURNS endpoint whose certificate is watched, and the certificate it must serve. */
  turns: { endpoint: string; serverName: string; certPem: pulumi.Input<string> };
  /** The data key: the monitoring volumes are encrypted with it. */
  kmsKeyArn: pulumi.Input<string>;
  nodeSelector: Record<string, string>;
  externalLabels: Record<string, string>;
}

const DEFAULTS = { prometheusVolumeGiB: 20, alertmanagerVolumeGiB: 1 } as const;
export const MONITORING_STORAGE_CLASS = "rampart-monitoring";
/** Grafana's files under one ConfigMap mount; its data (sessions, the admin user) is rebuilt at start. */
const GRAFANA_LAYOUT: GrafanaLayout = {
  configFile: "/etc/grafana-rampart/grafana.ini",
  provisioningDir: "/etc/grafana-rampart/provisioning",
  dashboardsDir: "/etc/grafana-rampart/dashboards",
  dataDir: "/var/lib/grafana",
};

const fqdn = (service: string, role: NamespaceRole) => `${service}.${NAMESPACES[role]}.svc.cluster.local`;

export class ClusterMonitoring extends pulumi.ComponentResource {
  /** Grafana's `admin` password (secret), for the operator. */
  public readonly grafanaAdminPassword: pulumi.Output<string>;

  constructor(name: string, args: ClusterMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:workloads:ClusterMonitoring", name, {}, opts);
    const problem = alertReceiverProblem(args.receivers);
    if (problem) throw new pulumi.ResourceError(problem, this);
    for (const p of args.receiverPorts) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new pulumi.ResourceError(`ClusterMonitoring: receiver port ${p} is not a TCP port (1-65535)`, this);
    }
    const child = { parent: this };
    const { secret, configMap, serviceAccount } = namespacedObjects(name, () => child);
    // An override left undefined falls back to the pinned default (a spread would let `undefined` win).
    const images = {
      prometheus: args.images?.prometheus ?? DEFAULT_IMAGES.prometheus,
      alertmanager: args.images?.alertmanager ?? DEFAULT_IMAGES.alertmanager,
      grafana: args.images?.grafana ?? DEFAULT_IMAGES.grafana,
      blackbox: args.images?.blackbox ?? DEFAULT_IMAGES.blackbox,
    };
    const common = { nodeSelector: args.nodeSelector };

    // Encrypted gp3 volumes, kept when their claim goes: a deleted StatefulSet must not take the samples along.
    new k8s.storage.v1.StorageClass(`${name}-storage`, {
      metadata: { name: MONITORING_STORAGE_CLASS, labels: { "app.kubernetes.io/part-of": "rampart" } },
      provisioner: "ebs.csi.aws.com",
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      parameters: pulumi.output(args.kmsKeyArn).apply((kmsKeyId) => ({ type: "gp3", encrypted: "true", kmsKeyId })),
    }, child);
    const claim = (gib: number) => [{
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: MONITORING_STORAGE_CLASS, resources: { requests: { storage: `${gib}Gi` } } },
    }];

    // --- scrape discovery: headless Services, one record per pod
    const headless = (role: NamespaceRole, service: string, portId: string) =>
      new k8s.core.v1.Service(`${name}-${service}-metrics`, {
        metadata: { name: `${service}-metrics`, namespace: NAMESPACES[role], labels: labelsOf(service) },
        spec: { clusterIP: "None", selector: selectorOf(service), ports: [{ name: "metrics", port: port(portId).from, targetPort: port(portId).from, protocol: "TCP" }] },
      }, child);
    headless("app", "gateway", "gateway-metrics");
    headless("media", "livekit", "livekit-prometheus");
    headless("media", "coturn", "coturn-prometheus");

    // --- Prometheus
    const promDir = configDir("prometheus");
    const promListen = port("prometheus-http").from;
    const blackboxAt = `${fqdn("blackbox", "monitoring")}:${port("blackbox-exporter").from}`;
    const alertmanagerAt = `${fqdn("alertmanager", "monitoring")}:${port("alertmanager-http").from}`;
    configMap("monitoring", "prometheus", {
      "prometheus.yml": renderPrometheusYml({
        scrapeIntervalSeconds: 15,
        evaluationIntervalSeconds: 15,
        jobs: [
          { job: "gateway", dnsNames: [fqdn("gateway-metrics", "app")], port: port("gateway-metrics").from },
          {
            job: "livekit",
            dnsNames: [fqdn("livekit-metrics", "media")],
            port: port("livekit-prometheus").from,
            basicAuth: { username: "prometheus", passwordFile: secretPath("livekit-scrape-password") },
          },
          { job: "coturn", dnsNames: [fqdn("coturn-metrics", "media")], port: port("coturn-prometheus").from },
          { job: "alertmanager", targets: [alertmanagerAt] },
          { job: "prometheus", targets: [`127.0.0.1:${promListen}`] },
        ],
        tlsProbes: { exporter: blackboxAt, probes: [{ endpoint: args.turns.endpoint, module: "turns" }] },
        alertmanagers: [alertmanagerAt],
        ruleFiles: [`${promDir}/rampart-rules.yml`],
        externalLabels: args.externalLabels,
      }),
      "rampart-rules.yml": renderAlertRules(args.thresholds),
    });
    secret("monitoring", "prometheus", { "livekit-scrape-password": args.livekitScrapePassword });
    serviceAccount("monitoring", "prometheus");
    const prometheus: WorkloadSpec = {
      service: "prometheus",
      image: images.prometheus,
      ...SERVICE_USERS.prometheus,
      ports: [cataloguePort("prometheus-http", "http")],
      command: ["/bin/prometheus", ...prometheusFlags({ configFile: `${promDir}/prometheus.yml`, dataDir: "/prometheus", retentionDays: args.retentionDays, listen: promListen })],
      files: { configMap: { name: "prometheus", dir: promDir, files: ["prometheus.yml", "rampart-rules.yml"] }, secret: { name: "prometheus", files: ["livekit-scrape-password"] } },
      scratch: { "/tmp": 16 },
      data: { mountPath: "/prometheus" },
      memoryMiB: 2048,
      cpus: 1,
      probe: { kind: "http", path: "/-/healthy", port: promListen },
      serviceAccountName: "prometheus",
      ...common,
    };

    // --- Alertmanager
    const amDir = configDir("alertmanager");
    const amListen = port("alertmanager-http").from;
    const { receivers, secretFiles } = alertReceivers(args.receivers);
    configMap("monitoring", "alertmanager", { "alertmanager.yml": renderAlertmanagerYml({ receivers }) });
    if (secretFiles.length) secret("monitoring", "alertmanager", Object.fromEntries(secretFiles.map((f) => [f.name, f.content])));
    serviceAccount("monitoring", "alertmanager");
    const alertmanager: WorkloadSpec = {
      service: "alertmanager",
      image: images.alertmanager,
      ...SERVICE_USERS.alertmanager,
      ports: [cataloguePort("alertmanager-http", "http")],
      command: ["/bin/alertmanager", ...alertmanagerFlags({ configFile: `${amDir}/alertmanager.yml`, dataDir: "/alertmanager", listen: amListen })],
      files: {
        configMap: { name: "alertmanager", dir: amDir, files: ["alertmanager.yml"] },
        ...(secretFiles.length ? { secret: { name: "alertmanager", files: secretFiles.map((f) => f.name) } } : {}),
      },
      scratch: { "/tmp": 16 },
      data: { mountPath: "/alertmanager" },
      memoryMiB: 256,
      cpus: 0.5,
      probe: { kind: "http", path: "/-/healthy", port: amListen },
      serviceAccountName: "alertmanager",
      ...common,
    };

    // --- Grafana: Kubernetes gives it its own group (the image's group 0 is refused by the pod baseline)
    this.grafanaAdminPassword = generatedSecret(`${name}-grafana-admin-password`, this);
    const grafanaDir = "/etc/grafana-rampart";
    const files = grafanaFiles(GRAFANA_LAYOUT, `http://${fqdn("prometheus", "monitoring")}:${promListen}`);
    const keyOf = (path: string) => path.slice(grafanaDir.length + 1).replace(/\//g, ".");
    configMap("monitoring", "grafana", Object.fromEntries(files.map((f) => [keyOf(f.path), f.content])));
    secret("monitoring", "grafana", { [GRAFANA_ADMIN_PASSWORD_FILE]: this.grafanaAdminPassword });
    serviceAccount("monitoring", "grafana");
    const grafanaListen = port("grafana-http").from;
    const grafana: WorkloadSpec = {
      service: "grafana",
      image: images.grafana,
      uid: SERVICE_USERS.grafana.uid,
      gid: SERVICE_USERS.grafana.uid,
      ports: [cataloguePort("grafana-http", "http")],
      env: grafanaEnvironment(GRAFANA_LAYOUT),
      files: {
        configMap: { name: "grafana", dir: grafanaDir, files: files.map((f) => keyOf(f.path)), paths: Object.fromEntries(files.map((f) => [keyOf(f.path), f.path.slice(grafanaDir.length + 1)])) },
        secret: { name: "grafana", files: [GRAFANA_ADMIN_PASSWORD_FILE] },
      },
      scratch: { "/tmp": 32, [GRAFANA_LAYOUT.dataDir]: 128 },
      memoryMiB: 512,
      cpus: 1,
      probe: { kind: "http", path: "/api/health", port: grafanaListen },
      serviceAccountName: "grafana",
      ...common,
    };

    // --- blackbox exporter: verifies the TURNS certificate against the one it must be
    const bbDir = configDir("blackbox");
    configMap("monitoring", "blackbox", {
      "blackbox.yml": renderBlackboxYml([{ name: "turns", caFile: `${bbDir}/turns-cert.pem`, serverName: args.turns.serverName }]),
      "turns-cert.pem": args.turns.certPem,
    });
    serviceAccount("monitoring", "blackbox");
    const bbListen = port("blackbox-exporter").from;
    const blackbox: WorkloadSpec = {
      service: "blackbox",
      image: images.blackbox,
      ...SERVICE_USERS.blackbox,
      ports: [cataloguePort("blackbox-exporter", "http")],
      command: ["/bin/blackbox_exporter", `--config.file=${bbDir}/blackbox.yml`, `--web.listen-address=0.0.0.0:${bbListen}`],
      files: { configMap: { name: "blackbox", dir: bbDir, files: ["blackbox.yml", "turns-cert.pem"] } },
      scratch: { "/tmp": 8 },
      memoryMiB: 64,
      cpus: 0.25,
      probe: { kind: "http", path: "/-/healthy", port: bbListen },
      serviceAccountName: "blackbox",
      ...common,
    };

    const template = (spec: WorkloadSpec) => ({ metadata: { labels: labelsOf(spec.service) }, spec: hardenedPodSpec(spec) });
    const meta = (service: string) => ({ name: service, namespace: NAMESPACES.monitoring, labels: labelsOf(service) });
    for (const [spec, gib] of [[prometheus, args.prometheusVolumeGiB ?? DEFAULTS.prometheusVolumeGiB], [alertmanager, DEFAULTS.alertmanagerVolumeGiB]] as const) {
      new k8s.apps.v1.StatefulSet(`${name}-${spec.service}`, {
        metadata: meta(spec.service),
        spec: { serviceName: spec.service, replicas: 1, selector: { matchLabels: selectorOf(spec.service) }, template: template(spec), volumeClaimTemplates: claim(gib) },
      }, child);
    }
    for (const spec of [grafana, blackbox]) {
      new k8s.apps.v1.Deployment(`${name}-${spec.service}`, {
        metadata: meta(spec.service),
        // The new pod is ready before the old one goes: the dashboard and the probes have no gap.
        spec: { replicas: 1, selector: { matchLabels: selectorOf(spec.service) }, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }, template: template(spec) },
      }, child);
    }
    for (const spec of [prometheus, alertmanager, grafana, blackbox]) {
      const p = spec.ports[0]!;
      new k8s.core.v1.Service(`${name}-${spec.service}`, {
        metadata: meta(spec.service),
        spec: { type: "ClusterIP", selector: selectorOf(spec.service), ports: [{ name: p.name, port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol }] },
      }, child);
    }

    // --- the two flows to outside the cluster (the catalogue's in-cluster flows are RampartWorkloads')
    const anywhere = [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];
    const egressTo = (service: string, policy: string, ports: readonly number[], why: string) =>
      new k8s.networking.v1.NetworkPolicy(`${name}-${NAMESPACES.monitoring}-${policy}`, {
        metadata: { name: policy, namespace: NAMESPACES.monitoring, labels: { "app.kubernetes.io/part-of": "rampart" }, annotations: { "rampart.io/flow": why } },
        spec: {
          podSelector: { matchLabels: { [SERVICE_LABEL]: service } },
          policyTypes: ["Egress"],
          egress: [{ to: anywhere, ports: ports.map((p) => ({ protocol: "TCP", port: p })) }],
        },
      }, child);
    if (args.receiverPorts.length) egressTo("alertmanager", "out-alertmanager-receivers", [...new Set(args.receiverPorts)].sort((a, b) => a - b), "Alertmanager to the configured receivers");
    egressTo("blackbox", "out-blackbox-turns", [port("turns-tcp").from], "blackbox exporter to the public TURNS endpoint (the certificate clients see)");

    this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
  }
}

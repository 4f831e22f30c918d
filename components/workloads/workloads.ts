/**
 * RampartWorkloads: the Kubernetes layer of aws-scale. Two namespaces: `rampart-app` (gateway, edge proxy;
 * Pod Security `restricted`, enforced by the API server) and `rampart-media` (LiveKit and coturn on the host
 * network, one pod per media node: the one namespace below `restricted`, by the named host-network
 * exception, with Rampart's own policy pack checking everything else `restricted` asks). Every pod spec is
 * the container baseline (./pod-spec.ts); secrets are Kubernetes Secrets made from Pulumi secrets and
 * reach the pods only as read-only projected files; NetworkPolicies come from the port catalogue
 * (./network-policies.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GATEWAY_PATHS, port } from "@rampart/catalogue";
import { renderTurnSecretConf, renderTurnserverConf, turnserverNodeStartCommand } from "../config/coturn";
import { livekitStartCommand, renderLivekitKeyFile, renderLivekitSecretYaml, renderLivekitYaml } from "../config/livekit";
import { renderEdgeNginxConf } from "../config/nginx";
import { EDGE_CONTAINER_HTTPS_PORT } from "../containers/services/edge-proxy";
import { configDir, generatedSecret, secretPath } from "../containers/services/common";
import { gatewayEnvironment } from "../containers/services/gateway";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../containers/images";
import { ROLE_LABEL } from "../cluster/node-group";
import { hardenedPodSpec, cataloguePort, type WorkloadSpec } from "./pod-spec";
import { ClusterMonitoring, type ClusterMonitoringSettings } from "./monitoring";
import { namespacedObjects } from "./objects";
import { labelsOf, NAMESPACES, POD_SECURITY, PROMETHEUS, selectorOf, type NamespaceRole } from "./names";
import { networkPolicies, type FlowInput } from "./network-policies";

export { NAMESPACES, POD_SECURITY, PROMETHEUS } from "./names";

export interface WorkloadsArgs {
  domain: string;
  hostnames: { app: string; turn: string };
  allowedOrigins: pulumi.Input<pulumi.Input<string>[]>;
  images: { gateway: string; livekit?: string; coturn?: string; edge?: string; prometheus?: string; alertmanager?: string; grafana?: string; blackbox?: string };
  redis: { host: pulumi.Input<string>; gatewayPassword: pulumi.Input<string>; livekitPassword: pulumi.Input<string> };
  edgeTls: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string>; originPullCaPem: pulumi.Input<string> };
  turnTls: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
  cloudflareRanges: pulumi.Input<string[]>;
  jwtSecret?: pulumi.Input<string>;
  gateway: {
    minReplicas: number;
    maxReplicas: number;
    /** MAC key of the gateways' Redis fan-out (generated when omitted). */
    fanoutKey?: pulumi.Input<string>;
    /** CIDRs the gateway never counts or blocks per IP. */
    anomalyAllowlist?: readonly string[];
  };
  edgeReplicas: number;
  /** The LiveKit pod's share of each media node (request = limit). */
  livekit: { cpus: number; memoryMiB: number };
  /** Subnets of the media nodes (their pods' addresses on the host network). */
  publicSubnetCidrs: readonly string[];
  /** Subnets of the app nodes, ElastiCache and OpenSearch. */
  privateSubnetCidrs: readonly string[];
  adminCidrs: readonly string[];
  /** Prometheus, Alertmanager, Grafana and the blackbox exporter in their own namespace. */
  monitoring: ClusterMonitoringSettings;
  /** The data key (monitoring volumes are encrypted with it). */
  kmsKeyArn: pulumi.Input<string>;
  /** The load balancer's security group (Cloudflare only) and its static addresses, one per public subnet. */
  loadBalancer: { securityGroupId: pulumi.Input<string>; edgeEipAllocationIds: pulumi.Input<string>[]; turnEipAllocationIds: pulumi.Input<string>[] };
}

const LOAD_BALANCER_ANNOTATIONS = {
  // The AWS Load Balancer Controller: an internet-facing NLB whose targets are the pods' own addresses.
  "service.beta.kubernetes.io/aws-load-balancer-type": "external",
  "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
  "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
} as const;

/**
 * Where each service of the Kubernetes layer runs and who may reach it: the input the NetworkPolicies are
 * generated from (./network-policies.ts), so that anyone reading them back can generate them again.
 */
export function workloadFlows(args: Pick<WorkloadsArgs, "publicSubnetCidrs" | "privateSubnetCidrs" | "adminCidrs">, cloudflareCidrs: readonly string[]): FlowInput {
  return {
    placement: {
      gateway: { kind: "pod", namespace: NAMESPACES.app },
      edge: { kind: "pod", namespace: NAMESPACES.app },
      livekit: { kind: "host-network", namespace: NAMESPACES.media, nodeCidrs: args.publicSubnetCidrs },
      coturn: { kind: "host-network", namespace: NAMESPACES.media, nodeCidrs: args.publicSubnetCidrs },
      redis: { kind: "managed", cidrs: args.privateSubnetCidrs },
      elasticsearch: { kind: "managed", cidrs: args.privateSubnetCidrs },
      prometheus: { kind: "pod", namespace: NAMESPACES.monitoring },
      alertmanager: { kind: "pod", namespace: NAMESPACES.monitoring },
      grafana: { kind: "pod", namespace: NAMESPACES.monitoring },
      blackbox: { kind: "pod", namespace: NAMESPACES.monitoring },
    },
    adminCidrs: args.adminCidrs,
    cloudflareCidrs,
    prometheus: PROMETHEUS,
    podPortOf: { "edge-https": EDGE_CONTAINER_HTTPS_PORT },
  };
}

export class RampartWorkloads extends pulumi.ComponentResource {
  /** The hardened pod specs, by workload (plain data, as declared). */
  public readonly podSpecs: Record<"gateway" | "edge" | "livekit" | "coturn", pulumi.Output<unknown>>;
  /** Grafana's `admin` password (secret). */
  public readonly grafanaAdminPassword: pulumi.Output<string>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:workloads:RampartWorkloads", name, {}, opts);
    if (args.edgeReplicas < 2) throw new pulumi.ResourceError("RampartWorkloads: the edge needs at least 2 replicas behind the load balancer", this);
    if (args.gateway.minReplicas < 2 || args.gateway.maxReplicas < args.gateway.minReplicas) {
      throw new pulumi.ResourceError("RampartWorkloads: the gateway needs minReplicas >= 2 and maxReplicas >= minReplicas", this);
    }
    const child = { parent: this };

    // --- namespaces, with Pod Security Admission labels
    const ns = {} as Record<NamespaceRole, k8s.core.v1.Namespace>;
    for (const role of ["app", "media", "monitoring"] as const) {
      const level = POD_SECURITY[role];
      ns[role] = new k8s.core.v1.Namespace(`${name}-${role}`, {
        metadata: {
          name: NAMESPACES[role],
          labels: {
            "pod-security.kubernetes.io/enforce": level,
            "pod-security.kubernetes.io/enforce-version": "latest",
            // Even where enforcement must allow the host network, every other restricted check is audited and warned.
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
            "app.kubernetes.io/part-of": "rampart",
          },
          ...(level === "privileged"
            ? { annotations: { "rampart.io/pod-security-exception": "host-network: LiveKit's ICE range and coturn's relay range need the node's own addresses; every other restricted control is checked by Rampart's policy pack" } }
            : {}),
        },
      }, child);
    }
    const inNs = (role: NamespaceRole) => ({ parent: this, dependsOn: [ns[role]] });

    // --- secrets (generated or from config), each stays a Pulumi secret into the Kubernetes Secret
    const livekitKeyId = new random.RandomString(`${name}-livekit-api-key`, { length: 16, special: false }, child);
    const livekitApiKey = pulumi.interpolate`API${livekitKeyId.result}`;
    const livekitApiSecret = generatedSecret(`${name}-livekit-api-secret`, this);
    const turnSecret = generatedSecret(`${name}-turn-secret`, this);
    const jwtSecret = args.jwtSecret !== undefined ? pulumi.secret(args.jwtSecret) : generatedSecret(`${name}-jwt-secret`, this, 64);
    const fanoutKey = args.gateway.fanoutKey !== undefined ? pulumi.secret(args.gateway.fanoutKey) : generatedSecret(`${name}-gateway-fanout-key`, this, 64);
    const prometheusPassword = generatedSecret(`${name}-livekit-prometheus-password`, this);

    const { secret, configMap, serviceAccount } = namespacedObjects(name, inNs);

    const cluster = (service: string, role: NamespaceRole) => `${service}.${NAMESPACES[role]}.svc.cluster.local`;
    const onRole = (role: "app" | "media") => ({ [ROLE_LABEL]: role });
    const mediaToleration = [{ key: ROLE_LABEL, operator: "Equal", value: "media", effect: "NoSchedule" }];
    const spreadOverZones = (service: string) => [
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selectorOf(service) } },
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorOf(service) } },
    ];

    // --- LiveKit: one per media node, host network, rooms routed through the shared Redis
    const lkDir = configDir("livekit");
    const lkYaml = renderLivekitYaml({ target: "aws", bindAddresses: ["127.0.0.1"], keyFilePath: secretPath("livekit-keys.yaml"), useExternalIp: true });
    const lkStart = livekitStartCommand({ configPath: `${lkDir}/livekit.yaml`, secretPath: secretPath("livekit-secrets.yaml"), mergedPath: "/tmp/livekit.yaml" });
    configMap("media", "livekit", { "livekit.yaml": lkYaml });
    secret("media", "livekit", {
      "livekit-keys.yaml": pulumi.all([livekitApiKey, livekitApiSecret]).apply(([k, s]) => renderLivekitKeyFile({ [k]: s })),
      "livekit-secrets.yaml": pulumi.all([args.redis.host, args.redis.livekitPassword, prometheusPassword]).apply(([host, password, prom]) =>
        renderLivekitSecretYaml({ redis: { address: host, username: "livekit", password, useTls: true }, prometheus: { username: "prometheus", password: prom } }),
      ),
    });
    serviceAccount("media", "livekit");
    const livekitSpec: WorkloadSpec = {
      service: "livekit",
      image: args.images.livekit ?? DEFAULT_IMAGES.livekit,
      ...SERVICE_USERS.livekit,
      ports: [cataloguePort("livekit-api"), cataloguePort("livekit-rtc-tcp"), cataloguePort("livekit-prometheus", "metrics")],
      // On the host network the API binds the node's private address and loopback, not every interface.
      command: [lkStart[0]!, lkStart[1]!, `${lkStart[2]} --bind 127.0.0.1 --bind "$NODE_IP"`],
      fieldEnv: { NODE_IP: "status.hostIP" },
      files: { configMap: { name: "livekit", dir: lkDir, files: ["livekit.yaml"] }, secret: { name: "livekit", files: ["livekit-keys.yaml", "livekit-secrets.yaml"] } },
      scratch: { "/tmp": 16 },
      memoryMiB: args.livekit.memoryMiB,
      cpus: args.livekit.cpus,
      probe: { kind: "http", path: "/", port: port("livekit-api").from },
      hostNetwork: true,
      exceptions: ["host-network"],
      serviceAccountName: "livekit",
      nodeSelector: onRole("media"),
      tolerations: mediaToleration,
    };

    // --- coturn: one per media node, host network, the shared REST secret, each its node's public address
    const turnDir = configDir("coturn");
    const turnConf = renderTurnserverConf({
      target: "aws",
      realm: args.hostnames.turn,
      listeningIps: [],
      nodeAddresses: "at-start",
      tls: { certPath: `${turnDir}/turn-cert.pem`, keyPath: secretPath("turn-key.pem") },
      userDbPath: "/var/lib/coturn/turndb",
      pidFilePath: "/var/lib/coturn/turnserver.pid",
      prometheus: { address: "node" },
    });
    configMap("media", "coturn", { "turnserver.conf": turnConf, "turn-cert.pem": args.turnTls.certPem });
    secret("media", "coturn", { "turn-secret.conf": turnSecret.apply(renderTurnSecretConf), "turn-key.pem": args.turnTls.keyPem });
    serviceAccount("media", "coturn");
    const coturnSpec: WorkloadSpec = {
      service: "coturn",
      image: args.images.coturn ?? DEFAULT_IMAGES.coturn,
      ...SERVICE_USERS.coturn,
      ports: [cataloguePort("turn-udp"), cataloguePort("turn-tcp"), cataloguePort("turns-tcp"), cataloguePort("coturn-prometheus", "metrics")],
      command: turnserverNodeStartCommand({ configPath: `${turnDir}/turnserver.conf`, secretPath: secretPath("turn-secret.conf"), mergedPath: "/var/lib/coturn/turnserver.conf", prometheusOnNode: true }),
      fieldEnv: { NODE_IP: "status.hostIP" },
      files: { configMap: { name: "coturn", dir: turnDir, files: ["turnserver.conf", "turn-cert.pem"] }, secret: { name: "coturn", files: ["turn-secret.conf", "turn-key.pem"] } },
      scratch: { "/var/lib/coturn": 16 },
      memoryMiB: 2048,
      cpus: 1,
      probe: { kind: "tcp", port: port("turn-tcp").from },
      hostNetwork: true,
      exceptions: ["host-network"],
      serviceAccountName: "coturn",
      nodeSelector: onRole("media"),
      tolerations: mediaToleration,
    };

    // --- gateway: shares rooms, caps, limits and blocks through ElastiCache (TLS), scales with an HPA
    const turnUris = [
      `turn:${args.hostnames.turn}:${port("turn-udp").from}?transport=udp`,
      `turn:${args.hostnames.turn}:${port("turn-tcp").from}?transport=tcp`,
      `turns:${args.hostnames.turn}:${port("turns-tcp").from}?transport=tcp`,
    ];
    const gatewayEnv = gatewayEnvironment({
      allowedOrigins: args.allowedOrigins,
      // Edge pods have addresses in the app nodes' subnets; the NetworkPolicy lets only the edge reach the gateway.
      trustedProxies: [...args.privateSubnetCidrs],
      jwt: {},
      livekit: { url: `wss://${args.hostnames.app}`, apiKey: livekitApiKey },
      turn: { uris: turnUris },
      redis: { host: args.redis.host },
      ...(args.gateway.anomalyAllowlist !== undefined ? { anomalyAllowlist: [...args.gateway.anomalyAllowlist] } : {}),
      metricsOnAllInterfaces: true,
      redisTls: true,
    });
    secret("app", "gateway", { "jwt-secret": jwtSecret, "livekit-api-secret": livekitApiSecret, "turn-secret": turnSecret, "redis-password": args.redis.gatewayPassword, "fanout-key": fanoutKey });
    serviceAccount("app", "gateway");

    // --- edge proxy: TLS for Cloudflare with Authenticated Origin Pulls, behind the load balancer
    const nginxDir = configDir("nginx");
    const edgeConf = pulumi.output(args.cloudflareRanges).apply((ranges) =>
      renderEdgeNginxConf({
        listenPort: EDGE_CONTAINER_HTTPS_PORT,
        serverNames: [args.hostnames.app],
        tls: { certPath: `${nginxDir}/origin-cert.pem`, keyPath: secretPath("origin-key.pem"), clientCaPath: `${nginxDir}/origin-pull-ca.pem` },
        trustedProxyCidrs: ranges,
        upstreams: { gateway: { host: cluster("gateway", "app") }, livekit: { host: cluster("livekit", "media") } },
        scratchDir: "/tmp",
      }),
    );
    configMap("app", "edge", { "nginx.conf": edgeConf, "origin-cert.pem": args.edgeTls.certPem, "origin-pull-ca.pem": args.edgeTls.originPullCaPem });
    secret("app", "edge", { "origin-key.pem": args.edgeTls.keyPem });
    serviceAccount("app", "edge");

    const env = pulumi.output(gatewayEnv);
    const specs = {
      livekit: pulumi.output(livekitSpec),
      coturn: pulumi.output(coturnSpec),
      gateway: env.apply((e): WorkloadSpec => ({
        service: "gateway",
        image: args.images.gateway,
        ...SERVICE_USERS.gateway,
        ports: [cataloguePort("gateway-http", "http"), cataloguePort("gateway-metrics", "metrics")],
        env: e,
        files: { secret: { name: "gateway", files: ["jwt-secret", "livekit-api-secret", "turn-secret", "redis-password", "fanout-key"] } },
        scratch: { "/tmp": 32 },
        memoryMiB: 1024,
        cpus: 1,
        probe: { kind: "http", path: GATEWAY_PATHS.health, port: port("gateway-http").from },
        serviceAccountName: "gateway",
        nodeSelector: onRole("app"),
        topologySpreadConstraints: spreadOverZones("gateway"),
      })),
      edge: pulumi.output<WorkloadSpec>({
        service: "edge",
        image: args.images.edge ?? DEFAULT_IMAGES.edge,
        ...SERVICE_USERS.edge,
        ports: [{ name: "https", containerPort: EDGE_CONTAINER_HTTPS_PORT, protocol: "TCP" }],
        command: ["nginx", "-c", `${nginxDir}/nginx.conf`, "-g", "daemon off;"],
        files: { configMap: { name: "edge", dir: nginxDir, files: ["nginx.conf", "origin-cert.pem", "origin-pull-ca.pem"] }, secret: { name: "edge", files: ["origin-key.pem"] } },
        scratch: { "/tmp": 64 },
        memoryMiB: 512,
        cpus: 1,
        probe: { kind: "tcp", port: EDGE_CONTAINER_HTTPS_PORT },
        serviceAccountName: "edge",
        nodeSelector: onRole("app"),
        topologySpreadConstraints: spreadOverZones("edge"),
      }),
    };
    const podSpec = (s: pulumi.Output<WorkloadSpec>) => s.apply((w) => hardenedPodSpec(w));
    this.podSpecs = { gateway: podSpec(specs.gateway), edge: podSpec(specs.edge), livekit: podSpec(specs.livekit), coturn: podSpec(specs.coturn) };

    const template = (service: string, spec: pulumi.Output<unknown>) => ({
      metadata: { labels: labelsOf(service) },
      spec: spec as pulumi.Output<k8s.types.input.core.v1.PodSpec>,
    });

    // DaemonSets: one media pod per media node; a rolling update replaces one node's pod at a time.
    for (const service of ["livekit", "coturn"] as const) {
      new k8s.apps.v1.DaemonSet(`${name}-${service}`, {
        metadata: { name: service, namespace: NAMESPACES.media, labels: labelsOf(service) },
        spec: {
          selector: { matchLabels: selectorOf(service) },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
          template: template(service, this.podSpecs[service]),
        },
      }, inNs("media"));
    }
    // LiveKit's API for the edge (its pods' addresses are their nodes').
    new k8s.core.v1.Service(`${name}-livekit`, {
      metadata: { name: "livekit", namespace: NAMESPACES.media, labels: labelsOf("livekit") },
      spec: { type: "ClusterIP", selector: selectorOf("livekit"), ports: [{ name: "api", port: port("livekit-api").from, targetPort: port("livekit-api").from, protocol: "TCP" }] },
    }, inNs("media"));
    // TURN: one static address per zone in front of every coturn; relays then go straight to each node's own address.
    new k8s.core.v1.Service(`${name}-coturn`, {
      metadata: {
        name: "coturn",
        namespace: NAMESPACES.media,
        labels: labelsOf("coturn"),
        annotations: pulumi.output(args.loadBalancer.turnEipAllocationIds).apply((ids) => ({
          ...LOAD_BALANCER_ANNOTATIONS,
          "service.beta.kubernetes.io/aws-load-balancer-eip-allocations": ids.join(","),
        })),
      },
      spec: {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        selector: selectorOf("coturn"),
        ports: (["turn-udp", "turn-tcp", "turns-tcp"] as const).map((id) => ({ name: id, port: port(id).from, targetPort: port(id).from, protocol: port(id).protocol === "udp" ? "UDP" : "TCP" })),
      },
    }, inNs("media"));

    // The gateway: rolling updates add before they remove (never below the PDB), the HPA scales on CPU.
    const maxUnavailableOne = { maxUnavailable: 1 };
    new k8s.apps.v1.Deployment(`${name}-gateway`, {
      metadata: { name: "gateway", namespace: NAMESPACES.app, labels: labelsOf("gateway") },
      spec: {
        replicas: args.gateway.minReplicas,
        selector: { matchLabels: selectorOf("gateway") },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: template("gateway", this.podSpecs.gateway),
      },
    }, inNs("app"));
    new k8s.policy.v1.PodDisruptionBudget(`${name}-gateway`, {
      metadata: { name: "gateway", namespace: NAMESPACES.app, labels: labelsOf("gateway") },
      spec: { ...maxUnavailableOne, selector: { matchLabels: selectorOf("gateway") } },
    }, inNs("app"));
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-gateway`, {
      metadata: { name: "gateway", namespace: NAMESPACES.app, labels: labelsOf("gateway") },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "gateway" },
        minReplicas: args.gateway.minReplicas,
        maxReplicas: args.gateway.maxReplicas,
        metrics: [
          { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
          { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } } },
        ],
        // Scale down slowly: every gateway pod holds long-lived WebSockets.
        behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: "Pods", value: 1, periodSeconds: 300 }] } },
      },
    }, inNs("app"));
    new k8s.core.v1.Service(`${name}-gateway`, {
      metadata: { name: "gateway", namespace: NAMESPACES.app, labels: labelsOf("gateway") },
      spec: { type: "ClusterIP", selector: selectorOf("gateway"), ports: [{ name: "http", port: port("gateway-http").from, targetPort: port("gateway-http").from, protocol: "TCP" }] },
    }, inNs("app"));

    new k8s.apps.v1.Deployment(`${name}-edge`, {
      metadata: { name: "edge", namespace: NAMESPACES.app, labels: labelsOf("edge") },
      spec: {
        replicas: args.edgeReplicas,
        selector: { matchLabels: selectorOf("edge") },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: template("edge", this.podSpecs.edge),
      },
    }, inNs("app"));
    new k8s.policy.v1.PodDisruptionBudget(`${name}-edge`, {
      metadata: { name: "edge", namespace: NAMESPACES.app, labels: labelsOf("edge") },
      spec: { minAvailable: args.edgeReplicas - 1, selector: { matchLabels: selectorOf("edge") } },
    }, inNs("app"));
    new k8s.core.v1.Service(`${name}-edge`, {
      metadata: {
        name: "edge",
        namespace: NAMESPACES.app,
        labels: labelsOf("edge"),
        annotations: pulumi.all([args.loadBalancer.securityGroupId, pulumi.output(args.loadBalancer.edgeEipAllocationIds)]).apply(([sg, ids]) => ({
          ...LOAD_BALANCER_ANNOTATIONS,
          "service.beta.kubernetes.io/aws-load-balancer-security-groups": sg,
          "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules": "false",
          "service.beta.kubernetes.io/aws-load-balancer-eip-allocations": ids.join(","),
        })),
      },
      spec: {
        type: "LoadBalancer",
        selector: selectorOf("edge"),
        ports: [{ name: "https", port: port("edge-https").from, targetPort: EDGE_CONTAINER_HTTPS_PORT, protocol: "TCP" }],
      },
    }, inNs("app"));

    // --- monitoring: scrapes every workload above, alerts, the dashboard
    const monitoring = new ClusterMonitoring(name, {
      ...args.monitoring,
      images: {
        prometheus: args.monitoring.images?.prometheus ?? args.images.prometheus,
        alertmanager: args.monitoring.images?.alertmanager ?? args.images.alertmanager,
        grafana: args.monitoring.images?.grafana ?? args.images.grafana,
        blackbox: args.monitoring.images?.blackbox ?? args.images.blackbox,
      },
      livekitScrapePassword: prometheusPassword,
      turns: { endpoint: `${args.hostnames.turn}:${port("turns-tcp").from}`, serverName: args.hostnames.turn, certPem: args.turnTls.certPem },
      kmsKeyArn: args.kmsKeyArn,
      nodeSelector: onRole("app"),
      externalLabels: { rampart_target: "aws-scale" },
    }, { parent: this, dependsOn: [ns.app, ns.media, ns.monitoring] });
    this.grafanaAdminPassword = monitoring.grafanaAdminPassword;

    // --- NetworkPolicies: default deny, then the catalogue's flows
    const flows = (cloudflareCidrs: string[]) => workloadFlows(args, cloudflareCidrs);
    // The policies' number and names depend only on the catalogue and the placement, never on Cloudflare's list.
    const plannedNames = networkPolicies(flows(["192.0.2.0/24"])).map((p) => `${p.namespace}/${p.name}`);
    const planned = pulumi.output(args.cloudflareRanges).apply((ranges) => networkPolicies(flows(ranges)));
    for (const key of plannedNames) {
      const [namespace, policyName] = key.split("/") as [string, string];
      const role = (Object.keys(NAMESPACES) as NamespaceRole[]).find((r) => NAMESPACES[r] === namespace)!;
      const spec = planned.apply((all) => all.find((p) => `${p.namespace}/${p.name}` === key)!);
      new k8s.networking.v1.NetworkPolicy(`${name}-${namespace}-${policyName}`, {
        metadata: { name: policyName, namespace, labels: { "app.kubernetes.io/part-of": "rampart" }, annotations: { "rampart.io/flow": spec.source } },
        spec: {
          podSelector: spec.podSelector,
          policyTypes: spec.policyTypes,
          ...{ ingress: spec.apply((s) => s.ingress ?? []), egress: spec.apply((s) => s.egress ?? []) },
        },
      }, inNs(role));
    }

    this.registerOutputs({ grafanaAdminPassword: this.grafanaAdminPassword });
  }
}

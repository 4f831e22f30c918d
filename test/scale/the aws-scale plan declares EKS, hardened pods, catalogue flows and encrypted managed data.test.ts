import { beforeAll, describe, expect, it } from "vitest";
import { PORTS, port, portsFor, scrapedPorts, type PortEntry } from "@rampart/catalogue";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { BASELINE, BASELINE_VALUES } from "../../components/containers/baseline";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../../components/containers/images";
import { elasticacheAccessString } from "../../components/config/elasticache";
import { gatewayAclUser, livekitAclUser } from "../../components/config/redis";
import { KUBERNETES_BASELINE, networkPolicies, type FlowInput } from "../../components/workloads";
import { NODE_POLICIES } from "../../components/cluster/iam";
import { named, ofType, planAwsScale, secretValue, type ScalePlan } from "./support";

type Rec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let plan: ScalePlan;
beforeAll(async () => {
  plan = await planAwsScale();
}, 120_000);

type Planned = { type: string; name: string; inputs: Rec };
const all = () => plan.resources as unknown as Planned[];
const inputs = (type: string) => ofType(all(), type).map((r) => r.inputs);
const podOf = (r: { inputs: Rec }) => r.inputs.spec.template.spec as Rec;
const NO_SECRETS: readonly string[] = ["blackbox", "alertmanager"];
const workloads = () => ["Deployment", "DaemonSet", "StatefulSet"].flatMap((kind) => ofType(all(), `kubernetes:apps/v1:${kind}`));

describe("aws-scale: the plan of the example stack", () => {
  it("is clean under the policy pack", () => {
    expect(plan.violations).toEqual([]);
  });

  it("declares the EKS cluster with a private endpoint, Secrets under the KMS key and every control plane log", () => {
    const [cluster] = inputs("aws:eks/cluster:Cluster");
    expect(cluster!.vpcConfig).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
    expect(cluster!.encryptionConfig.resources).toEqual(["secrets"]);
    expect(cluster!.encryptionConfig.provider.keyArn).toMatch(/^arn:mock:aws:kms\/key:Key:/);
    expect(cluster!.enabledClusterLogTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    expect(cluster!.accessConfig.authenticationMode).toBe("API");
  });

  it("runs media nodes in the public subnets and app nodes in the private ones, two or more per group, from hardened launch templates", () => {
    const groups = inputs("aws:eks/nodeGroup:NodeGroup");
    expect(groups.map((g) => g.labels["rampart.io/role"]).sort()).toEqual(["app", "media"]);
    for (const g of groups) {
      const tier = g.labels["rampart.io/role"] === "media" ? "public" : "private";
      expect(g.subnetIds).toEqual([0, 1, 2].map((i) => `rampart-${tier}-${i}-id`));
      expect(g.scalingConfig.desiredSize).toBe(g.labels["rampart.io/role"] === "media" ? 8 : 3);
      expect(g.scalingConfig.minSize).toBe(g.scalingConfig.desiredSize);
      expect(g.launchTemplate.id).toBeDefined();
      expect(g.remoteAccess).toBeUndefined();
    }
    expect(groups.find((g) => g.labels["rampart.io/role"] === "media")!.taints).toEqual([{ key: "rampart.io/role", value: "media", effect: "NO_SCHEDULE" }]);
    for (const lt of inputs("aws:ec2/launchTemplate:LaunchTemplate")) {
      expect(lt.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
      expect(lt.blockDeviceMappings[0].ebs).toMatchObject({ volumeType: "gp3", encrypted: "true" });
      expect(lt.blockDeviceMappings[0].ebs.kmsKeyId).toMatch(/kms/);
      expect(lt.keyName).toBeUndefined();
      // The baseline's per-node rows: a PIDs limit per pod and rotated logs, with HardenedContainer's values.
      const userData = Buffer.from(lt.userData, "base64").toString("utf8");
      expect(userData).toContain("Content-Type: application/node.eks.aws");
      expect(userData).toContain(`podPidsLimit: ${BASELINE_VALUES.nproc}`);
      expect(userData).toContain(`containerLogMaxFiles: ${BASELINE_VALUES.logOpts["max-file"]}`);
    }
  });

  it("gives the nodes no broad IAM: only joining the cluster and pulling images; the VPC CNI's rights go to its service account", () => {
    const attachments = ofType(all(), "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    const nodePolicies = attachments.filter((a) => a.name.startsWith("rampart-node-")).map((a) => String(a.inputs.policyArn).split("/").pop());
    expect(nodePolicies.sort()).toEqual([...NODE_POLICIES].sort());
    expect(attachments.some((a) => /Admin|FullAccess|PowerUser/.test(String(a.inputs.policyArn)))).toBe(false);
    const cni = inputs("aws:eks/addon:Addon").find((a) => a.addonName === "vpc-cni")!;
    expect(cni.podIdentityAssociations[0].serviceAccount).toBe("aws-node");
    expect(JSON.parse(cni.configurationValues)).toEqual({ enableNetworkPolicy: "true" });
  });

  it("renders every baseline row on Kubernetes too (one table, two renderers)", () => {
    expect(Object.keys(KUBERNETES_BASELINE).sort()).toEqual(BASELINE.map((b) => b.id).sort());
  });

  it("declares every pod with the container baseline: numeric non-root user, read-only root, no escalation, drop ALL, RuntimeDefault, limits, probes, no token", () => {
    const found = workloads();
    expect(found.map((w) => w.inputs.metadata.name).sort()).toEqual(["alertmanager", "blackbox", "coturn", "edge", "gateway", "grafana", "livekit", "prometheus"]);
    for (const w of found) {
      const pod = podOf(w);
      const service = w.inputs.metadata.name as keyof typeof SERVICE_USERS;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: SERVICE_USERS[service].uid, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.securityContext.runAsGroup).not.toBe(0);
      expect(pod.hostPID).toBe(false);
      expect(pod.hostIPC).toBe(false);
      expect(pod.hostNetwork).toBe(["livekit", "coturn"].includes(service));
      for (const c of pod.containers as Rec[]) {
        // The pinned default image (the example stack overrides none but the gateway's).
        if (service !== "gateway") expect(c.image).toBe(DEFAULT_IMAGES[service as keyof typeof DEFAULT_IMAGES]);
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: BASELINE_VALUES.readOnly,
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: [...BASELINE_VALUES.capabilityDrops] },
        });
        expect(c.resources.limits).toEqual(c.resources.requests);
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        // Secrets only as read-only projected files, never env values.
        for (const e of c.env as Rec[]) expect(e.valueFrom?.secretKeyRef).toBeUndefined();
        // The blackbox exporter holds no secret (it reads only the public certificate it verifies), nor does
        // Alertmanager while the stack configures no receiver.
        const secretMount = (c.volumeMounts as Rec[]).find((m) => m.name === "secrets");
        if (NO_SECRETS.includes(service)) expect(secretMount).toBeUndefined();
        else expect(secretMount).toMatchObject({ mountPath: "/run/secrets", readOnly: true });
      }
      const secrets = (pod.volumes as Rec[]).find((v) => v.name === "secrets");
      if (!NO_SECRETS.includes(service)) expect(secrets!.projected.defaultMode).toBe(0o400);
      expect((pod.volumes as Rec[]).some((v) => v.hostPath)).toBe(false);
    }
  });

  it("keeps every Kubernetes Secret a Pulumi secret: masked in the plan, plain only to the provider", () => {
    const planned = ofType(all(), "kubernetes:core/v1:Secret");
    expect(planned.map((s) => s.inputs.metadata.name).sort()).toEqual(["coturn", "edge", "gateway", "grafana", "livekit", "prometheus"]);
    for (const s of planned) expect(s.inputs.stringData).toBe("[secret]");
    const gateway = named(plan.declared, "kubernetes:core/v1:Secret", "rampart-gateway");
    expect(Object.keys(secretValue((gateway.inputs as Rec).stringData) as Rec).sort()).toEqual(["fanout-key", "jwt-secret", "livekit-api-secret", "redis-password", "turn-secret"]);
    expect(plan.outputs.kubeconfig).toBe("[secret]");
    const provider = ofType(all(), "pulumi:providers:kubernetes")[0]!;
    expect(provider.inputs.kubeconfig).toBe("[secret]");
  });

  it("labels the app namespace Pod Security restricted and states the media namespace's host-network exception", () => {
    const ns = Object.fromEntries(inputs("kubernetes:core/v1:Namespace").map((n) => [n.metadata.name, n.metadata]));
    expect(ns["rampart-app"].labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" });
    expect(ns["rampart-media"].labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/audit": "restricted" });
    expect(ns["rampart-media"].annotations["rampart.io/pod-security-exception"]).toMatch(/^host-network/);
  });

  it("denies all traffic in each namespace, then allows exactly the catalogue's flows", () => {
    const policies = inputs("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    for (const ns of ["rampart-app", "rampart-media"]) {
      expect(policies.find((p) => p.metadata.namespace === ns && p.metadata.name === "default-deny")!.spec).toMatchObject({ podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] });
    }
    const names = policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining([
      "rampart-app/out-gateway-to-redis",
      "rampart-media/out-livekit-to-redis",
      "rampart-app/out-edge-to-gateway-http",
      "rampart-app/out-edge-to-livekit-api",
      "rampart-app/in-gateway-http",
    ]));
    const redis = policies.find((p) => p.metadata.name === "out-gateway-to-redis")!;
    expect(redis.spec.egress).toEqual([{ to: ["10.40.10.0/24", "10.40.11.0/24", "10.40.12.0/24"].map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: port("redis").from }] }]);
    const toGateway = policies.find((p) => p.metadata.name === "in-gateway-http")!;
    expect(toGateway.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "rampart-app" } }, podSelector: { matchLabels: { "rampart.io/service": "edge" } } }]);
    // Every scrape target of a deployed service admits Prometheus, and the catalogue says which.
    const deployed = new Set(["gateway", "livekit", "coturn", "edge"]);
    for (const p of scrapedPorts(portsFor("aws", { platform: "kubernetes" })).filter((e) => deployed.has(e.service))) {
      const inPolicy = policies.find((x) => x.metadata.name === `in-${p.id}`)!;
      expect(inPolicy.spec.ingress[0].from, p.id).toContainEqual({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "rampart-monitoring" } }, podSelector: { matchLabels: { "rampart.io/service": "prometheus" } } });
    }
  });

  it("turns a new catalogue entry into its flow with no other change", () => {
    const extra: PortEntry = { id: "gateway-admin", service: "gateway", from: 9470, to: 9470, protocol: "tcp", class: "vpc", peers: ["edge"], scrape: true, description: "test entry" };
    const input: FlowInput = {
      placement: { gateway: { kind: "pod", namespace: "a" }, edge: { kind: "pod", namespace: "a" } },
      adminCidrs: [],
      cloudflareCidrs: [],
      prometheus: { namespace: "m", podLabels: { app: "prometheus" } },
      ports: [...PORTS, extra],
    };
    const before = networkPolicies({ ...input, ports: PORTS }).map((p) => p.name);
    const after = networkPolicies(input);
    expect(after.map((p) => p.name).filter((n) => !before.includes(n)).sort()).toEqual(["in-gateway-admin", "out-edge-to-gateway-admin"]);
    expect(after.find((p) => p.name === "in-gateway-admin")!.ingress![0]!.from).toHaveLength(2);
  });

  it("derives node and load balancer security groups from the catalogue: 443 from Cloudflare only, media public, nothing else open to the world", () => {
    const rules = ofType(all(), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r): Rec => ({ ...r.inputs, name: r.name }));
    const lb = rules.filter((r) => r.name.startsWith("rampart-load-balancer-"));
    expect(lb.map((r) => [r.fromPort, r.prefixListId !== undefined])).toEqual([[443, true], [443, true]]);
    const fromLb = rules.find((r) => r.name === "rampart-app-nodes-edge-from-lb")!;
    expect(fromLb).toMatchObject({ fromPort: 8443, toPort: 8443 });
    expect(fromLb.referencedSecurityGroupId).toBeDefined();
    const world = rules.filter((r) => r.cidrIpv4 === "0.0.0.0/0" || r.cidrIpv6 === "::/0");
    const publicIds = new Set(PORTS.filter((p) => p.class === "public").map((p) => `${p.from}-${p.to}/${p.protocol}`));
    for (const r of world) expect(publicIds.has(`${r.fromPort}-${r.toPort}/${r.ipProtocol}`), r.name).toBe(true);
    const media = rules.filter((r) => r.name.startsWith("rampart-media-nodes-")).map((r) => `${r.fromPort}-${r.toPort}/${r.ipProtocol}`);
    for (const id of ["livekit-rtc-udp", "turn-relay-udp", "turns-tcp"]) expect(media).toContain(`${port(id).from}-${port(id).to}/${port(id).protocol}`);
  });

  it("declares ElastiCache Multi-AZ with failover, TLS required, KMS at rest, and RBAC users from the Redis ACL source", () => {
    const [rg] = inputs("aws:elasticache/replicationGroup:ReplicationGroup");
    expect(rg).toMatchObject({ engine: "valkey", multiAzEnabled: true, automaticFailoverEnabled: true, transitEncryptionEnabled: true, transitEncryptionMode: "required", atRestEncryptionEnabled: true, numCacheClusters: 2 });
    expect(rg!.securityGroupIds).toEqual(["rampart-vpc-id"]);
    const users: Record<string, Rec> = Object.fromEntries(inputs("aws:elasticache/user:User").map((u) => [u.userName, u]));
    expect(users.default!.accessString).toBe("off -@all");
    expect(users.gateway!.accessString).toBe(elasticacheAccessString(gatewayAclUser("")));
    expect(users.livekit!.accessString).toBe(elasticacheAccessString(livekitAclUser("")));
    for (const u of Object.values(users)) expect(u.authenticationMode.passwords).toEqual(["[secret]"]);
    const gateway = workloads().find((w) => w.inputs.metadata.name === "gateway")!;
    const env = Object.fromEntries((podOf(gateway).containers[0].env as Rec[]).map((e) => [e.name, e.value]));
    expect(env.REDIS_URL).toMatch(/^rediss:\/\/gateway@master\.rampart-redis\./);
    const lk = named(plan.declared, "kubernetes:core/v1:Secret", "rampart-livekit");
    expect((secretValue((lk.inputs as Rec).stringData) as Rec)["livekit-secrets.yaml"]).toMatch(/use_tls: true/);
  });

  it("declares OpenSearch in the VPC over three zones with dedicated masters, HTTPS enforced on TLS 1.2+, encryption and fine-grained access from a secret", () => {
    const [domain] = inputs("aws:opensearch/domain:Domain");
    expect(domain!.vpcOptions.subnetIds).toHaveLength(3);
    expect(domain!.vpcOptions.securityGroupIds).toEqual(["rampart-vpc-id"]);
    expect(domain!.clusterConfig).toMatchObject({ instanceCount: 3, zoneAwarenessEnabled: true, zoneAwarenessConfig: { availabilityZoneCount: 3 }, dedicatedMasterEnabled: true, dedicatedMasterCount: 3 });
    expect(domain!.domainEndpointOptions).toEqual({ enforceHttps: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" });
    expect(domain!.nodeToNodeEncryption.enabled).toBe(true);
    expect(domain!.encryptAtRest.enabled).toBe(true);
    expect(domain!.advancedSecurityOptions).toMatchObject({ enabled: true, anonymousAuthEnabled: false });
    expect(domain!.advancedSecurityOptions.masterUserOptions.masterUserPassword).toBe("[secret]");
    const statement = JSON.parse(domain!.accessPolicies).Statement[0];
    expect(statement.Principal.AWS).toEqual(["arn:mock:aws:iam/role:Role:rampart-gateway-pod"]);
    // The vpc class carries the search endpoint's port.
    expect(portsFor("aws", { platform: "kubernetes" }).find((p) => p.id === "search-https")!.class).toBe("vpc");
  });

  it("scales: the HPA's bounds, edge replicas behind the load balancer with PDBs, rolling updates that never go below them", () => {
    const [hpa] = inputs("kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    expect(hpa).toMatchObject({ spec: { minReplicas: 2, maxReplicas: 4, scaleTargetRef: { kind: "Deployment", name: "gateway" } } });
    const pdbs = Object.fromEntries(inputs("kubernetes:policy/v1:PodDisruptionBudget").map((p) => [p.metadata.name, p.spec]));
    expect(pdbs.edge.minAvailable).toBe(1);
    expect(pdbs.gateway.maxUnavailable).toBe(1);
    for (const d of ofType(all(), "kubernetes:apps/v1:Deployment")) expect((d.inputs as Rec).spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const edge = ofType(all(), "kubernetes:apps/v1:Deployment").find((d) => (d.inputs as Rec).metadata.name === "edge")!;
    expect((edge.inputs as Rec).spec.replicas).toBe(2);
    const svc = inputs("kubernetes:core/v1:Service").find((s) => s.metadata.name === "edge")!;
    expect(svc.spec).toMatchObject({ type: "LoadBalancer", ports: [{ port: 443, targetPort: 8443 }] });
  });
});

describe("aws-scale: a deliberately insecure variant of each new resource trips its rule", () => {
  const variants: Array<[string, string, (i: Rec) => Rec, string]> = [
    ["aws:eks/cluster:Cluster", "rampart", (i) => ({ ...i, vpcConfig: { ...i.vpcConfig, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }), "eks-api-endpoint-private"],
    ["aws:eks/cluster:Cluster", "rampart", (i) => ({ ...i, encryptionConfig: undefined }), "eks-secrets-envelope-encrypted"],
    ["aws:ec2/launchTemplate:LaunchTemplate", "rampart-app-lt", (i) => ({ ...i, metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 } }), "ec2-imdsv2-required-hop-limit-1"],
    ["aws:eks/nodeGroup:NodeGroup", "rampart-app", (i) => ({ ...i, remoteAccess: { ec2SshKey: "k" } }), "eks-node-group-hardened"],
    ["kubernetes:apps/v1:Deployment", "rampart-gateway", (i) => ({ ...i, spec: { ...i.spec, template: { ...i.spec.template, spec: { ...i.spec.template.spec, containers: [{ ...i.spec.template.spec.containers[0], securityContext: { privileged: true } }] } } } }), "k8s-containers-restricted"],
    ["kubernetes:apps/v1:Deployment", "rampart-edge", (i) => ({ ...i, spec: { ...i.spec, template: { ...i.spec.template, spec: { ...i.spec.template.spec, hostNetwork: true } } } }), "k8s-no-host-namespaces"],
    ["kubernetes:core/v1:Namespace", "rampart-app", (i) => ({ ...i, metadata: { ...i.metadata, labels: { ...i.metadata.labels, "pod-security.kubernetes.io/enforce": "baseline" } } }), "k8s-namespace-pod-security"],
    ["aws:elasticache/replicationGroup:ReplicationGroup", "rampart-redis", (i) => ({ ...i, transitEncryptionEnabled: false }), "elasticache-encrypted-and-authenticated"],
    ["aws:opensearch/domain:Domain", "rampart-search", (i) => ({ ...i, domainEndpointOptions: { enforceHttps: false } }), "opensearch-private-encrypted-fine-grained"],
  ];
  it.each(variants)("%s %s", (type, name, mutate, rule) => {
    const changed = plan.resources.map((r) => (r.type === type && r.name === name ? { ...r, inputs: mutate(structuredClone(r.inputs) as Rec) } : r));
    expect(changed.some((r, i) => r !== plan.resources[i])).toBe(true);
    expect(evaluatePolicies(changed).violations.map((v) => v.policy)).toContain(rule);
  });
  it("without the app namespace's default-deny policy", () => {
    const changed = plan.resources.filter((r) => !(r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "rampart-rampart-app-default-deny"));
    expect(changed.length).toBe(plan.resources.length - 1);
    expect(evaluatePolicies(changed).violations.map((v) => v.message)).toContain('namespace "rampart-app" has no default-deny NetworkPolicy: every pod in it may talk to anything');
  });
});

/**
 * The aws-scale target's Kubernetes layer (components/workloads) applied by the REAL Pulumi engine and the
 * REAL Kubernetes provider to a REAL kube-apiserver (with etcd and kube-controller-manager, Pod Security
 * Admission enforcing), everything around it (EKS, VPC, ElastiCache, OpenSearch, Cloudflare, ACME, random)
 * answered by the engine suite's STAND-IN provider (./support/test-stack.ts). There is no scheduler and no
 * kubelet: pods are admitted or refused, then stay Pending; nothing here runs a container.
 *
 * One control plane and one stack serve the whole file; the tests run in order and build on each other
 * (up, checks, second up, a change, destroy).
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { port, portsFor } from "@rampart/catalogue";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { kubernetesResourceRules, kubernetesStackRules } from "@rampart/policies/rules/kubernetes";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6 } from "../../infra/plan/fixtures";
import { readStackConfig } from "../../infra/plan/stack-config";
import { NAMESPACES, networkPolicies, SERVICE_LABEL, workloadFlows } from "../../components/workloads";
import { MONITORING_STORAGE_CLASS } from "../../components/workloads/monitoring";
import { createStack, findPulumi, secretPlaintexts, startEngine, timed, type Engine, type StackRun } from "../engine/support/engine";
import { built, findEtcd, ROOT, startControlPlane, type ControlPlane } from "./support/control-plane";
import { asPlanResource, Discovery, psaChecks, typeToken, type KubeObject, type ObjectRef } from "./support/objects";
import { SKIP_AWAIT, SKIP_AWAIT_TYPES, testProgram } from "./support/test-stack";

const FROM_STACK = "aws-scale-example";
const STACK = "k8s-suite";
const K8S_RULES = [...kubernetesResourceRules, ...kubernetesStackRules];
const WORKLOADS = { gateway: ["apps/v1", "Deployment", NAMESPACES.app], edge: ["apps/v1", "Deployment", NAMESPACES.app], livekit: ["apps/v1", "DaemonSet", NAMESPACES.media], coturn: ["apps/v1", "DaemonSet", NAMESPACES.media] } as const;
type Workload = keyof typeof WORKLOADS;
const APP_WORKLOADS = ["gateway", "edge"] as const;
const MEDIA_WORKLOADS = ["livekit", "coturn"] as const;

type Pod = { metadata: Record<string, unknown>; spec: PodSpec };
type Ctx = Record<string, unknown> & { capabilities?: { add?: string[]; drop?: string[] }; seccompProfile?: unknown };
type PodSpec = Record<string, unknown> & { securityContext: Ctx; containers: Array<Record<string, unknown> & { name: string; securityContext: Ctx; env?: Array<{ name: string; value?: string }> }> };

/**
 * One container-baseline setting taken away. `psa` is what Pod Security `restricted` names when it
 * refuses it; `rule` is the pack's rule that must report the same pod.
 */
interface Removal {
  setting: string;
  psa: string[];
  rule: string;
  apply(spec: PodSpec): void;
}
const everyContext = (spec: PodSpec) => [spec.securityContext, ...spec.containers.map((c) => c.securityContext)];
const REMOVALS: Removal[] = [
  { setting: "root user (runAsUser 0)", psa: ["runAsUser=0"], rule: "k8s-containers-restricted", apply: (s) => everyContext(s).forEach((c) => (c.runAsUser = 0)) },
  { setting: "runAsNonRoot removed", psa: ["runAsNonRoot != true"], rule: "k8s-containers-restricted", apply: (s) => everyContext(s).forEach((c) => delete c.runAsNonRoot) },
  { setting: "privilege escalation (allowPrivilegeEscalation removed)", psa: ["allowPrivilegeEscalation != false"], rule: "k8s-containers-restricted", apply: (s) => s.containers.forEach((c) => delete c.securityContext.allowPrivilegeEscalation) },
  // NET_ADMIN is outside the runtime's default set too, so the baseline level's check names it as well.
  { setting: "a capability added (NET_ADMIN)", psa: ["unrestricted capabilities"], rule: "k8s-containers-restricted", apply: (s) => s.containers.forEach((c) => (c.securityContext.capabilities = { ...c.securityContext.capabilities, add: ["NET_ADMIN"] })) },
  { setting: "capabilities not dropped (drop ALL removed)", psa: ["unrestricted capabilities"], rule: "k8s-containers-restricted", apply: (s) => s.containers.forEach((c) => delete c.securityContext.capabilities) },
  { setting: "no seccomp profile", psa: ["seccompProfile"], rule: "k8s-containers-restricted", apply: (s) => everyContext(s).forEach((c) => delete c.seccompProfile) },
  // The API refuses privileged together with allowPrivilegeEscalation: false as invalid, before admission.
  {
    setting: "privileged",
    psa: ["allowPrivilegeEscalation != false", "privileged"],
    rule: "k8s-containers-restricted",
    apply: (s) =>
      s.containers.forEach((c) => {
        c.securityContext.privileged = true;
        delete c.securityContext.allowPrivilegeEscalation;
      }),
  },
  { setting: "host PID namespace", psa: ["host namespaces"], rule: "k8s-no-host-namespaces", apply: (s) => (s.hostPID = true) },
];
/** Host networking outside the media namespace: the exception's own setting, refused everywhere else. */
const HOST_NETWORK: Removal = {
  setting: "host network outside the exception namespace",
  psa: ["host namespaces", "hostPort"],
  rule: "k8s-no-host-namespaces",
  apply: (s) => (s.hostNetwork = true),
};
/** What PSA never checks but the pack does: a writable root filesystem (docs/kubernetes.md, README). */
const WRITABLE_ROOT: Removal = { setting: "writable root filesystem", psa: [], rule: "k8s-containers-restricted", apply: (s) => s.containers.forEach((c) => delete c.securityContext.readOnlyRootFilesystem) };

let cp: ControlPlane | undefined;
let engine: Engine | undefined;
let run: StackRun;
let api: Discovery;
/** The stack's Kubernetes objects, from the engine's state. */
let refs: Array<ObjectRef & { urn: string; type: string }> = [];
const engineOutput: string[] = [];
const timings: string[] = [];

function skipOutsideCi(skip: () => void): void {
  if (process.env.CI === "true") throw new Error("the control plane, the engine or the step this test builds on is missing: under CI that is a failure");
  skip();
}

function recorder() {
  const events: EngineEvent[] = [];
  return {
    onEvent: (e: EngineEvent) => events.push(e),
    onOutput: (s: string) => engineOutput.push(s),
    changed: () => [...new Set(events.flatMap((e) => (e.resourcePreEvent && !["same", "read"].includes(e.resourcePreEvent.metadata.op) ? [e.resourcePreEvent.metadata.urn] : [])))].sort(),
  };
}

async function stackRefs(): Promise<typeof refs> {
  const state = await run.stack.exportStack();
  return (state.deployment.resources as Array<{ urn: string; type: string; outputs?: Record<string, unknown> }>)
    .filter((r) => r.type.startsWith("kubernetes:") && r.outputs)
    .map((r) => {
      const o = r.outputs as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
      return { urn: r.urn, type: r.type, apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
    });
}

async function readAll(): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const ref of refs) {
    const o = await api.get(ref);
    if (!o) throw new Error(`${ref.kind} ${ref.namespace ?? ""}/${ref.name} of the stack is not on the API server`);
    out.push({ ...o, apiVersion: ref.apiVersion, kind: ref.kind });
  }
  return out;
}

/**
 * What changes when an object's desired state changes, per object: its `generation` where the API keeps one,
 * else the object without its status and bookkeeping (controllers update status, and with it
 * resourceVersion, on their own: the HPA, which keeps no generation, every 15 s).
 */
async function specVersions(): Promise<Record<string, string>> {
  const desired = (o: KubeObject) => {
    const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata as Record<string, unknown>;
    const { status: _status, ...rest } = o as unknown as Record<string, unknown>;
    return createHash("sha256").update(JSON.stringify({ ...rest, metadata })).digest("hex").slice(0, 16);
  };
  return Object.fromEntries((await readAll()).map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, String(o.metadata.generation ?? `spec ${desired(o)}`)]));
}

async function workload(w: Workload): Promise<KubeObject & { spec: { template: Pod } }> {
  const [apiVersion, kind, namespace] = WORKLOADS[w];
  const o = await api.get({ apiVersion, kind, namespace, name: w });
  if (!o) throw new Error(`${kind} ${namespace}/${w} is not on the API server`);
  return o as KubeObject & { spec: { template: Pod } };
}

/** A Pod of the workload's own template (as the API server holds it), changed by `change`. */
async function podOf(w: Workload, name: string, change?: (s: PodSpec) => void): Promise<KubeObject> {
  const t = structuredClone((await workload(w)).spec.template);
  change?.(t.spec);
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: WORKLOADS[w][2], labels: { "rampart.io/suite": "psa" } }, spec: t.spec };
}

async function createPod(pod: KubeObject, dryRun = false) {
  return cp!.api("POST", `/api/v1/namespaces/${pod.metadata.namespace}/pods${dryRun ? "?dryRun=All" : ""}`, pod);
}

/** The pack's verdict on objects as the API server holds them: "rule: message" per violation. */
function pack(objects: KubeObject[]): string[] {
  return evaluatePolicies(objects.map(asPlanResource), { rules: K8S_RULES }).violations.map((v) => `${v.policy}: ${v.message}`);
}

beforeAll(async () => {
  const pulumi = findPulumi();
  const provider = built("build-kubernetes-provider.sh");
  const kubernetes = built("build-kube-control-plane.sh");
  const etcd = findEtcd();
  if (!pulumi || !provider || !kubernetes || !etcd) return;
  const [plane, startMs] = await timed(() => startControlPlane({ etcd, kubernetes }));
  cp = plane;
  timings.push(`control plane (etcd, kube-apiserver, kube-controller-manager) ready in ${startMs} ms`);
  api = new Discovery(cp);
  engine = await startEngine(pulumi);
  // The stand-ins first, then the real Kubernetes provider, found by the engine as an ambient plugin.
  engine.env.PATH = `${engine.standIns.binDir}:${dirname(provider)}:${process.env.PATH}`;
  // A throwaway stack: its data resources may go (rampart:allowDataDeletion), so destroy can empty it.
  run = await createStack(engine, STACK, FROM_STACK, testProgram(cp.adminKubeconfig), { "rampart:allowDataDeletion": "true" });
});

afterAll(async () => {
  if (timings.length) process.stdout.write(`\nkubernetes suite timings (this run):\n${timings.map((t) => `  ${t}`).join("\n")}\n`);
  // Whatever a failed test left: the stack's objects go with the API server, which stops here.
  await cp?.stop();
  if (engine && process.env.RAMPART_KEEP_ENGINE_DIR !== "1") rmSync(engine.dir, { recursive: true, force: true });
});

describe("the aws-scale Kubernetes layer on a real API server", () => {
  test("up creates every object of the layer, and the API server accepts each", async ({ skip }) => {
    if (!cp || !engine) return skipOutsideCi(skip);
    const up = recorder();
    const [result, ms] = await timed(() => run.stack.up({ onEvent: up.onEvent, onOutput: up.onOutput }));
    timings.push(`first up (stand-ins + real Kubernetes provider) ${ms} ms`);
    expect(result.summary.result).toBe("succeeded");
    refs = await stackRefs();
    const kinds = new Set(refs.map((r) => r.kind));
    for (const k of ["Namespace", "Secret", "ConfigMap", "ServiceAccount", "Deployment", "DaemonSet", "Service", "NetworkPolicy", "PodDisruptionBudget", "HorizontalPodAutoscaler"]) expect(kinds).toContain(k);
    const objects = await readAll();
    expect(objects).toHaveLength(refs.length);
    // Every object is Rampart's, in one of its two namespaces.
    for (const o of objects) {
      if (o.kind === "Namespace") expect(Object.values(NAMESPACES)).toContain(o.metadata.name);
      // The one cluster-scoped object: the monitoring volumes' StorageClass.
      else if (o.kind === "StorageClass") expect(o.metadata.name).toBe(MONITORING_STORAGE_CLASS);
      else expect(Object.values(NAMESPACES)).toContain(o.metadata.namespace);
    }
    // Only the test stack's transform adds skipAwait, and only where the provider would wait for a kubelet.
    for (const o of objects) expect(o.metadata.annotations?.[SKIP_AWAIT] === "true", `${o.kind} ${o.metadata.name}`).toBe(SKIP_AWAIT_TYPES.has(typeToken(o)));
  });

  test("the app namespace enforces restricted and admits the app pods; a pod with one baseline setting removed is refused, for each setting, and the pack reports the same pod", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const ns = await api.get({ apiVersion: "v1", kind: "Namespace", name: NAMESPACES.app });
    expect(ns?.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" });
    for (const w of APP_WORKLOADS) {
      // The workload's own pod: admitted (it stays Pending: no scheduler), with no warning, and the pack agrees.
      const ok = await podOf(w, `psa-${w}-as-deployed`);
      const created = await createPod(ok);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.warnings).toEqual([]);
      expect(pack([created.body as KubeObject])).toEqual([]);
      expect(await cp.api("DELETE", `/api/v1/namespaces/${NAMESPACES.app}/pods/psa-${w}-as-deployed`)).toMatchObject({ status: 200 });

      for (const [i, removal] of [...REMOVALS, HOST_NETWORK].entries()) {
        const bad = await podOf(w, `psa-${w}-${i}`, removal.apply);
        const r = await createPod(bad);
        expect(r.status, `${w}, ${removal.setting}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(403);
        const message = String(r.body.message);
        expect(message).toContain('violates PodSecurity "restricted:latest"');
        // Exactly the check for the setting taken away: the rest of the baseline still holds.
        expect(psaChecks(message).sort(), `${w}, ${removal.setting}: ${message}`).toEqual([...removal.psa].sort());
        // The same object, judged by the pack: refused by the rule that covers the setting.
        expect(pack([bad]).some((v) => v.startsWith(`${removal.rule}:`)), `${w}, ${removal.setting}: pack ${JSON.stringify(pack([bad]))}`).toBe(true);
      }
    }
  });

  test("where PSA and the pack differ: a writable root filesystem passes PSA restricted and only the pack refuses it", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const pod = await podOf("gateway", "psa-gateway-writable-root", WRITABLE_ROOT.apply);
    const r = await createPod(pod, true);
    expect(r.status).toBe(201);
    expect(r.warnings).toEqual([]);
    expect(pack([pod])).toEqual([expect.stringMatching(/^k8s-containers-restricted: .*readOnlyRootFilesystem is not true/)]);
  });

  test("the media namespace's exception is exactly host networking for LiveKit and coturn, and the pack catches what PSA no longer refuses there", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const ns = await api.get({ apiVersion: "v1", kind: "Namespace", name: NAMESPACES.media });
    expect(ns?.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    for (const w of MEDIA_WORKLOADS) {
      const asDeployed = await podOf(w, `psa-${w}-as-deployed`);
      expect(asDeployed.spec).toMatchObject({ hostNetwork: true });
      const admitted = await createPod(asDeployed, true);
      expect(admitted.status).toBe(201);
      // PSA's warning at restricted names the host network (and the host ports it implies) and nothing else.
      expect(admitted.warnings.map((w) => psaChecks(w).sort()), admitted.warnings.join("\n")).toEqual([["host namespaces", "hostPort"]]);
      expect(pack([admitted.body as KubeObject])).toEqual([]);
      // Without the host network (and the host ports the API server filled in for it) the same pod meets
      // restricted in full: that is the whole exception.
      const restricted = await podOf(w, `psa-${w}-without-host-network`, (s) => {
        s.hostNetwork = false;
        delete s.dnsPolicy;
        for (const c of s.containers) for (const p of (c.ports ?? []) as Array<Record<string, unknown>>) delete p.hostPort;
      });
      const strict = await cp.api("POST", `/api/v1/namespaces/${NAMESPACES.media}/pods?dryRun=All`, restricted);
      expect(strict.status).toBe(201);
      expect(strict.warnings).toEqual([]);

      for (const removal of REMOVALS) {
        const bad = await podOf(w, `psa-${w}-bad`, removal.apply);
        const r = await createPod(bad, true);
        // Enforcement is `privileged` here: the API server admits it, and only warns.
        expect(r.status, `${w}, ${removal.setting}`).toBe(201);
        expect(r.warnings.flatMap(psaChecks), `${w}, ${removal.setting}`).toEqual(expect.arrayContaining(removal.psa));
        // Rampart's own rule refuses it.
        expect(pack([bad]).some((v) => v.startsWith(`${removal.rule}:`)), `${w}, ${removal.setting}`).toBe(true);
      }
    }
    // The exception is the media namespace's alone: host networking in the app namespace is refused (above) and reported.
    const elsewhere = await podOf("gateway", "psa-gateway-host-network", HOST_NETWORK.apply);
    expect(pack([elsewhere]).some((v) => v.startsWith("k8s-no-host-namespaces:"))).toBe(true);
  });

  test("every namespace has a default-deny NetworkPolicy, and the allow rules read back are the port catalogue's flows", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const config = readStackConfig(ROOT, FROM_STACK).values;
    const list = (k: string) => JSON.parse(config[`rampart:${k}`]!) as string[];
    const expected = networkPolicies(
      workloadFlows({ publicSubnetCidrs: list("publicSubnetCidrs"), privateSubnetCidrs: list("privateSubnetCidrs"), adminCidrs: list("adminCidrs") }, [...CLOUDFLARE_IPV4, ...CLOUDFLARE_IPV6]),
    );
    const catalogue = portsFor("aws", { platform: "kubernetes" });
    for (const namespace of Object.values(NAMESPACES)) {
      const read = await api.list("networking.k8s.io/v1", "NetworkPolicy", namespace);
      const deny = read.find((p) => p.metadata.name === "default-deny");
      expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      // The allow rules on the API server, as the generator wrote them from the catalogue: nothing lost, nothing added.
      const want = expected.filter((p) => p.namespace === namespace);
      // Besides the catalogue's flows, the monitoring component declares the two that leave the cluster:
      // the blackbox exporter to TURNS, and Alertmanager to its receivers (none in the example stack).
      const external = namespace === NAMESPACES.monitoring ? ["out-blackbox-turns"] : [];
      expect(read.map((p) => p.metadata.name).sort()).toEqual([...want.map((p) => p.name), ...external].sort());
      for (const name of external) {
        expect(read.find((x) => x.metadata.name === name)!.spec).toEqual({
          podSelector: { matchLabels: { "rampart.io/service": "blackbox" } },
          policyTypes: ["Egress"],
          egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }], ports: [{ protocol: "TCP", port: port("turns-tcp").from }] }],
        });
      }
      for (const p of want) {
        const got = read.find((x) => x.metadata.name === p.name)!;
        expect(got.spec, `${namespace}/${p.name}`).toEqual({
          podSelector: p.podSelector,
          policyTypes: p.policyTypes,
          ...(p.ingress ? { ingress: p.ingress } : {}),
          ...(p.egress ? { egress: p.egress } : {}),
        });
      }
      // And each ingress rule opens only a port the catalogue gives the selected service.
      for (const p of read) {
        const service = (p.spec as { podSelector: { matchLabels?: Record<string, string> } }).podSelector.matchLabels?.[SERVICE_LABEL];
        for (const rule of ((p.spec as { ingress?: Array<{ ports: Array<{ port: number; protocol: string }> }> }).ingress ?? [])) {
          for (const port of rule.ports) {
            const own = catalogue.filter((c) => c.service === service && c.protocol.toUpperCase() === port.protocol);
            // The edge's catalogue port 443 is served by the pod's 8443 (the Service maps it).
            expect(own.some((c) => (c.from <= port.port && port.port <= c.to) || (c.id === "edge-https" && port.port === 8443)), `${namespace}/${p.metadata.name} ${port.protocol}/${port.port}`).toBe(true);
          }
        }
      }
    }
    // The pack's stack rule agrees on what the API server holds.
    expect(pack(await readAll()).filter((v) => v.startsWith("k8s-namespace-default-deny"))).toEqual([]);
  });

  test("Secrets hold exactly what the pods mount, and no secret value is in a pod spec, an env var, another object, the state file or the engine's output", async ({ skip }) => {
    if (!cp || !engine || !refs.length) return skipOutsideCi(skip);
    // The Automation API's export shows secrets: only to learn the values to look for. Certificates are
    // public (the TURN certificate is a ConfigMap file).
    const shown = await run.stack.exportStack();
    const plaintexts = [...new Set(secretPlaintexts(shown.deployment).filter((s) => s.length >= 12 && !s.startsWith("-----BEGIN CERTIFICATE-----")))];
    expect(plaintexts.length).toBeGreaterThan(10);
    const objects = await readAll();
    for (const w of Object.keys(WORKLOADS) as Workload[]) {
      const spec = (await workload(w)).spec.template.spec as PodSpec & { volumes: Array<{ name: string; projected?: { sources: Array<{ secret?: { name: string; items: Array<{ key: string }> } }> } }> };
      const projected = spec.volumes.flatMap((v) => v.projected?.sources.flatMap((s) => (s.secret ? [s.secret] : [])) ?? []);
      expect(projected, w).toHaveLength(1);
      const { name, items } = projected[0]!;
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.namespace === WORKLOADS[w][2] && o.metadata.name === name) as (KubeObject & { data: Record<string, string> }) | undefined;
      expect(secret, `${w}'s Secret ${name}`).toBeDefined();
      // The Secret holds exactly the files the pod mounts, each a value Pulumi kept secret.
      expect(Object.keys(secret!.data).sort(), w).toEqual(items.map((i) => i.key).sort());
      for (const [key, b64] of Object.entries(secret!.data)) {
        const value = Buffer.from(b64, "base64").toString("utf8");
        expect(value.length, `${w} ${key}`).toBeGreaterThan(0);
        expect(plaintexts.some((p) => p === value || p === b64), `${w} ${key} is a Pulumi secret`).toBe(true);
      }
      for (const c of spec.containers) {
        expect(c.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ name: "secrets", readOnly: true })]));
        expect(c.envFrom ?? []).toEqual([]);
        for (const e of c.env ?? []) expect(e, `${w} env ${e.name}`).not.toHaveProperty("valueFrom.secretKeyRef");
      }
    }
    // Each secret value appears nowhere in plain text: not in any non-Secret object the API server holds (pod
    // specs, env vars, ConfigMaps, annotations), not in the state file, not in anything the engine printed.
    const stateFile = readFileSync(findStateFile(engine.backend), "utf8");
    const plain = JSON.stringify(objects.filter((o) => o.kind !== "Secret"));
    const printed = engineOutput.join("");
    expect(printed.length).toBeGreaterThan(0);
    // As written and as a JSON string holds it (a PEM's line breaks escaped).
    const found = (text: string) => plaintexts.filter((p) => text.includes(p) || text.includes(JSON.stringify(p).slice(1, -1))).map((p) => `${p.slice(0, 12)}… (${p.length} chars)`);
    expect(found(plain), "secret values in non-Secret objects").toEqual([]);
    expect(found(stateFile), "secret values in the state file").toEqual([]);
    expect(found(printed), "secret values in the engine's output").toEqual([]);
  });

  test("RBAC: the workloads' service accounts can do nothing against the API", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const accounts = refs.filter((r) => r.kind === "ServiceAccount");
    expect(accounts.map((a) => `${a.namespace}/${a.name}`).sort()).toEqual([
      "rampart-app/edge",
      "rampart-app/gateway",
      "rampart-media/coturn",
      "rampart-media/livekit",
      "rampart-monitoring/alertmanager",
      "rampart-monitoring/blackbox",
      "rampart-monitoring/grafana",
      "rampart-monitoring/prometheus",
    ]);
    const checks: Array<{ verb: string; group: string; resource: string }> = [];
    for (const verb of ["get", "list", "watch", "create", "update", "patch", "delete"]) {
      for (const [group, resource] of [["", "pods"], ["", "secrets"], ["", "configmaps"], ["", "serviceaccounts"], ["", "services"], ["", "endpoints"], ["apps", "deployments"], ["apps", "daemonsets"], ["networking.k8s.io", "networkpolicies"], ["", "namespaces"], ["", "nodes"]] as const) {
        checks.push({ verb, group, resource });
      }
    }
    for (const sa of accounts) {
      const as = { user: `system:serviceaccount:${sa.namespace}:${sa.name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${sa.namespace}`, "system:authenticated"] };
      for (const c of checks) {
        for (const namespace of [sa.namespace!, ""]) {
          const r = await cp.api("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { ...c, ...(namespace ? { namespace } : {}) } } }, as);
          expect(r.status).toBe(201);
          expect((r.body.status as { allowed: boolean }).allowed, `${as.user} may ${c.verb} ${c.resource} in ${namespace || "the cluster"}`).toBe(false);
        }
      }
      // The rules it holds in its namespace are the ones every authenticated user has: asking what it may do.
      const rules = await cp.api("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace: sa.namespace } }, as);
      const resourceRules = (rules.body.status as { resourceRules: Array<{ verbs: string[]; apiGroups: string[]; resources: string[] }> }).resourceRules;
      expect(resourceRules.flatMap((r) => r.resources.map((res) => `${r.apiGroups.join(",")}/${res}:${r.verbs.join(",")}`)).sort()).toEqual([
        "authentication.k8s.io/selfsubjectreviews:create",
        "authorization.k8s.io/selfsubjectaccessreviews:create",
        "authorization.k8s.io/selfsubjectrulesreviews:create",
      ]);
      // And the API server acts on it: reading its own namespace's Secrets is forbidden.
      expect((await cp.api("GET", `/api/v1/namespaces/${sa.namespace}/secrets`, undefined, as)).status).toBe(403);
    }
  });

  test("the pack judges every object the API server holds and finds nothing to refuse", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const objects = await readAll();
    expect(objects.filter((o) => ["Deployment", "DaemonSet", "Namespace", "NetworkPolicy"].includes(o.kind)).length).toBeGreaterThan(20);
    expect(pack(objects)).toEqual([]);
  });

  test("a second up changes nothing, on the engine and on the API server", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const before = await specVersions();
    const up = recorder();
    const [result, ms] = await timed(() => run.stack.up({ onEvent: up.onEvent, onOutput: up.onOutput }));
    timings.push(`second up (no change) ${ms} ms`);
    expect(up.changed()).toEqual([]);
    expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
    expect(await specVersions()).toEqual(before);
  });

  test("a change of one workload's setting updates only that workload", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const before = await specVersions();
    const was = Number(readStackConfig(ROOT, FROM_STACK).values["rampart:livekitMemoryMiB"]);
    await run.stack.setConfig("rampart:livekitMemoryMiB", { value: String(was - 1024) });
    const up = recorder();
    const [, ms] = await timed(() => run.stack.up({ onEvent: up.onEvent, onOutput: up.onOutput }));
    timings.push(`up after one setting changed ${ms} ms`);
    const livekit = refs.find((r) => r.kind === "DaemonSet" && r.name === "livekit")!;
    expect(up.changed()).toEqual([livekit.urn]);
    const after = await specVersions();
    expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(["DaemonSet/rampart-media/livekit"]);
    const ds = (await workload("livekit")).spec.template.spec as PodSpec & { containers: Array<{ resources: { limits: { memory: string } } }> };
    // The API server stores a quantity in its canonical form (15360Mi reads back as 15Gi).
    const mib = was - 1024;
    expect(ds.containers[0]!.resources.limits.memory).toBe(mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`);
  });

  test("destroy leaves no object of the stack on the API server", async ({ skip }) => {
    if (!cp || !refs.length) return skipOutsideCi(skip);
    const down = recorder();
    const [, ms] = await timed(() => run.stack.destroy({ onEvent: down.onEvent, onOutput: down.onOutput }));
    timings.push(`destroy ${ms} ms`);
    for (const ref of refs) expect(await api.get(ref), `${ref.kind} ${ref.namespace ?? ""}/${ref.name}`).toBeUndefined();
    const namespaces = (await api.list("v1", "Namespace")).map((n) => n.metadata.name);
    for (const ns of Object.values(NAMESPACES)) expect(namespaces).not.toContain(ns);
  });
});

/** The file backend's state file of the stack (the engine writes it under .pulumi/stacks/<project>/). */
function findStateFile(backend: string): string {
  const dir = join(backend, ".pulumi", "stacks", "rampart");
  const file = readdirSync(dir).find((f) => f === `${STACK}.json`);
  if (!file) throw new Error(`no state file for ${STACK} in ${dir}: ${readdirSync(dir).join(", ")}`);
  return join(dir, file);
}

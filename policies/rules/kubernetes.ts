import type { PolicyResource } from "@pulumi/policy";
import { configOf, type Profile, type ResourceRule, type StackRule } from "./rule";
import { K, WORKLOAD_TYPES } from "./scale-types";
import { asArray, asNumber, asRecords, asString, asStrings, isMasked, isRecord } from "./values";

/** The pod spec of a workload: a Pod's spec, or a controller's spec.template.spec. */
export function podSpecOf(type: string, props: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = isRecord(props.spec) ? props.spec : undefined;
  if (!spec) return undefined;
  if (type === K.pod) return spec;
  const template = isRecord(spec.template) ? spec.template : undefined;
  return template && isRecord(template.spec) ? template.spec : undefined;
}

const namespaceOf = (props: Record<string, unknown>) => (isRecord(props.metadata) ? asString(props.metadata.namespace) : undefined) ?? "default";

function containersOf(pod: Record<string, unknown>): Array<{ where: string; c: Record<string, unknown> }> {
  return [
    ...asRecords(pod.containers).map((c, i) => ({ where: `containers[${i}] (${asString(c.name) ?? "?"})`, c })),
    ...asRecords(pod.initContainers).map((c, i) => ({ where: `initContainers[${i}] (${asString(c.name) ?? "?"})`, c })),
  ];
}

const ctx = (r: Record<string, unknown>) => (isRecord(r.securityContext) ? r.securityContext : {});

/** Capabilities Pod Security `restricted` allows a container to add. */
const RESTRICTED_ADDS = new Set(["NET_BIND_SERVICE"]);

export const k8sRestrictedContainers: ResourceRule = {
  kind: "resource",
  name: "k8s-containers-restricted",
  description:
    "Every container of a workload meets the container baseline and Pod Security `restricted`: numeric non-root uid, no privilege escalation, not privileged, read-only root filesystem, capabilities drop ALL (add only NET_BIND_SERVICE), seccomp RuntimeDefault.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set each container's securityContext { runAsNonRoot: true, runAsUser: <uid > 0>, allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: [\"ALL\"] }, seccompProfile: { type: \"RuntimeDefault\" } }.",
  anchors: {
    cis: "CIS EKS Benchmark v1.5.0 4.2.1; CIS EKS Benchmark v1.5.0 4.2.5; CIS Kubernetes Benchmark v1.5 5.2.5; CIS Kubernetes Benchmark v1.5 5.2.6; CIS Kubernetes Benchmark v1.5 5.2.9; CIS Kubernetes Benchmark v1.5 5.7.2",
    checkov: "CKV_K8S_20; CKV_K8S_22; CKV_K8S_23; CKV_K8S_31; CKV_K8S_37",
    guide: "docs/container-baseline.md; https://kubernetes.io/docs/concepts/security/pod-security-standards/",
  },
  resourceTypes: WORKLOAD_TYPES,
  validateResource: (args, report) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    const podCtx = ctx(pod);
    const podSeccomp = isRecord(podCtx.seccompProfile) ? asString(podCtx.seccompProfile.type) : undefined;
    for (const { where, c } of containersOf(pod)) {
      const s = ctx(c);
      const nonRoot = s.runAsNonRoot ?? podCtx.runAsNonRoot;
      const uid = asNumber(s.runAsUser ?? podCtx.runAsUser);
      if (nonRoot !== true) report(`${where}: runAsNonRoot is not true`);
      if (uid === undefined || uid === 0) report(`${where}: runAsUser is ${uid ?? "unset"}; run as a numeric uid other than 0`);
      if (s.allowPrivilegeEscalation !== false) report(`${where}: allowPrivilegeEscalation is not false`);
      if (s.privileged === true) report(`${where}: privileged is true`);
      if (s.readOnlyRootFilesystem !== true) report(`${where}: readOnlyRootFilesystem is not true`);
      const caps = isRecord(s.capabilities) ? s.capabilities : {};
      if (!asStrings(caps.drop).includes("ALL")) report(`${where}: capabilities.drop does not include ALL`);
      const extra = asStrings(caps.add).filter((a) => !RESTRICTED_ADDS.has(a.replace(/^CAP_/, "")));
      if (extra.length) report(`${where}: adds capabilities ${extra.join(", ")} (restricted allows only NET_BIND_SERVICE)`);
      const seccomp = (isRecord(s.seccompProfile) ? asString(s.seccompProfile.type) : undefined) ?? podSeccomp;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") report(`${where}: seccompProfile is ${seccomp ?? "unset"}; set RuntimeDefault`);
    }
  },
};

export const k8sResourcesAndProbes: ResourceRule = {
  kind: "resource",
  name: "k8s-containers-limited-and-probed",
  description: "Every container of a workload has CPU and memory requests and limits, and a readiness and a liveness probe (the baseline's limits and healthcheck).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set resources { requests: { cpu, memory }, limits: { cpu, memory } } and readinessProbe and livenessProbe on each container.",
  anchors: { checkov: "CKV_K8S_13; CKV_K8S_9", guide: "docs/container-baseline.md; https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/" },
  resourceTypes: WORKLOAD_TYPES,
  validateResource: (args, report) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    asRecords(pod.containers).forEach((c, i) => {
      const where = `containers[${i}] (${asString(c.name) ?? "?"})`;
      const r = isRecord(c.resources) ? c.resources : {};
      for (const kind of ["requests", "limits"] as const) {
        const set = isRecord(r[kind]) ? r[kind] : {};
        const missing = ["cpu", "memory"].filter((k) => set[k] === undefined);
        if (missing.length) report(`${where}: resources.${kind} lacks ${missing.join(" and ")}`);
      }
      if (!isRecord(c.readinessProbe)) report(`${where}: no readinessProbe`);
      if (!isRecord(c.livenessProbe)) report(`${where}: no livenessProbe`);
    });
  },
};

export const k8sSecretsAsFiles: ResourceRule = {
  kind: "resource",
  name: "k8s-secrets-as-files",
  description: "Secrets reach containers only as read-only mounted files: no env valueFrom.secretKeyRef, no envFrom secretRef, no writable secret mount.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Mount the Secret as a projected (or secret) volume with readOnly: true and pass the file's path (e.g. REDIS_PASSWORD_FILE=/run/secrets/redis-password).",
  anchors: { cis: "CIS EKS Benchmark v1.5.0 4.4.1; CIS Kubernetes Benchmark v1.5 5.4.1", checkov: "CKV_K8S_35", guide: "docs/kubernetes.md" },
  resourceTypes: WORKLOAD_TYPES,
  validateResource: (args, report) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    const secretVolumes = new Set(
      asRecords(pod.volumes)
        .filter((v) => isRecord(v.secret) || (isRecord(v.projected) && asRecords(v.projected.sources).some((s) => isRecord(s.secret))))
        .map((v) => asString(v.name)),
    );
    for (const { where, c } of containersOf(pod)) {
      asRecords(c.env).forEach((e) => {
        if (isRecord(e.valueFrom) && isRecord(e.valueFrom.secretKeyRef)) report(`${where}: env ${asString(e.name) ?? "?"} comes from a Secret; mount it as a file`);
      });
      if (asRecords(c.envFrom).some((e) => isRecord(e.secretRef))) report(`${where}: envFrom a Secret puts every key in the environment; mount it as files`);
      asRecords(c.volumeMounts).forEach((m) => {
        if (secretVolumes.has(asString(m.name)) && m.readOnly !== true) report(`${where}: secret volume ${asString(m.name)} is mounted without readOnly: true`);
      });
    }
  },
};

export const k8sServiceAccountToken: ResourceRule = {
  kind: "resource",
  name: "k8s-service-account-token-not-mounted",
  description: "Workloads do not mount a service account token (automountServiceAccountToken: false): none of Rampart's services talks to the Kubernetes API.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Set spec.automountServiceAccountToken: false on the pod template (and on its ServiceAccount).",
  anchors: { cis: "CIS EKS Benchmark v1.5.0 4.1.6; CIS Kubernetes Benchmark v1.5 5.1.6", checkov: "CKV_K8S_38", kics: "Service Account Token Automount Not Disabled (48471392)" },
  resourceTypes: WORKLOAD_TYPES,
  validateResource: (args, report) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    if (pod.automountServiceAccountToken !== false) report("automountServiceAccountToken is not false: every container can read a token for the Kubernetes API");
  },
};

interface HostNamespaceConfig {
  /** Namespaces whose pods may use the host network (the named host-network exception). */
  hostNetworkNamespaces: string[];
}
const HOST_DEFAULTS: HostNamespaceConfig = { hostNetworkNamespaces: ["rampart-media"] };
/** Rampart's media namespace is an exception only in Rampart's own stacks; any other program names its own. */
const hostDefaults = (profile: Profile | undefined): HostNamespaceConfig => (profile === "baseline" ? { hostNetworkNamespaces: [] } : HOST_DEFAULTS);

export const k8sHostNamespaces: ResourceRule = {
  kind: "resource",
  name: "k8s-no-host-namespaces",
  description:
    "No workload shares the host's PID or IPC namespace or mounts a hostPath; the host network is used only in the namespaces of the host-network exception (default rampart-media: LiveKit and coturn).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove hostPID, hostIPC and hostPath volumes; run host-networked media only in the exception namespace (policy config hostNetworkNamespaces).",
  anchors: { cis: "CIS EKS Benchmark v1.5.0 4.2.2; CIS EKS Benchmark v1.5.0 4.2.3; CIS EKS Benchmark v1.5.0 4.2.4", guide: "docs/container-baseline.md; docs/kubernetes.md" },
  configSchema: { properties: { hostNetworkNamespaces: { type: "array", items: { type: "string" }, default: HOST_DEFAULTS.hostNetworkNamespaces } } },
  resourceTypes: WORKLOAD_TYPES,
  validateResource: (args, report, ctx) => {
    const pod = podSpecOf(args.type, args.props);
    if (!pod) return;
    const cfg = configOf(args, hostDefaults(ctx?.profile));
    if (pod.hostPID === true) report("hostPID is true: the pod sees and can signal every process of the node");
    if (pod.hostIPC === true) report("hostIPC is true");
    for (const v of asRecords(pod.volumes)) if (isRecord(v.hostPath)) report(`volume ${asString(v.name) ?? "?"} is a hostPath`);
    const ns = namespaceOf(args.props);
    if (pod.hostNetwork === true && !cfg.hostNetworkNamespaces.includes(ns)) {
      report(
        cfg.hostNetworkNamespaces.length
          ? `hostNetwork is true in namespace "${ns}"; only ${cfg.hostNetworkNamespaces.join(", ")} hold the host-network exception`
          : `hostNetwork is true in namespace "${ns}"; no namespace is configured for the host-network exception (hostNetworkNamespaces)`,
      );
    }
  },
};

const PSA = "pod-security.kubernetes.io";

export const k8sNamespacePodSecurity: ResourceRule = {
  kind: "resource",
  name: "k8s-namespace-pod-security",
  description:
    "Every namespace enforces Pod Security `restricted`; an exception namespace (host networking) may enforce a lower level only while auditing and warning at `restricted`, with Rampart's rules checking the rest.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: `Label the namespace ${PSA}/enforce: restricted (and ${PSA}/audit, ${PSA}/warn); an exception namespace listed in hostNetworkNamespaces keeps audit and warn at restricted.`,
  anchors: { cis: "CIS EKS Benchmark v1.5.0 4.2.1", guide: "https://kubernetes.io/docs/concepts/security/pod-security-admission/" },
  configSchema: { properties: { hostNetworkNamespaces: { type: "array", items: { type: "string" }, default: HOST_DEFAULTS.hostNetworkNamespaces } } },
  resourceTypes: [K.namespace],
  validateResource: (args, report, ctx) => {
    const meta = isRecord(args.props.metadata) ? args.props.metadata : {};
    const name = asString(meta.name) ?? args.name;
    const labels = isRecord(meta.labels) ? meta.labels : {};
    const cfg = configOf(args, hostDefaults(ctx?.profile));
    const enforce = labels[`${PSA}/enforce`];
    if (isMasked(enforce)) return;
    if (cfg.hostNetworkNamespaces.includes(name)) {
      if (enforce === undefined) report(`namespace "${name}" has no ${PSA}/enforce label`);
      for (const mode of ["audit", "warn"]) {
        if (labels[`${PSA}/${mode}`] !== "restricted") report(`exception namespace "${name}": ${PSA}/${mode} is ${JSON.stringify(labels[`${PSA}/${mode}`] ?? "unset")}; it must stay "restricted"`);
      }
      return;
    }
    if (enforce !== "restricted") report(`namespace "${name}": ${PSA}/enforce is ${JSON.stringify(enforce ?? "unset")}; it must be "restricted"`);
  },
};

function isDefaultDeny(p: PolicyResource): boolean {
  const spec = isRecord(p.props.spec) ? p.props.spec : {};
  const selector = isRecord(spec.podSelector) ? spec.podSelector : {};
  const labels = isRecord(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
  const selectsAll = labels === 0 && asArray(selector.matchExpressions).length === 0;
  const types = new Set(asStrings(spec.policyTypes));
  return selectsAll && types.has("Ingress") && types.has("Egress") && asArray(spec.ingress).length === 0 && asArray(spec.egress).length === 0;
}

export const k8sDefaultDeny: StackRule = {
  kind: "stack",
  name: "k8s-namespace-default-deny",
  description: "Every namespace the program creates has a default-deny NetworkPolicy (all pods, Ingress and Egress, no rule); flows are then allowed one by one.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Add a NetworkPolicy { podSelector: {}, policyTypes: [\"Ingress\", \"Egress\"] } to each namespace, then allow only the flows each workload needs.",
  anchors: { cis: "CIS EKS Benchmark v1.5.0 4.3.2", guide: "docs/exposure-classes.md; https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies" },
  validateStack: (args, report) => {
    const namespaces = args.resources.filter((r) => r.type === K.namespace);
    if (namespaces.length === 0) args.notApplicable("the stack creates no Kubernetes namespace");
    const denied = new Set(args.resources.filter((r) => r.type === K.networkPolicy && isDefaultDeny(r)).map((r) => namespaceOf(r.props)));
    for (const ns of namespaces) {
      const meta = isRecord(ns.props.metadata) ? ns.props.metadata : {};
      const name = asString(meta.name) ?? ns.name;
      if (!denied.has(name)) report(`namespace "${name}" has no default-deny NetworkPolicy: every pod in it may talk to anything`, ns.urn);
    }
  },
};

export const kubernetesResourceRules: readonly ResourceRule[] = [
  k8sRestrictedContainers,
  k8sResourcesAndProbes,
  k8sSecretsAsFiles,
  k8sServiceAccountToken,
  k8sHostNamespaces,
  k8sNamespacePodSecurity,
];
export const kubernetesStackRules: readonly StackRule[] = [k8sDefaultDeny];

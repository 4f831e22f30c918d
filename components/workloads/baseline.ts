/**
 * How each row of the container baseline (components/containers/baseline.ts) is rendered on Kubernetes.
 * HardenedContainer renders the same rows for Docker; this table is the second renderer's key, and a test
 * insists every baseline row has an entry here, so a row added to the baseline cannot be forgotten on
 * Kubernetes. `field` names where the pod spec (./pod-spec.ts) or the node (components/cluster) applies it.
 */
import type { BaselineSetting } from "../containers/baseline";

export interface KubernetesRendering {
  /** The Pod/container field, or the cluster-level setting, that carries the row. */
  readonly field: string;
  /** What Kubernetes enforces for it. */
  readonly rule: string;
}

export const KUBERNETES_BASELINE: Readonly<Record<BaselineSetting["id"], KubernetesRendering>> = {
  "non-root-user": { field: "securityContext.runAsNonRoot, runAsUser, runAsGroup", rule: "true, the service's numeric uid:gid (never 0)" },
  "read-only-root": { field: "containers[].securityContext.readOnlyRootFilesystem", rule: "true; writable paths are emptyDir volumes" },
  "scratch-noexec": { field: "volumes[].emptyDir", rule: "memory-backed with a sizeLimit (Kubernetes offers no noexec option for emptyDir: residual, docs/kubernetes.md)" },
  "drop-all-capabilities": { field: "containers[].securityContext.capabilities", rule: "drop [\"ALL\"]; add only NET_BIND_SERVICE, by exception" },
  "never-privileged": { field: "containers[].securityContext.privileged", rule: "false" },
  "no-new-privileges": { field: "containers[].securityContext.allowPrivilegeEscalation", rule: "false (the kernel's no_new_privs)" },
  "confined": { field: "securityContext.seccompProfile", rule: "RuntimeDefault" },
  "memory-limit": { field: "containers[].resources", rule: "memory request = limit (Guaranteed QoS; Kubernetes nodes run without swap)" },
  "cpu-limit": { field: "containers[].resources", rule: "cpu request = limit" },
  "process-limit": { field: "node kubelet podPidsLimit (launch template NodeConfig)", rule: "a PIDs limit per pod, which Docker's provider could not set" },
  "no-host-namespaces": { field: "spec.hostPID, hostIPC, hostUsers", rule: "hostPID and hostIPC false" },
  "own-network": { field: "spec.hostNetwork", rule: "false; true only by the host-network exception (media namespace)" },
  "no-host-mounts": { field: "volumes[]", rule: "configMap, projected secret and emptyDir only: no hostPath" },
  "no-devices": { field: "volumes[], securityContext", rule: "no hostPath device, never privileged" },
  "secrets-as-files": { field: "volumes[].projected (Secret)", rule: "read-only projected files, mode 0400, group = the service gid; never env or envFrom" },
  "bound-ports": { field: "NetworkPolicy, node security groups", rule: "default-deny per namespace, then only the catalogue's flows" },
  "unprivileged-ports": { field: "containers[].ports", rule: "no containerPort below 1024 (the Service maps 443 onto the pod's 8443)" },
  "healthcheck": { field: "containers[].readinessProbe, livenessProbe", rule: "both set" },
  "restart-policy": { field: "spec.restartPolicy", rule: "Always, with the kubelet's back-off (controllers replace failing pods)" },
  "rotated-logs": { field: "node kubelet containerLogMaxSize/containerLogMaxFiles (launch template NodeConfig)", rule: "the kubelet rotates container logs at the sizes HardenedContainer uses" },
  "init": { field: "spec.shareProcessNamespace", rule: "false; the container runtime reaps through its shim, signals reach PID 1" },
  "pinned-image": { field: "containers[].image", rule: "an exact version tag and/or sha256 digest (the same images.ts pins)" },
};

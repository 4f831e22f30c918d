/**
 * The container baseline as a Pod spec: a pure function from a workload's description to the PodSpec,
 * applying the same values HardenedContainer applies (components/containers/baseline.ts BASELINE_VALUES,
 * EXCEPTIONS, and the uids of images.ts). A relaxation needs its named exception, as on Docker.
 */
import type * as k8s from "@pulumi/kubernetes";
import { port, type ServiceName } from "@rampart/catalogue";
import { BASELINE_VALUES, exceptionOf, type ServiceExceptionId } from "../containers/baseline";
import { SECRETS_DIR } from "../containers/container-args";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;

export interface WorkloadFiles {
  /**
   * ConfigMap name, mounted read-only at `dir`. `files` are its keys; `paths` places a key at a relative
   * path below `dir` (ConfigMap keys cannot hold a `/`, Grafana's provisioning tree needs one).
   */
  readonly configMap?: { readonly name: string; readonly dir: string; readonly files: readonly string[]; readonly paths?: Readonly<Record<string, string>> };
  /** Secret name, projected read-only (0400) under /run/secrets. */
  readonly secret?: { readonly name: string; readonly files: readonly string[] };
}

export interface WorkloadSpec {
  readonly service: ServiceName;
  readonly image: string;
  readonly uid: number;
  readonly gid: number;
  /** Catalogue ids of the ports the container listens on, or explicit container ports (e.g. the edge's 8443). */
  readonly ports: ReadonlyArray<{ readonly name: string; readonly containerPort: number; readonly protocol: "TCP" | "UDP" }>;
  readonly command?: readonly string[];
  /** Plain environment (never a secret: secrets are files). */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment from the downward API (e.g. NODE_IP <- status.hostIP). */
  readonly fieldEnv?: Readonly<Record<string, string>>;
  readonly files: WorkloadFiles;
  /** Writable scratch: path -> size in MiB (memory-backed emptyDir). */
  readonly scratch: Readonly<Record<string, number>>;
  /** Persistent data: the StatefulSet's volume claim template `data`, mounted here (the only writable disk). */
  readonly data?: { readonly mountPath: string };
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly probe: { readonly kind: "http"; readonly path: string; readonly port: number; readonly scheme?: "HTTP" | "HTTPS" } | { readonly kind: "tcp"; readonly port: number };
  readonly exceptions?: readonly ServiceExceptionId[];
  readonly hostNetwork?: boolean;
  readonly serviceAccountName: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations?: k8s.types.input.core.v1.Toleration[];
  /** Spread or separate pods of the same workload across nodes and zones. */
  readonly affinity?: k8s.types.input.core.v1.Affinity;
  readonly topologySpreadConstraints?: k8s.types.input.core.v1.TopologySpreadConstraint[];
}

/** Why a workload spec is refused: each message names the field and the fix. */
export function workloadProblems(w: WorkloadSpec): string[] {
  const problems: string[] = [];
  const exceptions = new Set(w.exceptions ?? []);
  for (const id of exceptions) exceptionOf(id);
  if (w.uid === 0) problems.push(`${w.service}: uid 0 (root); run as the service's numeric non-root uid`);
  if (w.gid === 0) problems.push(`${w.service}: gid 0 (root's group); run as the service's own numeric gid`);
  if (w.hostNetwork && !exceptions.has("host-network")) problems.push(`${w.service}: hostNetwork needs the "host-network" exception`);
  if (!w.hostNetwork && exceptions.has("host-network")) problems.push(`${w.service}: names the "host-network" exception but does not use the host network; drop it`);
  for (const p of w.ports) {
    if (p.containerPort < 1024 && !exceptions.has("net-bind-service")) {
      problems.push(`${w.service}: containerPort ${p.containerPort} is privileged; listen on a port >= 1024 and map it in the Service, or name "net-bind-service"`);
    }
  }
  for (const [name] of Object.entries(w.env ?? {})) {
    if (/SECRET|PASSWORD|TOKEN|KEY$/i.test(name) && !name.endsWith("_FILE") && name !== "LIVEKIT_API_KEY") {
      problems.push(`${w.service}: env ${name} looks like a secret; mount it as a file under ${SECRETS_DIR} and pass its path in ${name}_FILE`);
    }
  }
  if (w.memoryMiB <= 0 || w.cpus <= 0) problems.push(`${w.service}: memory and CPU limits are required`);
  return problems;
}

function probe(w: WorkloadSpec, initialDelaySeconds: number): Probe {
  const action =
    w.probe.kind === "http"
      ? { httpGet: { path: w.probe.path, port: w.probe.port, scheme: w.probe.scheme ?? "HTTP" } }
      : { tcpSocket: { port: w.probe.port } };
  return { ...action, initialDelaySeconds, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 3 };
}

/** The hardened PodSpec of a workload; throws with every problem named. */
export function hardenedPodSpec(w: WorkloadSpec): PodSpec {
  const problems = workloadProblems(w);
  if (problems.length) throw new Error(`hardenedPodSpec: ${problems.join("; ")}`);
  const exceptions = new Set(w.exceptions ?? []);

  const volumes: k8s.types.input.core.v1.Volume[] = [];
  const mounts: k8s.types.input.core.v1.VolumeMount[] = [];
  if (w.files.configMap) {
    const paths = w.files.configMap.paths;
    volumes.push({
      name: "config",
      configMap: {
        name: w.files.configMap.name,
        defaultMode: 0o444,
        ...(paths ? { items: w.files.configMap.files.map((key) => ({ key, path: paths[key] ?? key })) } : {}),
      },
    });
    mounts.push({ name: "config", mountPath: w.files.configMap.dir, readOnly: true });
  }
  if (w.files.secret) {
    // Projected, read-only, owner-only: with fsGroup the kubelet hands the files to the service's group.
    volumes.push({
      name: "secrets",
      projected: { defaultMode: 0o400, sources: [{ secret: { name: w.files.secret.name, items: w.files.secret.files.map((f) => ({ key: f, path: f })) } }] },
    });
    mounts.push({ name: "secrets", mountPath: SECRETS_DIR, readOnly: true });
  }
  // The claim's volume comes from the StatefulSet's template, so the pod declares only the mount.
  if (w.data) mounts.push({ name: "data", mountPath: w.data.mountPath });
  Object.entries(w.scratch).forEach(([path, sizeMiB], i) => {
    volumes.push({ name: `scratch-${i}`, emptyDir: { medium: "Memory", sizeLimit: `${sizeMiB}Mi` } });
    mounts.push({ name: `scratch-${i}`, mountPath: path });
  });

  const resources = { cpu: String(w.cpus), memory: `${w.memoryMiB}Mi` };
  const container: Container = {
    name: w.service,
    image: w.image,
    imagePullPolicy: "IfNotPresent",
    ...(w.command ? { command: [...w.command] } : {}),
    env: [
      ...Object.entries(w.env ?? {}).map(([name, value]) => ({ name, value })),
      ...Object.entries(w.fieldEnv ?? {}).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
    ],
    ports: w.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol })),
    resources: { requests: resources, limits: resources },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: w.uid,
      runAsGroup: w.gid,
      readOnlyRootFilesystem: BASELINE_VALUES.readOnly,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: {
        drop: [...BASELINE_VALUES.capabilityDrops],
        ...(exceptions.has("net-bind-service") ? { add: ["NET_BIND_SERVICE"] } : {}),
      },
      seccompProfile: { type: "RuntimeDefault" },
    },
    readinessProbe: probe(w, 5),
    livenessProbe: probe(w, 30),
    volumeMounts: mounts,
    terminationMessagePolicy: "FallbackToLogsOnError",
  };

  return {
    serviceAccountName: w.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    hostNetwork: w.hostNetwork === true,
    // The host network's DNS would be the node's; the cluster's resolver keeps Service names working.
    ...(w.hostNetwork ? { dnsPolicy: "ClusterFirstWithHostNet" } : {}),
    hostPID: false,
    hostIPC: false,
    shareProcessNamespace: false,
    restartPolicy: "Always",
    terminationGracePeriodSeconds: BASELINE_VALUES.destroyGraceSeconds,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: w.uid,
      runAsGroup: w.gid,
      fsGroup: w.gid,
      seccompProfile: { type: "RuntimeDefault" },
    },
    nodeSelector: { ...w.nodeSelector },
    ...(w.tolerations ? { tolerations: w.tolerations } : {}),
    ...(w.affinity ? { affinity: w.affinity } : {}),
    ...(w.topologySpreadConstraints ? { topologySpreadConstraints: w.topologySpreadConstraints } : {}),
    containers: [container],
    volumes,
  };
}

/** A named container port from the catalogue. */
export function cataloguePort(id: string, name: string = id.slice(0, 15)): WorkloadSpec["ports"][number] {
  const p = port(id);
  if (p.from !== p.to) throw new Error(`cataloguePort: ${id} is a range (${p.from}-${p.to}); ranges are served on the host network, not as container ports`);
  return { name, containerPort: p.from, protocol: p.protocol === "udp" ? "UDP" : "TCP" };
}

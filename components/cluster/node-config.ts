/**
 * The kubelet settings every node gets, as an AL2023 nodeadm NodeConfig in the launch template's user data
 * (EKS merges it with the cluster's own NodeConfig). They carry the container baseline's rows that Kubernetes
 * sets per node, not per pod: a PIDs limit per pod (the row Docker's provider could only approximate with
 * nproc) and rotated container logs, with the very values HardenedContainer uses.
 */
import { BASELINE_VALUES } from "../containers/baseline";

const BOUNDARY = "RAMPART-NODECONFIG";

/** "10m" (Docker's log size) -> "10Mi" (the kubelet's quantity). */
function kubeletQuantity(dockerSize: string): string {
  const m = /^(\d+)([kmg])$/.exec(dockerSize);
  if (!m) throw new Error(`node config: cannot read the log size "${dockerSize}"`);
  return `${m[1]}${m[2]!.toUpperCase()}i`;
}

export const KUBELET_BASELINE = {
  podPidsLimit: BASELINE_VALUES.nproc,
  containerLogMaxSize: kubeletQuantity(BASELINE_VALUES.logOpts["max-size"]),
  containerLogMaxFiles: Number(BASELINE_VALUES.logOpts["max-file"]),
} as const;

/** The MIME multipart user data (plain text; the launch template wants it base64-encoded). */
export function renderNodeUserData(): string {
  const c = KUBELET_BASELINE;
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    "",
    `--${BOUNDARY}`,
    "Content-Type: application/node.eks.aws",
    "",
    "---",
    "apiVersion: node.eks.aws/v1alpha1",
    "kind: NodeConfig",
    "spec:",
    "  kubelet:",
    "    config:",
    `      podPidsLimit: ${c.podPidsLimit}`,
    `      containerLogMaxSize: ${c.containerLogMaxSize}`,
    `      containerLogMaxFiles: ${c.containerLogMaxFiles}`,
    "",
    `--${BOUNDARY}--`,
    "",
  ].join("\n");
}

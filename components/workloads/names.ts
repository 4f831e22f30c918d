import { SERVICE_LABEL } from "./network-policies";

/** The namespaces of aws-scale, by role. */
export const NAMESPACES = { app: "rampart-app", media: "rampart-media", monitoring: "rampart-monitoring" } as const;
export type NamespaceRole = keyof typeof NAMESPACES;

/** Where Prometheus runs: the scrape flows of every namespace's NetworkPolicies name these pods. */
export const PROMETHEUS = { namespace: NAMESPACES.monitoring, podLabels: { [SERVICE_LABEL]: "prometheus" } } as const;

/** Pod Security Admission level per namespace; media is the stated exception (host networking). */
export const POD_SECURITY: Record<NamespaceRole, "restricted" | "privileged"> = { app: "restricted", media: "privileged", monitoring: "restricted" };

export const selectorOf = (service: string) => ({ [SERVICE_LABEL]: service });
export const labelsOf = (service: string) => ({ [SERVICE_LABEL]: service, "app.kubernetes.io/name": service, "app.kubernetes.io/part-of": "rampart" });

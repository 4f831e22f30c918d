import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelsOf, NAMESPACES, type NamespaceRole } from "./names";

/**
 * The namespaced objects every workload has, named after its service: a Secret whose values stay Pulumi
 * secrets into the object, a ConfigMap, and a ServiceAccount that mounts no API token.
 */
export function namespacedObjects(name: string, optsOf: (role: NamespaceRole) => pulumi.CustomResourceOptions) {
  return {
    secret: (role: NamespaceRole, service: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(`${name}-${service}`, {
        metadata: { name: service, namespace: NAMESPACES[role], labels: labelsOf(service) },
        type: "Opaque",
        stringData: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, pulumi.secret(v)])),
      }, optsOf(role)),
    configMap: (role: NamespaceRole, service: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.ConfigMap(`${name}-${service}`, { metadata: { name: service, namespace: NAMESPACES[role], labels: labelsOf(service) }, data }, optsOf(role)),
    serviceAccount: (role: NamespaceRole, service: string) =>
      new k8s.core.v1.ServiceAccount(`${name}-${service}`, {
        metadata: { name: service, namespace: NAMESPACES[role], labels: labelsOf(service) },
        automountServiceAccountToken: false,
      }, optsOf(role)),
  };
}

/**
 * The aws-scale program as the Kubernetes suite runs it: Rampart's own program (infra/program.ts) with
 * the aws-scale example stack's config, every AWS, Cloudflare, TLS, ACME and random resource answered by
 * the engine suite's STAND-IN provider, and the Kubernetes layer applied by the REAL Kubernetes provider to
 * the suite's real API server. Two things differ from production, both made here by a stack transform
 * and by nothing in the program:
 * - the Kubernetes provider's kubeconfig is the suite's administrator's, not the EKS cluster's (the cluster
 *   is a stand-in);
 * - Deployments, DaemonSets, StatefulSets and Services carry `pulumi.com/skipAwait: "true"`: there is no scheduler, no
 *   kubelet and no load balancer controller, so pods stay Pending and load balancers never get an address,
 *   and the provider must not wait for either. Production waits (a test under the mock harness proves
 *   that no production resource carries the annotation).
 */
import * as pulumi from "@pulumi/pulumi";
import { rampart } from "../../../infra/program";

export const SKIP_AWAIT = "pulumi.com/skipAwait";
const PROVIDER_TYPE = "pulumi:providers:kubernetes";
/** What the provider would wait on: rollouts (pods Ready) and Services (endpoints, load balancer address). */
export const SKIP_AWAIT_TYPES: ReadonlySet<string> = new Set(["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:Service"]);

type Metadata = { annotations?: Record<string, string> } & Record<string, unknown>;

export function testStackTransform(kubeconfig: string): pulumi.ResourceTransform {
  return ({ type, props, opts }) => {
    if (type === PROVIDER_TYPE) return { props: { ...props, kubeconfig: pulumi.secret(kubeconfig) }, opts };
    if (SKIP_AWAIT_TYPES.has(type)) {
      const metadata = pulumi.output(props.metadata as pulumi.Input<Metadata>).apply((m) => ({ ...m, annotations: { ...(m.annotations ?? {}), [SKIP_AWAIT]: "true" } }));
      return { props: { ...props, metadata }, opts };
    }
    return undefined;
  };
}

/** The inline program the engine runs: the transform first, then Rampart as deployed. */
export function testProgram(kubeconfig: string): () => Promise<Record<string, pulumi.Input<unknown>>> {
  return async () => {
    pulumi.runtime.registerResourceTransform(testStackTransform(kubeconfig));
    return rampart();
  };
}

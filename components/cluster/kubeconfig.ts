import * as pulumi from "@pulumi/pulumi";

export interface KubeconfigInput {
  clusterName: string;
  endpoint: string;
  /** Base64 certificate authority data of the cluster. */
  certificateAuthority: string;
  region: string;
}

/**
 * A kubeconfig for the cluster that authenticates with `aws eks get-token` (the deployer's own AWS
 * credentials; no static token is ever written). Pure: cluster outputs in, YAML-compatible JSON out.
 */
export function renderKubeconfig(i: KubeconfigInput): string {
  const name = i.clusterName;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: i.endpoint, "certificate-authority-data": i.certificateAuthority } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", name, "--region", i.region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

/** The kubeconfig as a Pulumi secret: it names the endpoint and CA, and it is what reaches the cluster. */
export function kubeconfigOutput(i: pulumi.Input<KubeconfigInput>): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(i).apply(renderKubeconfig));
}

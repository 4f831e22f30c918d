import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { describe, expect, it } from "vitest";
import { K } from "@rampart/policies/rules/scale-types";

describe("the aws-scale rules' type tokens", () => {
  it("match the installed providers' __pulumiType (aws 7, kubernetes 4)", () => {
    const classes: Record<keyof typeof K, { __pulumiType?: string }> = {
      eksCluster: aws.eks.Cluster as never,
      eksNodeGroup: aws.eks.NodeGroup as never,
      replicationGroup: aws.elasticache.ReplicationGroup as never,
      cacheUser: aws.elasticache.User as never,
      openSearch: aws.opensearch.Domain as never,
      namespace: k8s.core.v1.Namespace as never,
      pod: k8s.core.v1.Pod as never,
      deployment: k8s.apps.v1.Deployment as never,
      daemonSet: k8s.apps.v1.DaemonSet as never,
      statefulSet: k8s.apps.v1.StatefulSet as never,
      job: k8s.batch.v1.Job as never,
      networkPolicy: k8s.networking.v1.NetworkPolicy as never,
    };
    for (const [k, token] of Object.entries(K)) expect(classes[k as keyof typeof K].__pulumiType, k).toBe(token);
  });
});

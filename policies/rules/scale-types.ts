/** Provider type tokens of the aws-scale resources (as the providers register them: @pulumi/aws 7, @pulumi/kubernetes 4). */
export const K = {
  eksCluster: "aws:eks/cluster:Cluster",
  eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  cacheUser: "aws:elasticache/user:User",
  openSearch: "aws:opensearch/domain:Domain",
  namespace: "kubernetes:core/v1:Namespace",
  pod: "kubernetes:core/v1:Pod",
  deployment: "kubernetes:apps/v1:Deployment",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  job: "kubernetes:batch/v1:Job",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
} as const;

/** Types that carry a pod template (or are a pod). */
export const WORKLOAD_TYPES = [K.pod, K.deployment, K.daemonSet, K.statefulSet, K.job] as const;

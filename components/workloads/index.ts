export * from "./baseline";
export * from "./network-policies";
export * from "./pod-spec";
export * from "./workloads";

export * from "./cluster";
export * from "./iam";
export * from "./kubeconfig";
export * from "./node-config";
export * from "./node-group";
export * from "./security-groups";

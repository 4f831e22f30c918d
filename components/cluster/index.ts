export * from "./cluster";
export * from "./iam";
export * from "./kubeconfig";
export * from "./node-group";
export * from "./security-groups";

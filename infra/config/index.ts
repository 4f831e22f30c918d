export * from "./keys";
export * from "./schema";
export * from "./cidr";
export { loadConfig } from "./load";

export * from "./keys";
export * from "./schema";
export { loadConfig } from "./load";

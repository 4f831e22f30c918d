export * from "./managed-redis";
export * from "./managed-search";

export * from "./bots";
export * from "./cloudflare-edge";
export * from "./dns";
export * from "./expressions";
export * from "./rule-types";
export * from "./rules";
export * from "./zone-settings";

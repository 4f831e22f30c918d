export * from "./ports";
export * from "./cloudflare-ranges";

export * from "./ports";
export * from "./cloudflare-ranges";
export * from "./addresses";
export * from "./names";
export * from "./images";
export * from "./secrets";
export * from "./gateway";
export * from "./denied-peers";

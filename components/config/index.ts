export * from "./coturn";
export * from "./denied-peers";
export * from "./elasticsearch";
export * from "./livekit";
export * from "./nginx";
export * from "./redis";
export * from "./validate";

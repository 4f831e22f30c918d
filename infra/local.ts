import type * as pulumi from "@pulumi/pulumi";
import type { RampartConfig } from "./config";

/** Local target: the whole stack on the local Docker daemon, nothing published beyond 127.0.0.1. */
export function deployLocal(_config: RampartConfig): Record<string, pulumi.Input<unknown>> {
  return {};
}

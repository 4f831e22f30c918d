import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The pack's identity, named once: index.ts serves it under this name, and the offline plan says which
 * pack (and version) reached its verdict, as `pulumi preview` does under "Policies".
 */
export const PACK_NAME = "rampart";
export const PACK_DESCRIPTION =
  "Rampart: rejects insecure AWS security groups, EC2/EBS, Docker containers, Cloudflare zones and service configurations.";
/** Pulumi takes a Node pack's version from its package.json (next to this file, or one up from the compiled dist/). */
function packageJson(): string {
  const here = join(__dirname, "package.json");
  return existsSync(here) ? here : join(__dirname, "..", "package.json");
}
export const PACK_VERSION: string = (JSON.parse(readFileSync(packageJson(), "utf8")) as { version: string }).version;

import { stringify } from "yaml";
import { CONFIG_KEYS } from "./keys";

/** The typed `config:` block of Pulumi.yaml, derived from the key table. */
export function projectConfigBlock(): Record<string, Record<string, unknown>> {
  const block: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(CONFIG_KEYS)) {
    const entry: Record<string, unknown> = { type: spec.type, description: spec.description };
    if (spec.type === "array") entry.items = { type: "string" };
    if ("default" in spec) entry.default = spec.default;
    if ("secret" in spec && spec.secret) entry.secret = true;
    block[name] = entry;
  }
  return block;
}

export function renderProjectFile(): string {
  const header =
    "# Rampart project file. The config block is derived from infra/config/keys.ts;\n" +
    "# regenerate with `npx tsx scripts/tools/write-project-file.ts` (a test fails when they drift).\n";
  return (
    header +
    stringify(
      {
        name: "rampart",
        description: "Hardened realtime-communications platform: LiveKit, coturn, gateway, Elasticsearch and Redis behind Cloudflare",
        runtime: { name: "nodejs", options: { packagemanager: "npm", typescript: true } },
        config: projectConfigBlock(),
      },
      { lineWidth: 0 },
    )
  );
}

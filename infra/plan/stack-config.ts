import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface StackConfig {
  /** Fully qualified key ("rampart:target", "aws:region") → the string the engine would hand over. */
  readonly values: Record<string, string>;
  /** Keys whose values are secret. */
  readonly secretKeys: string[];
  /** What the Pulumi CLI would refuse in the stack file before running the program. */
  readonly problems: string[];
}

export class StackNotFoundError extends Error {}

/**
 * Merges a stack's Pulumi.<stack>.yaml over the project defaults of Pulumi.yaml, the way the engine does.
 * Encrypted (`secure:`) values cannot be decrypted offline: they are replaced by a stand-in of the right
 * shape and kept secret, so validation and masking behave as in a real run.
 */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, { default?: unknown; secret?: boolean }>;
  };
  const stackFile = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackFile)) throw new StackNotFoundError(`no stack "${stack}": ${stackFile} does not exist`);
  const stackDoc = (parse(readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };

  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const declaredSecret = new Set<string>();
  const problems: string[] = [];
  const encode = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

  for (const [name, spec] of Object.entries(project.config ?? {})) {
    const fullKey = name.includes(":") ? name : `${project.name}:${name}`;
    if (spec.default !== undefined) values[fullKey] = encode(spec.default);
    if (spec.secret) declaredSecret.add(fullKey);
  }
  for (const [fullKey, v] of Object.entries(stackDoc.config ?? {})) {
    if (v && typeof v === "object" && !Array.isArray(v) && "secure" in v) {
      values[fullKey] = `offline-plan-stand-in-for-an-encrypted-value-${fullKey}`;
      if (!secretKeys.includes(fullKey)) secretKeys.push(fullKey);
    } else {
      values[fullKey] = encode(v);
      if (declaredSecret.has(fullKey)) {
        // The value itself is never repeated: it is the secret, now in a file in plain text.
        problems.push(
          `${fullKey}: is declared secret but Pulumi.${stack}.yaml holds it in plain text; remove that line and run ` +
            `\`pulumi config set --secret --stack ${stack} ${fullKey} <value>\` (and rotate the value if the file was shared)`,
        );
      }
    }
  }
  // Refused or not, a declared secret stays masked wherever the plan shows it.
  for (const fullKey of declaredSecret) if (fullKey in values && !secretKeys.includes(fullKey)) secretKeys.push(fullKey);
  return { values, secretKeys, problems };
}

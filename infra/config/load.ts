import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, CONFIG_NAMESPACE, type ConfigKeyName } from "./keys";
import { keyNameProblem } from "./key-names";
import { withArticle } from "@rampart/catalogue";
import { ConfigError, parseConfig, type RampartConfig } from "./schema";

/**
 * Reads the stack's `rampart:*` values as the Pulumi engine hands them over (strings; arrays, numbers and
 * booleans JSON-encoded) and validates them. Secret keys are read raw so their length can be checked
 * before anything is declared; the program wraps them in `pulumi.secret` straight away.
 */
export function loadConfig(): RampartConfig {
  const values: Partial<Record<ConfigKeyName, unknown>> = {};
  const issues: string[] = [];
  for (const [name, spec] of Object.entries(CONFIG_KEYS) as Array<[ConfigKeyName, (typeof CONFIG_KEYS)[ConfigKeyName]]>) {
    const text = pulumi.runtime.getConfig(`${CONFIG_NAMESPACE}:${name}`);
    if (text === undefined) continue;
    try {
      values[name] = decode(spec.type, text);
    } catch {
      issues.push(`${CONFIG_NAMESPACE}:${name}: must be ${withArticle(spec.type)}, got ${JSON.stringify(text)}`);
    }
  }
  for (const fullKey of Object.keys(pulumi.runtime.allConfig()).sort()) {
    const problem = keyNameProblem(fullKey);
    if (problem) issues.push(problem);
  }
  // Every problem at once: the key names and encodings above, then whatever validation finds.
  let config: RampartConfig | undefined;
  try {
    config = parseConfig(values);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length || !config) throw new ConfigError(issues);
  return config;
}

function decode(type: string, text: string): unknown {
  switch (type) {
    case "string":
      return text;
    case "integer": {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new Error("not an integer");
      return n;
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw new Error("not a boolean");
      return text === "true";
    case "array": {
      const v: unknown = JSON.parse(text);
      if (!Array.isArray(v)) throw new Error("not an array");
      return v;
    }
    default:
      throw new Error(`unsupported type ${type}`);
  }
}

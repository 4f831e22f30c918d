import { readFileSync } from "node:fs";

/** A secret from `NAME` or the file in `NAME_FILE` (same convention as the gateway). */
export function secretFromEnv(name: string): string | undefined {
  const file = process.env[`${name}_FILE`];
  if (file) return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  return process.env[name] || undefined;
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

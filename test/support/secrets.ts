import * as pulumi from "@pulumi/pulumi";

/**
 * Inputs reach the mock monitor with each secret wrapped as `{ [specialSigKey]: specialSecretSig, value }`.
 * These read through the wrapper for the tests' assertions.
 */
export function isSecretValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** Deep copy with every secret wrapper replaced by its value. */
export function reveal<T = unknown>(v: unknown): T {
  if (isSecretValue(v)) return reveal((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map((e) => reveal(e)) as T;
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, reveal(e)])) as T;
  return v as T;
}

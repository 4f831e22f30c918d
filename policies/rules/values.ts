/**
 * Reading resource inputs defensively: a rule sees whatever a program wrote, in any of the shapes the
 * policy server, `pulumi preview --json`, `pulumi stack export` or the offline plan produce.
 */

import { SECRET_MASK, UNKNOWN_VALUE } from "@rampart/catalogue";

/** A masked secret or a not-yet-known value: present, but unknown. It is never a violation by itself. */
export function isMasked(v: unknown): boolean {
  return v === SECRET_MASK || v === UNKNOWN_VALUE;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asRecords(v: unknown): Record<string, unknown>[] {
  return asArray(v).filter(isRecord);
}

export function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function asStrings(v: unknown): string[] {
  return asArray(v).filter((x): x is string => typeof x === "string");
}

/** Numbers arrive as numbers from the engine and sometimes as strings from JSON shapes. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Booleans as the providers write them (launch templates use "true"/"false" strings). */
export function isTrue(v: unknown): boolean {
  return v === true || v === "true";
}

export function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim() !== "";
}

/** Name a resource is known by in messages: its `name` input when set (containers), else the resource name. */
export function displayName(props: Record<string, unknown>, fallback: string): string {
  return asString(props.name) ?? fallback;
}

import { isSecretLookingName, PUBLIC_SECRET_LOOKING_NAMES, SECRET_MASK, secretValueKind } from "@rampart/catalogue";
import { isRecord } from "@rampart/policies/rules/values";

/**
 * How a report shows an input value: secrets (marked, masked, named like one or shaped like one) only
 * as the mask, everything else as compact JSON.
 */

/** Input keys that match the secret-name pattern but hold settings (IMDSv2's `httpTokens: required`). */
const PUBLIC_KEYS: readonly string[] = [...PUBLIC_SECRET_LOOKING_NAMES, "httpTokens"];

export type PathSegment = string | number;

/** The pack's own reading of "a JSON object". */
export const isObj = isRecord;

export function pathText(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

export function valueAt(v: unknown, path: readonly PathSegment[]): unknown {
  let cur = v;
  for (const s of path) {
    if (typeof s === "number") cur = Array.isArray(cur) ? cur[s] : undefined;
    else cur = isObj(cur) ? cur[s] : undefined;
  }
  return cur;
}

function secretKey(key: PathSegment | undefined): boolean {
  return typeof key === "string" && isSecretLookingName(key, PUBLIC_KEYS);
}

/** A value with everything secret replaced by the mask; `key` is the input key it sits under. */
export function maskValue(v: unknown, key?: PathSegment): unknown {
  if (v === undefined || v === null) return v;
  if (secretKey(key)) return SECRET_MASK;
  if (typeof v === "string") {
    // Environment entries ("NAME=value") whose name says they carry a secret keep their name.
    const eq = v.indexOf("=");
    if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.slice(0, eq)) && isSecretLookingName(v.slice(0, eq), PUBLIC_KEYS)) return `${v.slice(0, eq)}=${SECRET_MASK}`;
    if (v.includes(SECRET_MASK) || secretValueKind(v) !== undefined) return SECRET_MASK;
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => maskValue(x, typeof key === "string" ? undefined : key));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskValue(x, k)]));
  return v;
}

/** The last string key of a path (what a value is called). */
export function keyOf(path: readonly PathSegment[]): PathSegment | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === "string") return path[i];
  return undefined;
}

const MAX = 160;

/** One line for a value: JSON, cut at 160 characters; multi-line strings by their line count. */
export function showValue(v: unknown): string {
  if (v === undefined) return "(none)";
  if (typeof v === "string" && v.includes("\n")) return `(${v.split("\n").length} lines)`;
  const s = JSON.stringify(v);
  return s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s;
}

/**
 * Both sides of a changed value. Two long strings are cut to where they differ (common start and end
 * elided), so a change at the end of a long WAF expression is still seen.
 */
export function showPair(before: unknown, after: unknown): [string, string] {
  if (typeof before !== "string" || typeof after !== "string" || before.includes("\n") || after.includes("\n")) return [showValue(before), showValue(after)];
  if (JSON.stringify(before).length <= MAX && JSON.stringify(after).length <= MAX) return [showValue(before), showValue(after)];
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  const CONTEXT = 24;
  const cut = (x: string) => {
    const from = Math.max(0, p - CONTEXT);
    const to = Math.min(x.length, x.length - s + CONTEXT);
    return showValue(`${from > 0 ? "…" : ""}${x.slice(from, to)}${to < x.length ? "…" : ""}`);
  };
  return [cut(before), cut(after)];
}

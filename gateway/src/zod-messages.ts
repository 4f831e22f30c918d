/**
 * Wording for messages built from zod issues (DEVICES_FILE today): "must be an array, not a string"
 * rather than zod's "Invalid input: expected array, received string". Type names get the right
 * article, and the offending value is never echoed (a device file holds secrets): only its type is named.
 */
import { withArticle } from "@rampart/catalogue";
import type { z } from "zod";

/** Type names as a reader says them. */
const TYPE_NAMES: Readonly<Record<string, string>> = { record: "object", int: "integer", nan: "NaN" };
function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  return typeof value;
}

/** Units of sized values, singular and plural. */
const UNITS: Readonly<Record<string, readonly [string, string]>> = {
  string: ["character", "characters"],
  array: ["item", "items"],
  set: ["item", "items"],
  map: ["entry", "entries"],
  file: ["byte", "bytes"],
};

function bound(origin: string, limit: number | bigint, exact: boolean | undefined, inclusive: boolean | undefined, least: boolean): string {
  const units = UNITS[origin];
  if (units) {
    const relation = exact ? "exactly" : inclusive === false ? (least ? "more than" : "fewer than") : least ? "at least" : "at most";
    return `must have ${relation} ${limit} ${units[Number(limit) === 1 ? 0 : 1]}`;
  }
  const relation = exact ? "exactly" : inclusive === false ? (least ? "greater than" : "less than") : least ? "at least" : "at most";
  return `must be ${relation} ${limit}`;
}

/**
 * Message for one zod issue, for `safeParse(value, { error: issueMessage })`. Messages a schema sets
 * itself take precedence; codes not handled here fall back to zod's own text.
 */
export const issueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      const expected = withArticle(typeName(issue.expected));
      if (issue.input === undefined) return `is required (${expected})`;
      const got = typeOf(issue.input);
      const sameBase = got === issue.expected || (issue.expected === "int" && got === "number");
      return sameBase ? `must be ${expected}` : `must be ${expected}, not ${withArticle(typeName(got))}`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return bound(issue.origin, issue.minimum, issue.exact, issue.inclusive, true);
    case "too_big":
      return bound(issue.origin, issue.maximum, issue.exact, issue.inclusive, false);
    case "invalid_format":
      return issue.format === "regex" && issue.pattern ? `must match ${issue.pattern}` : `must be ${withArticle(issue.format)}`;
    case "unrecognized_keys":
      return `has unknown key${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_key":
      return issue.issues.map((inner) => inner.message).join("; ") || "is not a valid key";
    default:
      return undefined;
  }
};

/** Every issue of a failed parse, each as `<path>: <message>` (`(root)` for the top level). */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

import { isHostname } from "@rampart/catalogue";
import { z } from "zod";

/**
 * Input validation shared by the renderers. Every renderer parses its input with a zod schema before
 * writing a single line, so bad input fails with an error that names the renderer, the field and the
 * problem instead of producing a config the server half-understands.
 */
export class ConfigInputError extends Error {
  constructor(
    readonly renderer: string,
    readonly problems: readonly string[],
  ) {
    super(`${renderer}: invalid input:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigInputError";
  }
}

export function parseInput<S extends z.ZodType>(renderer: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(input)";
    return `${field}: ${issue.message}`;
  });
  throw new ConfigInputError(renderer, problems);
}

// Every value ends up inside a line-oriented config file: a newline (or NUL) in a value would let the
// value inject directives of its own (e.g. a realm "x\nallow-loopback-peers"), so no text may carry one.
const NO_CONTROL_CHARS = /^\P{Cc}*$/u;

/** Free text that is written into a config line: printable, single line. */
export const lineText = z
  .string()
  .min(1, "must not be empty")
  .regex(NO_CONTROL_CHARS, "must be a single line without control characters");

/** A token written unquoted into a config file: no whitespace, quotes, comment or statement characters. */
export const bareToken = z
  .string()
  .min(1, "must not be empty")
  .regex(/^[A-Za-z0-9._:@%+\-/]+$/, "must contain only letters, digits and . _ : @ % + - /");

/** An absolute file-system path inside the container. */
export const absolutePath = z
  .string()
  .regex(/^\/[A-Za-z0-9._\-/]*$/, "must be an absolute path of letters, digits, '.', '_', '-' and '/'")
  .refine((p) => !p.split("/").includes(".."), "must not contain '..'");

export const tcpPort = z.number().int("must be an integer").min(1, "must be 1-65535").max(65535, "must be 1-65535");

export const positiveInt = z.number().int("must be an integer").positive("must be positive");

/** An IPv4 or IPv6 address (no CIDR, no hostname). */
export const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address" });

/** An IPv4 or IPv6 network in CIDR notation. */
export const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "must be an IPv4 or IPv6 CIDR (e.g. 10.0.0.0/16)" });

/** A host name (DNS) or an IP address. */
export const hostOrIp = z.union(
  [ipAddress, z.string().refine((name) => isHostname(name, { singleLabel: true }))],
  { error: "must be a host name or an IP address" },
);

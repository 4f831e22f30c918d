/**
 * Command lines of the gateway and its tools, on node's `util.parseArgs`. `--help`/`-h` prints a usage
 * text built from the same option table the parser reads, so the two cannot drift, and exits 0. A wrong
 * or missing argument prints what is wrong, then the usage, to stderr and exits 2.
 */
import { parseArgs } from "node:util";

/** Exit status for a wrong command line (as sysexits' EX_USAGE is for many tools, 2 for node and the shells). */
export const EXIT_USAGE = 2;

/** One `--name <value>` option. */
export interface OptionSpec {
  /** Placeholder shown after the option: `--sub <user>`. */
  readonly value: string;
  readonly description: string;
  readonly default?: string;
  /** Environment variable the option falls back to when it is not given. */
  readonly env?: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** Prefix of every message: `token`, `rampart-gateway`. */
  readonly name: string;
  /** What the command does, one sentence. */
  readonly summary: string;
  /** The command line, e.g. `npm run -s token -w gateway -- --sub <user> [options]`. */
  readonly usage: string;
  readonly options: O;
  /** Further tables (environment variables, ...): a title and rows of columns. */
  readonly sections?: readonly { readonly title: string; readonly rows: readonly (readonly string[])[] }[];
  readonly examples: readonly string[];
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  readonly [K in keyof O]: O[K] extends { readonly default: string } ? string : string | undefined;
};

export interface Command<O extends Record<string, OptionSpec>> {
  readonly usage: string;
  /** The options; prints the usage and exits on `--help` or on a command line parseArgs refuses. */
  parse(args?: readonly string[]): OptionValues<O>;
  /** Reports a wrong or missing argument with the usage on stderr, then exits 2. */
  fail(problem: string): never;
}

/** Rows as aligned columns, indented by two spaces. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => `  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join("")}`.trimEnd())
    .join("\n");
}

function optionRow(name: string, option: OptionSpec): string[] {
  const fallback = option.env ? ` (default: $${option.env})` : option.default ? ` (default: ${option.default})` : "";
  return [`--${name} <${option.value}>`, `${option.description}${fallback}`];
}

function usageText<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): string {
  const options = [...Object.entries(spec.options).map(([name, option]) => optionRow(name, option)), ["-h, --help", "print this help and exit"]];
  const sections = (spec.sections ?? []).map((s) => `${s.title}:\n${formatTable(s.rows)}\n\n`).join("");
  const examples = spec.examples.map((e) => `  ${e}`).join("\n");
  return `${spec.name}: ${spec.summary}\n\nUsage: ${spec.usage}\n\nOptions:\n${formatTable(options)}\n\n${sections}Example${spec.examples.length > 1 ? "s" : ""}:\n${examples}\n`;
}

function isParseArgsError(err: unknown): err is Error {
  return err instanceof Error && String((err as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS_");
}

export function defineCommand<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): Command<O> {
  const usage = usageText(spec);
  const fail = (problem: string): never => {
    process.stderr.write(`${spec.name}: ${problem}\n\n${usage}`);
    process.exit(EXIT_USAGE);
  };
  const parse = (args: readonly string[] = process.argv.slice(2)): OptionValues<O> => {
    const options = Object.fromEntries(Object.keys(spec.options).map((name) => [name, { type: "string" as const }]));
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({ args: [...args], options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }));
    } catch (err) {
      if (isParseArgsError(err)) fail(err.message);
      throw err;
    }
    if (values.help) {
      process.stdout.write(usage);
      process.exit(0);
    }
    const result = Object.fromEntries(
      Object.entries(spec.options).map(([name, option]) => {
        const given = values[name] as string | undefined;
        return [name, given ?? ((option.env ? process.env[option.env] : undefined) || option.default)];
      }),
    );
    return result as OptionValues<O>;
  };
  return { usage, parse, fail };
}

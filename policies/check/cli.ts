import { readFileSync } from "node:fs";
import { evaluatePolicies, hasMandatory, type Evaluation, type PackConfig } from "./evaluate";
import { resourcesOf, ShapeError, type Shape } from "./shapes";

/**
 * `npm run policy:check -- FILE [--json] [--config POLICY_CONFIG.json]`
 * Exit 0: no mandatory violation; 1: at least one; 2: bad usage or a file in none of the shapes.
 */
const USAGE = "usage: npm run policy:check -- FILE [--json] [--config POLICY_CONFIG.json]";

class UsageError extends Error {}

interface Args {
  file: string;
  json: boolean;
  config?: string;
}

function parseArgs(argv: string[]): Args {
  let file: string | undefined;
  let json = false;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") json = true;
    else if (a === "--config") {
      config = argv[++i];
      if (!config) throw new UsageError("--config needs a file");
    } else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`);
    else if (file) throw new UsageError(`one file at a time (got ${file} and ${a})`);
    else file = a;
  }
  if (!file) throw new UsageError("no file given");
  return { file, json, ...(config ? { config } : {}) };
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ShapeError(`${path} is not JSON: ${(e as Error).message}`);
  }
}

function human(file: string, shape: Shape, count: number, ev: Evaluation): string {
  const out = [`${file}: ${shape} with ${count} resource(s)`];
  for (const r of ev.remediated) out.push(`  remediated by ${r.policy}: ${r.urn}`);
  if (ev.violations.length === 0) out.push("Policy verdict: no violations");
  else {
    const mandatory = ev.violations.filter((v) => v.level === "mandatory").length;
    out.push(`Policy verdict: ${ev.violations.length} violation(s), ${mandatory} mandatory`);
    for (const v of ev.violations) out.push(`  [${v.level}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`);
  }
  return out.join("\n");
}

export function main(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    const { shape, resources } = resourcesOf(readJson(args.file, "file"));
    const config = args.config ? (readJson(args.config, "policy config") as PackConfig) : undefined;
    const ev = evaluatePolicies(resources, config ? { config } : {});
    if (args.json) process.stdout.write(`${JSON.stringify({ file: args.file, shape, resources: resources.length, ...ev }, null, 2)}\n`);
    else process.stdout.write(`${human(args.file, shape, resources.length, ev)}\n`);
    return hasMandatory(ev.violations) ? 1 : 0;
  } catch (e) {
    const prefix = e instanceof UsageError ? `${(e as Error).message}\n${USAGE}` : `policy:check: ${(e as Error).message}`;
    process.stderr.write(`${prefix}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

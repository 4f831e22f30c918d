import { readFileSync } from "node:fs";
import { RULES } from "../rules";
import { PROFILE_POLICY } from "../rules/profile";
import { anchorText, isProfile, PROFILES, profileLevel, type Profile } from "../rules/rule";
import { evaluatePolicies, hasMandatory, type Evaluation, type PackConfig } from "./evaluate";
import { resourcesOf, ShapeError, type Shape } from "./shapes";

/**
 * `npm run policy:check -- FILE [--profile rampart|baseline] [--json] [--verbose] [--config POLICY_CONFIG.json]`
 * `npm run policy:check -- --print-config PROFILE`: the pack config that selects a profile in `pulumi preview`.
 * Exit 0: no mandatory violation; 1: at least one; 2: bad usage or a file in none of the shapes.
 */
const USAGE =
  "usage: npm run policy:check -- FILE [--profile rampart|baseline] [--json] [--verbose] [--config POLICY_CONFIG.json]\n" +
  "       npm run policy:check -- --print-config rampart|baseline";

class UsageError extends Error {}

interface Args {
  file?: string;
  json: boolean;
  verbose: boolean;
  config?: string;
  profile?: Profile;
  printConfig?: Profile;
}

function profileArg(v: string | undefined, option: string): Profile {
  if (!isProfile(v)) throw new UsageError(`${option} takes one of ${PROFILES.join(", ")}${v ? `, not "${v}"` : ""}`);
  return v;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") args.json = true;
    else if (a === "--verbose") args.verbose = true;
    else if (a === "--profile") args.profile = profileArg(argv[++i], "--profile");
    else if (a === "--print-config") args.printConfig = profileArg(argv[++i], "--print-config");
    else if (a === "--config") {
      args.config = argv[++i];
      if (!args.config) throw new UsageError("--config needs a file");
    } else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`);
    else if (args.file) throw new UsageError(`one file at a time (got ${args.file} and ${a})`);
    else args.file = a;
  }
  if (!args.file && !args.printConfig) throw new UsageError("no file given");
  return args;
}

/**
 * The pack config for `pulumi preview --policy-pack-config`: the profile, and each rule's level under it
 * where that differs from the level the pack declares (the engine fixes levels before a policy runs).
 */
export function profileConfig(profile: Profile): PackConfig {
  const config: PackConfig = { [PROFILE_POLICY]: { name: profile } };
  for (const rule of RULES) {
    const level = profileLevel(rule, profile);
    const wanted = level === "off" ? "disabled" : level;
    if (wanted !== rule.enforcementLevel) config[rule.name] = wanted;
  }
  return config;
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

const REMEDIATION = new Map(RULES.map((r) => [r.name, `${r.remediationSteps} (${anchorText(r.anchors)})`]));

function human(file: string, shape: Shape, count: number, ev: Evaluation & { profile: Profile }, verbose: boolean): string {
  const out = [`${file}: ${shape} with ${count} resource(s), profile ${ev.profile}`];
  for (const r of ev.remediated) out.push(`  remediated by ${r.policy}: ${r.urn}`);
  if (ev.violations.length === 0) out.push("Policy verdict: no violations");
  else {
    const mandatory = ev.violations.filter((v) => v.level === "mandatory").length;
    out.push(`Policy verdict: ${ev.violations.length} violation(s), ${mandatory} mandatory`);
    for (const v of ev.violations) {
      out.push(`  [${v.level}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`);
      const fix = REMEDIATION.get(v.policy);
      if (fix) out.push(`      remediation: ${fix}`);
    }
  }
  if (verbose) for (const n of ev.notApplicable) out.push(`  [not applicable] ${n.policy}${n.urn ? ` ${n.urn}` : ""}: ${n.reason}`);
  return out.join("\n");
}

export function main(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    if (args.printConfig) {
      process.stdout.write(`${JSON.stringify(profileConfig(args.printConfig), null, 2)}\n`);
      return 0;
    }
    const file = args.file!;
    const { shape, resources } = resourcesOf(readJson(file, "file"));
    const config = args.config ? (readJson(args.config, "policy config") as PackConfig) : undefined;
    const ev = evaluatePolicies(resources, { ...(config ? { config } : {}), ...(args.profile ? { profile: args.profile } : {}) });
    if (args.json) {
      const { notApplicable, ...rest } = ev;
      const doc = { file, shape, resources: resources.length, ...rest, ...(args.verbose ? { notApplicable } : {}) };
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else process.stdout.write(`${human(file, shape, resources.length, ev, args.verbose)}\n`);
    return hasMandatory(ev.violations) ? 1 : 0;
  } catch (e) {
    const prefix = e instanceof UsageError ? `${(e as Error).message}\n${USAGE}` : `policy:check: ${(e as Error).message}`;
    process.stderr.write(`${prefix}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

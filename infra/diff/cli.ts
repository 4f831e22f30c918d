import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { diffSides } from "./diff";
import { InputError, parseSide, previewBefore, readSide, readSideFile, type Side } from "./read";
import { renderJson } from "./render-json";
import { renderMarkdown } from "./render-markdown";

/**
 * `npm run diff -- BASE HEAD [--markdown | --json]`, `npm run diff -- PREVIEW.json` (a preview carries
 * its own before state) or `npm run diff -- --stack NAME --base-ref REF` (plans the stack at REF and in
 * the working tree). Exit 0: no new mandatory violation; 1: new mandatory violations; 2: bad usage or
 * unreadable input.
 */
const USAGE = "usage: npm run diff -- BASE HEAD [--markdown | --json]\n       npm run diff -- PREVIEW.json [--markdown | --json]\n       npm run diff -- --stack NAME --base-ref REF [--markdown | --json]";

class UsageError extends Error {}

interface BaseRef {
  planAtRef(stack: string, ref: string): string | Promise<string>;
  planWorkingTree(stack: string): string | Promise<string>;
}

async function baseRefModule(): Promise<BaseRef> {
  // Written separately (planning a stack at a git ref in a temporary worktree); loaded only when asked for.
  if (!existsSync(join(__dirname, "base-ref.ts"))) throw new UsageError("--base-ref needs infra/diff/base-ref.ts");
  const spec = "./base-ref";
  return (await import(spec)) as BaseRef;
}

async function sides(positionals: string[], stack: string | undefined, baseRef: string | undefined): Promise<[Side, Side]> {
  if (baseRef !== undefined) {
    if (!stack) throw new UsageError("--base-ref needs --stack NAME");
    if (positionals.length > 0) throw new UsageError("--base-ref plans both sides itself: give no files");
    const m = await baseRefModule();
    try {
      return [parseSide(await m.planAtRef(stack, baseRef), `${stack}@${baseRef}`), parseSide(await m.planWorkingTree(stack), `${stack} (working tree)`)];
    } catch (e) {
      // An unknown ref, a stack missing at that ref, or a plan that failed: a one-line answer, not a trace.
      if (e instanceof UsageError || e instanceof InputError) throw e;
      throw new InputError((e as Error).message);
    }
  }
  if (positionals.length === 1) {
    const head = readSideFile(positionals[0]!);
    if (head.shape !== "preview") throw new UsageError("one file must be a `pulumi preview --json` (it carries its before state); otherwise give BASE and HEAD");
    const { readFileSync } = await import("node:fs");
    return [readSide(previewBefore(JSON.parse(readFileSync(positionals[0]!, "utf8"))), `${positionals[0]} (before)`), head];
  }
  if (positionals.length !== 2) throw new UsageError(positionals.length === 0 ? "no files given" : `two files, BASE and HEAD (got ${positionals.length})`);
  return [readSideFile(positionals[0]!), readSideFile(positionals[1]!)];
}

export async function main(argv: string[]): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { markdown: { type: "boolean", default: false }, json: { type: "boolean", default: false }, stack: { type: "string" }, "base-ref": { type: "string" } },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.markdown && values.json) throw new UsageError("--markdown or --json, not both");
    const [base, head] = await sides(positionals, values.stack, values["base-ref"]);
    const report = diffSides(base, values.stack ? { ...head, stack: values.stack } : head);
    process.stdout.write(values.json ? renderJson(report) : `${renderMarkdown(report)}\n`);
    return report.verdict.blocking.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) process.stderr.write(`diff: ${e.message}\n${USAGE}\n`);
    else if (e instanceof InputError) process.stderr.write(`diff: ${e.message}\n`);
    else process.stderr.write(`diff failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    process.stdout.write("", () => process.exit(code));
  });
}

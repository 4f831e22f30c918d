#!/usr/bin/env node
/**
 * `npm run bench:policy-check [-- RUNS]`: wall time of `policy:check` on the aws-example plan, as the npm
 * script runs it (compiled JavaScript, built by the pre hook), next to the baseline measured in the same
 * run: the same checker started through tsx, which transpiles the TypeScript at start. The two commands
 * alternate (A B A B ...) so a machine that slows down mid-run slows both. Prints min / median / max.
 */
const { spawnSync } = require("node:child_process");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join, resolve } = require("node:path");

const ROOT = resolve(__dirname, "..", "..");
const runs = Math.min(Math.max(Number(process.argv[2] ?? 7) || 7, 3), 30);
const dir = mkdtempSync(join(tmpdir(), "bench-policy-check-"));
const plan = join(dir, "aws-example.plan.json");

function run(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
  return seconds;
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

try {
  run([process.execPath, "--import", "tsx", "infra/plan/cli.ts", "--stack", "aws-example", "--json", "--out", plan]);
  const compiled = [process.execPath, "policies/dist/check/main.js", plan];
  const transpiled = [process.execPath, "--import", "tsx", "policies/check/cli.ts", plan];
  run(compiled); // warm the file cache for both
  run(transpiled);
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(run(compiled));
    b.push(run(transpiled));
  }
  const fmt = (x) => `${x.toFixed(3)} s`;
  const sa = stats(a);
  const sb = stats(b);
  const ratio = stats(a.map((x, i) => x / b[i]));
  console.log(`policy:check on the aws-example plan, ${runs} runs each, wall time (min / median / max):`);
  console.log(`  compiled JavaScript (npm run policy:check)  ${fmt(sa.min)} / ${fmt(sa.median)} / ${fmt(sa.max)}`);
  console.log(`  baseline: tsx transpiling at start           ${fmt(sb.min)} / ${fmt(sb.median)} / ${fmt(sb.max)}`);
  console.log(`  compiled / baseline, pair by pair: median ${ratio.median.toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

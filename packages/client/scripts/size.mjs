// `npm run size -w @rampart/client`: the bundle as an application ships it, minified and gzipped.
// Prints the sizes (`--json` for a machine) and exits 1 over the 4 KB budget.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { options } from "./build.mjs";

const BUDGET_BYTES = 4096;
const result = await build({ ...options, minify: true, write: false, logLevel: "warning" });
const code = result.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;
const report = { minifiedBytes: code.length, minifiedGzipBytes: gzip, budgetBytes: BUDGET_BYTES };
if (process.argv.includes("--json")) console.log(JSON.stringify(report));
else console.log(`@rampart/client: ${code.length} B minified, ${gzip} B minified + gzip (budget ${BUDGET_BYTES} B)`);
if (gzip > BUDGET_BYTES) {
  console.error(`@rampart/client: ${gzip} B min+gzip is over the ${BUDGET_BYTES} B budget`);
  process.exit(1);
}

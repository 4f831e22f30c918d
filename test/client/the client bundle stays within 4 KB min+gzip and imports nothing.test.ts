/** The size budget of @rampart/client (npm run size:client) and its promise of no runtime dependencies. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

const PACKAGE = new URL("../../packages/client/", import.meta.url).pathname;

it("is at most 4096 bytes minified and gzipped, as the size script reports", () => {
  const report = JSON.parse(execFileSync(process.execPath, ["scripts/size.mjs", "--json"], { cwd: PACKAGE, encoding: "utf8" })) as { minifiedBytes: number; minifiedGzipBytes: number; budgetBytes: number };
  expect(report.budgetBytes).toBe(4096);
  expect(report.minifiedGzipBytes).toBeGreaterThan(0);
  expect(report.minifiedGzipBytes).toBeLessThanOrEqual(4096);
  expect(report.minifiedGzipBytes).toBeLessThan(report.minifiedBytes);
});

it("ships one ES module with declarations and no import of anything", () => {
  const manifest = JSON.parse(readFileSync(`${PACKAGE}package.json`, "utf8")) as { type: string; dependencies?: object; exports: Record<string, { types: string; import: string }> };
  expect(manifest.type).toBe("module");
  expect(manifest.dependencies).toBeUndefined();
  const bundle = readFileSync(`${PACKAGE}${manifest.exports["."]!.import}`, "utf8");
  expect(bundle).not.toMatch(/^\s*import\s/m);
  expect(bundle).not.toMatch(/\brequire\(|\bimport\(/);
  expect(bundle).toMatch(/export\s*\{[^}]*RampartClient/);
  const types = readFileSync(`${PACKAGE}${manifest.exports["."]!.types}`, "utf8");
  expect(types).toMatch(/RampartClient/);
});

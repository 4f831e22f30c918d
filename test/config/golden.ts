import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

const GOLDEN_DIR = join(__dirname, "..", "golden");

/**
 * Compare rendered text with test/golden/<name>. `UPDATE_GOLDEN=1` rewrites the file instead, so a
 * deliberate change is reviewed as a diff of the golden file in the pull request.
 */
export function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

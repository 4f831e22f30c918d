import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `pulumi policy publish` versions the pack by policies/package.json; CHANGELOG.md (Keep a Changelog)
 * must name that version as its latest release, so what is published is what the changelog describes.
 */
const ROOT = join(__dirname, "../..");
const changelog = readFileSync(join(ROOT, "CHANGELOG.md"), "utf8");
const pack = JSON.parse(readFileSync(join(ROOT, "policies/package.json"), "utf8")) as { version: string };
const headings = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?\s*$/gm)].map((m) => ({ version: m[1]!, date: m[2] }));

describe("CHANGELOG.md", () => {
  it("opens with an Unreleased section, then dated releases", () => {
    expect(headings[0]?.version).toBe("Unreleased");
    const releases = headings.slice(1);
    expect(releases.length).toBeGreaterThan(0);
    for (const r of releases) {
      expect(r.version).toMatch(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/);
      expect(r.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it("names policies/package.json's version as its latest release", () => {
    expect(headings.find((h) => h.version !== "Unreleased")?.version).toBe(pack.version);
  });

  it("agrees with PulumiPolicy.yaml when that carries a version too", () => {
    const m = /^version:\s*["']?([^"'\s#]+)/m.exec(readFileSync(join(ROOT, "policies/PulumiPolicy.yaml"), "utf8"));
    if (m) expect(m[1]).toBe(pack.version);
  });
});

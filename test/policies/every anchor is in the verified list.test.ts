import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULES } from "@rampart/policies/rules";
import { ANCHOR_SEPARATOR, isRepoDoc, VERIFIED_ANCHORS } from "@rampart/policies/rules/anchors";

const ROOT = join(__dirname, "../..");

/** GitHub's heading slug: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-");
}

function headingsOf(file: string): string[] {
  return readFileSync(join(ROOT, file), "utf8")
    .split("\n")
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => slug(l.replace(/^#+ /, "")));
}

describe("anchors", () => {
  const items = RULES.flatMap((rule) =>
    Object.entries(rule.anchors)
      .filter(([, v]) => v)
      .flatMap(([kind, value]) => (value as string).split(ANCHOR_SEPARATOR).map((item) => ({ rule: rule.name, kind: kind as keyof typeof VERIFIED_ANCHORS, item }))),
  );

  it("every rule cites at least one", () => {
    for (const r of RULES) expect(Object.values(r.anchors).filter(Boolean).length, r.name).toBeGreaterThan(0);
  });

  it("every cited CIS section, KICS query, Checkov id and vendor page is in the verified list", () => {
    const unverified = items.filter(({ kind, item }) => !(kind === "guide" && isRepoDoc(item)) && !(item in VERIFIED_ANCHORS[kind]));
    expect(unverified).toEqual([]);
  });

  it("every docs/ page cited exists, with the heading its fragment names", () => {
    for (const { rule, item } of items.filter(({ kind, item }) => kind === "guide" && isRepoDoc(item))) {
      const [file, fragment] = item.split("#");
      expect(existsSync(join(ROOT, file!)), `${rule}: ${file}`).toBe(true);
      if (fragment) expect(headingsOf(file!), `${rule}: ${item}`).toContain(fragment);
    }
  });

  it("KICS items carry the query's id prefix and Checkov items are bare ids", () => {
    for (const k of Object.keys(VERIFIED_ANCHORS.kics)) expect(k).toMatch(/^[A-Z][\w '-]+ \([0-9a-f]{8}\)$/);
    for (const k of Object.keys(VERIFIED_ANCHORS.checkov)) expect(k).toMatch(/^CKV2?_[A-Z0-9]+_\d+$/);
  });

  it("a made-up anchor would be caught", () => {
    expect("Instance With No IMDSv2 (8d29754a)" in VERIFIED_ANCHORS.kics).toBe(false);
    expect("CKV_SECRET_6" in VERIFIED_ANCHORS.checkov).toBe(false);
  });
});

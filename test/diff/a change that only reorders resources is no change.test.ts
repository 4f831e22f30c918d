import { describe, expect, it } from "vitest";
import { diffPlans, renderMarkdown } from "../../infra/diff/index";
import { craftedBase } from "./crafted";

describe("reordering", () => {
  it("resources and their input keys in another order produce no changes", () => {
    const base = craftedBase();
    const shuffled = craftedBase();
    shuffled.resources.reverse();
    for (const r of shuffled.resources) r.inputs = Object.fromEntries(Object.entries(r.inputs).reverse());
    const report = diffPlans(base, shuffled);
    expect(report.headline).toBe("no changes");
    expect(report.resources).toEqual([]);
    expect(report.exposure.every((r) => !r.changed)).toBe(true);
    expect(renderMarkdown(report)).toBe("<!-- rampart-diff:crafted -->\n### Rampart diff: `crafted` — no changes\n\nNo resource, exposure or policy verdict changes.\n");
  });
});

import type { Plan } from "./run";

/** A human-readable table of the plan: resources by parent, then the policy verdict. */
export function formatPlanTable(plan: Plan): string {
  const rows = plan.resources.map((r) => [r.type, r.name, r.parent ? r.parent.split("::").pop()! : ""]);
  const header = ["TYPE", "NAME", "PARENT"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [`Plan of stack "${plan.stack}": ${plan.resources.length} resources`, "", line(header), ...rows.map(line), ""];
  const mandatory = plan.violations.filter((v) => v.level === "mandatory");
  if (plan.violations.length === 0) {
    out.push("Policy verdict: no violations");
  } else {
    out.push(`Policy verdict: ${plan.violations.length} violation(s), ${mandatory.length} mandatory`);
    for (const v of plan.violations) out.push(`  [${v.level}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`);
  }
  return out.join("\n") + "\n";
}

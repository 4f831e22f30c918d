import { CATEGORIES, CATEGORY_TITLES, changeText } from "./classify";
import type { DiffReport } from "./diff";
import { reachText, type ExposureRow } from "./exposure";

/**
 * The report as a sticky pull-request comment: a hidden marker a bot finds and updates, a one-line
 * summary, then the verdict, the security findings, the exposure table and the resource lists, the
 * long ones collapsed.
 */

/** Lists longer than this are collapsed in a `<details>` block. */
const COLLAPSE_AFTER = 10;

export function marker(stack: string): string {
  return `<!-- rampart-diff:${stack} -->`;
}

/** Inline code that survives backticks and pipes inside the value. */
function code(s: string): string {
  const t = s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
  return t.includes("`") ? `\`\` ${t} \`\`` : `\`${t}\``;
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

function details(summary: string, body: string[], open = false): string[] {
  return [`<details${open ? " open" : ""}><summary>${summary}</summary>`, "", ...body, "", "</details>"];
}

function maybeCollapsed(summary: string, body: string[], count: number): string[] {
  return count > COLLAPSE_AFTER ? details(summary, body) : [`**${summary}**`, "", ...body];
}

function exposureTable(rows: readonly ExposureRow[]): string[] {
  return [
    "| Port | Class | Before | After |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => `| ${code(r.label)} | ${r.class} | ${cell(reachText(r.before))} | ${r.widened ? "**" : ""}${cell(reachText(r.after))}${r.widened ? "**" : ""} |`),
  ];
}

export function renderMarkdown(report: DiffReport): string {
  const out: string[] = [marker(report.stack), `### Rampart diff: \`${report.stack}\` — ${report.headline}`, ""];
  const v = report.verdict;
  if (report.headline === "no changes") {
    out.push("No resource, exposure or policy verdict changes.", "");
    return out.join("\n");
  }

  out.push("#### Policy verdict");
  out.push(`Before: ${v.before.violations} violation(s), ${v.before.mandatory} mandatory → after: ${v.after.violations}, ${v.after.mandatory} mandatory.`);
  out.push(v.blocking.length > 0 ? `**Blocking: ${v.blocking.length} new mandatory violation(s).**` : "No new mandatory violation.", "");
  for (const x of v.new) out.push(`- ${x.level === "mandatory" ? "🛑 **new, blocking**" : `new, ${x.level}`} \`${x.policy}\`: ${x.message}${x.urn ? ` — ${code(x.urn)}` : ""}`);
  for (const x of v.resolved) out.push(`- ✅ resolved \`${x.policy}\`: ${x.message}${x.urn ? ` — ${code(x.urn)}` : ""}`);
  if (v.new.length + v.resolved.length > 0) out.push("");

  out.push("#### Security-relevant changes");
  if (report.findings.length === 0) out.push("None.", "");
  for (const cat of CATEGORIES) {
    const fs = report.findings.filter((f) => f.category === cat);
    if (fs.length === 0) continue;
    const body = fs.map((f) => `- ${f.name ? `${code(f.name)}: ` : ""}${f.sentence}`);
    out.push(...maybeCollapsed(`${CATEGORY_TITLES[cat]} (${fs.length})`, body, fs.length), "");
  }

  const changed = report.exposure.filter((r) => r.changed);
  out.push("#### Exposure before → after");
  out.push(changed.length === 0 ? "Who can reach which port does not change." : `${changed.length} port(s) change who can reach them${report.summary.newExposures > 0 ? `, ${report.summary.newExposures} widened (bold)` : ""}:`, "");
  if (changed.length > 0) out.push(...exposureTable(changed), "");
  out.push(...details(`All ${report.exposure.length} ports`, exposureTable(report.exposure)), "");

  out.push("#### Resources");
  for (const op of ["create", "delete", "update"] as const) {
    const rs = report.resources.filter((r) => r.op === op);
    if (rs.length === 0) continue;
    const title = { create: `+${rs.length} to create`, delete: `−${rs.length} to delete`, update: `~${rs.length} to update` }[op];
    const body = rs.flatMap((r) => {
      const rename = r.renamedFrom ? ` (rename: replaces ${code(r.renamedFrom)}, a delete + create)` : r.renamedTo ? ` (rename: replaced by ${code(r.renamedTo)}, a delete + create)` : "";
      const flag = r.findings.length > 0 ? " ⚠️" : "";
      return [`- ${code(r.name)} ${code(r.type)}${rename}${flag}`, ...r.changes.map((c) => `  - ${code(changeText(c))}`)];
    });
    out.push(...maybeCollapsed(title, body, body.length), "");
  }
  return out.join("\n");
}

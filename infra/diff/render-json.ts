import type { DiffReport } from "./diff";

/** The report for tools: the same content as the Markdown, values already masked. */
export function renderJson(report: DiffReport): string {
  return `${JSON.stringify({ ...report, resources: report.resources.map(({ before: _b, after: _a, ...r }) => r) }, null, 2)}\n`;
}

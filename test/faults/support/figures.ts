/** How the faults suite states its figures: one block per fault on stdout, with the numbers the README quotes. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const ms = (value: number): string => `${Math.round(value)} ms`;

/** Print a titled table (first row is the header) and free-form lines after it. */
export function printFigures(fault: string, rows: readonly (readonly (string | number)[])[], notes: readonly string[] = []): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c] ?? "").length)));
  const line = (r: readonly (string | number)[]) => r.map((v, c) => String(v).padEnd(widths[c]!)).join("  ").trimEnd();
  const text = [`\n== fault: ${fault}`, ...(rows.length > 1 ? [line(rows[0]!), ...rows.slice(1).map(line)] : []), ...notes.map((n) => `   ${n}`), ""].join("\n");
  process.stdout.write(text);
}

/** Resolve once `check()` is true, polling every `everyMs`; reject after `timeoutMs` naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 25): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (msToWait: number) => new Promise<void>((r) => setTimeout(r, msToWait));

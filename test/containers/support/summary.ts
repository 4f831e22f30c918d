/**
 * The properties each service was proven to have on the real engine, printed when the suite ends so the
 * CI log says what was shown, not only that tests passed.
 */
const proven = new Map<string, string[]>();
/** How long the suite waited, and for what (health checks): where a slow run spent its time. */
const waits: { what: string; ms: number }[] = [];

/** Records a property; call it only after the assertions proving it have passed. */
export function prove(service: string, property: string): void {
  const list = proven.get(service) ?? [];
  list.push(property);
  proven.set(service, list);
}

/** Records a finished wait (e.g. "redis healthy", 3400 ms) for the summary's last line. */
export function recordWait(what: string, ms: number): void {
  waits.push({ what, ms });
}

export function summary(title: string): string {
  const lines = [`\n${title}`];
  for (const [service, props] of proven) {
    lines.push(`  ${service}`);
    for (const p of props) lines.push(`    ✔ ${p}`);
  }
  if (proven.size === 0) lines.push("  (nothing proven)");
  if (waits.length > 0) {
    lines.push(`  waited for: ${waits.map((w) => `${w.what} ${Math.round(w.ms / 100) / 10} s`).join(", ")}`);
  }
  return lines.join("\n");
}

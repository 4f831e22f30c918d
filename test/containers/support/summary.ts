/**
 * The properties each service was proven to have on the real engine, printed when the suite ends so the
 * CI log says what was shown, not only that tests passed.
 */
const proven = new Map<string, string[]>();

/** Records a property; call it only after the assertions proving it have passed. */
export function prove(service: string, property: string): void {
  const list = proven.get(service) ?? [];
  list.push(property);
  proven.set(service, list);
}

export function summary(title: string): string {
  const lines = [`\n${title}`];
  for (const [service, props] of proven) {
    lines.push(`  ${service}`);
    for (const p of props) lines.push(`    ✔ ${p}`);
  }
  if (proven.size === 0) lines.push("  (nothing proven)");
  return lines.join("\n");
}

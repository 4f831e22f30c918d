/**
 * Small helpers for Cloudflare's Rules language: building literals safely and reading back what an
 * expression uses, so plan limits (regex, fields) can be checked before anything is deployed.
 */

/** A Rules-language string literal: quotes and backslashes escaped, so a value can never end the literal. */
export function literal(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `{"a" "b"}`: the set syntax of the `in` operator. */
export function literalSet(values: readonly string[]): string {
  return `{${values.map(literal).join(" ")}}`;
}

/**
 * The expression with every string literal (quoted and raw `r"…"`/`r#"…"#`) blanked out, so operators and
 * field names are found only in code, never inside a value such as a path.
 */
export function withoutStringLiterals(expression: string): string {
  let out = "";
  let i = 0;
  while (i < expression.length) {
    const ch = expression[i]!;
    const raw = /^r(#*)"/.exec(expression.slice(i));
    if (raw && !/[A-Za-z0-9_.]/.test(expression[i - 1] ?? "")) {
      const hashes = raw[1]!;
      const close = `"${hashes}`;
      const end = expression.indexOf(close, i + raw[0].length);
      i = end === -1 ? expression.length : end + close.length;
      out += '""';
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < expression.length && expression[j] !== '"') j += expression[j] === "\\" ? 2 : 1;
      i = j + 1;
      out += '""';
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** True when the expression uses the regex operator (`matches` or its C-like form `~`). */
export function usesRegex(expression: string): boolean {
  return /\bmatches\b|~/.test(withoutStringLiterals(expression));
}

/** The fields an expression reads, e.g. `http.request.uri.path`, `ip.src`, `http.request.headers`. */
export function fieldsOf(expression: string): string[] {
  const code = withoutStringLiterals(expression);
  const found = code.match(/\b(?:raw\.)?(?:http|ip|cf|ssl)\.[A-Za-z0-9_.]*[A-Za-z0-9_]/g) ?? [];
  return [...new Set(found)];
}

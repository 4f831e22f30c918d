/**
 * Every service rule reads the same uploaded file, and a pack run sees the same content many times (one
 * rule per directive family, several containers per service): parse each text once. Results are shared,
 * so callers treat them as read-only. Bounded so a long-lived policy server cannot grow without limit.
 */
export function memoByText<T>(parse: (text: string) => T, limit = 256): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const value = parse(text);
    if (cache.size >= limit) cache.clear();
    cache.set(text, value);
    return value;
  };
}

/** How messages name things, the same in the program's config errors and the gateway's. */

/** Words that take no article. */
const BARE = new Set(["null", "undefined", "NaN"]);

/**
 * `noun` with its indefinite article: "an integer", "an array", "a string", "a union", "a URL".
 * "an" before a, e, i, o and before "un" (undefined, unknown), but not before "uni" (union, unique).
 */
export function withArticle(noun: string): string {
  if (BARE.has(noun)) return noun;
  return `${/^(?:[aeio]|un(?!i))/i.test(noun) ? "an" : "a"} ${noun}`;
}

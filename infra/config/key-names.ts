/**
 * Which configuration keys a stack may hold. A key the program never reads is a mistake the engine
 * would pass over in silence (`rampar:adminCidrs`, or `acmeEmail` without its namespace): the admin
 * rules would vanish from the plan without a word. So a key is refused unless it is one of Rampart's
 * or lives in the namespace of a provider the program uses.
 */
import { CONFIG_KEYS, CONFIG_NAMESPACE } from "./keys";

/**
 * Namespaces of the providers the program uses, whose own keys (`aws:region`, `cloudflare:apiToken`)
 * the providers validate. A test keeps this list equal to the providers in package.json.
 */
export const PROVIDER_NAMESPACES: readonly string[] = ["acme", "aws", "cloudflare", "command", "docker", "kubernetes", "random", "tls"];

/** `pulumi:` keys are the engine's own (e.g. `pulumi:tags`). */
const ENGINE_NAMESPACE = "pulumi";

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The closest candidate within a typo's reach (case ignored), if any. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  const reach = Math.max(1, Math.floor(word.length / 4));
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d <= reach && (!best || d < best.d)) best = { candidate, d };
  }
  return best?.candidate;
}

const RAMPART_KEYS = Object.keys(CONFIG_KEYS);
const qualified = (name: string) => `${CONFIG_NAMESPACE}:${name}`;

/** Why a fully qualified key cannot be used, with the likely fix; undefined when it is fine. */
export function keyNameProblem(fullKey: string): string | undefined {
  const colon = fullKey.indexOf(":");
  if (colon <= 0) {
    const guess = nearest(fullKey, RAMPART_KEYS);
    return `${fullKey}: a key needs its namespace${guess ? `; did you mean ${qualified(guess)}?` : ` (e.g. ${qualified(fullKey)})`}`;
  }
  const ns = fullKey.slice(0, colon);
  const name = fullKey.slice(colon + 1);
  if (ns === CONFIG_NAMESPACE) {
    if (name in CONFIG_KEYS) return undefined;
    const guess = nearest(name, RAMPART_KEYS);
    return `${fullKey}: unknown configuration key${guess ? `; did you mean ${qualified(guess)}?` : ""}`;
  }
  if (ns === ENGINE_NAMESPACE || PROVIDER_NAMESPACES.includes(ns)) return undefined;
  const guessNs = nearest(ns, [CONFIG_NAMESPACE, ...PROVIDER_NAMESPACES]);
  const guess = guessNs === CONFIG_NAMESPACE && !(name in CONFIG_KEYS) ? nearest(name, RAMPART_KEYS) ?? name : name;
  const known = [CONFIG_NAMESPACE, ...PROVIDER_NAMESPACES].join(", ");
  return `${fullKey}: unknown namespace "${ns}" (known: ${known})${guessNs ? `; did you mean ${guessNs}:${guess}?` : ""}`;
}

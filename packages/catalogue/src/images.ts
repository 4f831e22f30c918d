/**
 * When is an image reference pinned, and which releases are too old to run? One verdict for config
 * validation, the container component and the policy pack (Checkov CKV_DOCKER_7: a floating tag lets a
 * registry push change what runs without a diff in review).
 *
 * Pinned: a digest (`name@sha256:<64 hex>`, with or without a tag), an image id (`sha256:<64 hex>`, how
 * images built by the program are referenced), or a tag carrying a full version: major.minor.patch,
 * optionally prefixed by `v` and followed by a suffix (`redis:8.2.2`, `x:1.2.3-bookworm`, `v1.9.4`).
 * Never: no tag (means `latest`), `latest`, or a floating tag such as `8`, `8.2`, `stable`, `alpine`.
 */

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const EXACT_VERSION_TAG = /^v?\d+\.\d+\.\d+(?:[-+._][A-Za-z0-9._-]+)?$/;
const REPOSITORY = /^[a-z0-9]+(?:[._\-/:a-z0-9]*[a-z0-9])?$/;

export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry[:port]/name[:tag][@digest]`; undefined when it is not an image reference at all. */
export function parseImageRef(ref: string): ImageRef | undefined {
  const [nameAndTag, digest, ...rest] = ref.trim().split("@");
  if (!nameAndTag || rest.length > 0) return undefined;
  const lastSlash = nameAndTag.lastIndexOf("/");
  const colon = nameAndTag.indexOf(":", lastSlash + 1);
  const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  if (!REPOSITORY.test(repository)) return undefined;
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export type PinVerdict = { readonly pinned: true } | { readonly pinned: false; readonly reason: string };

export function pinVerdict(ref: string): PinVerdict {
  const r = ref.trim();
  if (r === "") return { pinned: false, reason: "the image reference is empty" };
  if (DIGEST.test(r)) return { pinned: true };
  const parsed = parseImageRef(r);
  if (!parsed) return { pinned: false, reason: `image "${r}" is not a valid image reference` };
  if (parsed.digest !== undefined) {
    return DIGEST.test(parsed.digest) ? { pinned: true } : { pinned: false, reason: `image "${r}" has a malformed digest (expected sha256:<64 hex>)` };
  }
  if (parsed.tag === undefined) return { pinned: false, reason: `image "${r}" is not pinned: add an exact version tag or a sha256 digest` };
  if (parsed.tag === "latest") return { pinned: false, reason: `image "${r}" uses the tag "latest": pin an exact version (CKV_DOCKER_7)` };
  if (!EXACT_VERSION_TAG.test(parsed.tag)) {
    return {
      pinned: false,
      reason: `image "${r}" uses the floating tag "${parsed.tag}": pin an exact version (major.minor.patch, e.g. 1.28.0-alpine) or a sha256 digest`,
    };
  }
  return { pinned: true };
}

type Version = readonly [number, number, number];

export interface VersionFloor {
  /** The image's repository name without registry or namespace, e.g. `coturn` for `docker.io/coturn/coturn`. */
  readonly image: string;
  /**
   * The first release carrying the fix on each release line (major.minor) that got one. A version on a
   * listed line must be at least that release; a line between or before them never got the fix; a line
   * newer than every listed one has it.
   */
  readonly fixedIn: readonly Version[];
  readonly why: string;
}

/**
 * Releases older than these are refused wherever their version can be read from the tag: config
 * validation, the container component and the policy pack all ask `versionFloorProblem`. Services of the
 * catalogue without an entry (LiveKit, Elasticsearch, nginx, the gateway) have no floor yet.
 */
export const VERSION_FLOORS: readonly VersionFloor[] = [
  {
    image: "coturn",
    fixedIn: [[4, 13, 0]],
    why: "older coturn relays to IPv4-mapped IPv6 peers (::ffff:127.0.0.1) past its denied-peer list",
  },
  {
    image: "redis",
    // The release lines Redis patched on 2025-10-03 (docker-library/official-images#20011).
    fixedIn: [
      [6, 2, 20],
      [7, 2, 11],
      [7, 4, 6],
      [8, 0, 4],
      [8, 2, 2],
    ],
    why: "older Redis lets a Lua script run code in the server (CVE-2025-49844, CVE-2025-46817) or as another user (CVE-2025-46818)",
  },
];

function versionOf(tag: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: readonly number[], b: readonly number[], parts = 3): number {
  for (let i = 0; i < parts; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Whether `v` carries the fix of `floor` (see VersionFloor.fixedIn). */
export function meetsFloor(v: Version, floor: VersionFloor): boolean {
  const sameLine = floor.fixedIn.find((f) => compare(f, v, 2) === 0);
  if (sameLine) return compare(v, sameLine) >= 0;
  return floor.fixedIn.every((f) => compare(v, f, 2) > 0);
}

function floorText(floor: VersionFloor): string {
  const texts = floor.fixedIn.map((f) => f.join("."));
  return texts.length === 1 ? texts[0]! : `${texts.slice(0, -1).join(", ")} or ${texts[texts.length - 1]} (on their release lines)`;
}

/** Why `ref` is below its image's version floor, or undefined (also when its version cannot be read from the tag). */
export function versionFloorProblem(ref: string): string | undefined {
  const parsed = parseImageRef(ref);
  if (!parsed?.tag) return undefined;
  const name = parsed.repository.slice(parsed.repository.lastIndexOf("/") + 1);
  const floor = VERSION_FLOORS.find((f) => f.image === name);
  const version = versionOf(parsed.tag);
  if (!floor || !version || meetsFloor(version, floor)) return undefined;
  return `image "${ref.trim()}" is ${name} ${version.join(".")}, below the floor ${floorText(floor)}: ${floor.why}`;
}

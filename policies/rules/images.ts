/**
 * When is a Docker image reference "pinned"? (Checkov CKV_DOCKER_7, DESIGN §3)
 *
 * - a digest (`name@sha256:<64 hex>`, with or without a tag), or an image id (`sha256:<64 hex>`) —
 *   this is how images built by the program (docker.Image `repoDigest`, docker.RemoteImage `imageId`)
 *   are referenced, and it is immutable;
 * - or an explicit tag carrying a full version: major.minor.patch, optionally prefixed by `v` and
 *   followed by a suffix (`redis:7.4.1`, `x:1.2.3-bookworm`, `livekit/livekit-server:v1.8.0`).
 * Never: no tag (means `latest`), `latest`, or a floating tag such as `7`, `7.4`, `stable`, `alpine`.
 */
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
const FULL_VERSION = /^v?\d+\.\d+\.\d+(?:[-_.+][A-Za-z0-9._-]+)?$/;

export type PinVerdict = { pinned: true } | { pinned: false; reason: string };

/** The tag of a reference: after the last ':' that follows the last '/' (a registry may carry a port). */
export function imageTag(ref: string): string | undefined {
  const withoutDigest = ref.split("@")[0] ?? ref;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.indexOf(":", lastSlash + 1);
  return colon >= 0 ? withoutDigest.slice(colon + 1) : undefined;
}

export function pinVerdict(ref: string): PinVerdict {
  const r = ref.trim();
  if (r === "") return { pinned: false, reason: "the image reference is empty" };
  if (IMAGE_ID.test(r) || DIGEST.test(r)) return { pinned: true };
  const tag = imageTag(r);
  if (tag === undefined) return { pinned: false, reason: `"${r}" has no tag, which means "latest"` };
  if (tag === "latest") return { pinned: false, reason: `"${r}" uses the floating "latest" tag` };
  if (!FULL_VERSION.test(tag)) return { pinned: false, reason: `"${r}" has tag "${tag}", which is not an exact version (major.minor.patch) or a digest` };
  return { pinned: true };
}

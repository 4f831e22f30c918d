/**
 * Image references must be pinned (DESIGN §3, Checkov CKV_DOCKER_7): an exact version tag and/or a
 * sha256 digest. Floating tags (`latest`, `stable`, `1.28`, `8-alpine`) would let a registry push change
 * what runs without a diff in review.
 */

const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** An exact release: at least major.minor.patch, optionally a `v` prefix and a suffix (`-alpine`, `-r0`). */
const EXACT_VERSION_TAG = /^v?\d+\.\d+\.\d+(?:[-+._][A-Za-z0-9._-]+)?$/;

export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImageRef(ref: string): ImageRef {
  const [nameAndTag, digest, ...rest] = ref.split("@");
  if (!nameAndTag || rest.length > 0) throw new Error(`image "${ref}" is not a valid image reference`);
  const lastSlash = nameAndTag.lastIndexOf("/");
  const colon = nameAndTag.indexOf(":", lastSlash + 1);
  const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  if (!/^[a-z0-9]+(?:[._\-/:a-z0-9]*[a-z0-9])?$/.test(repository)) {
    throw new Error(`image "${ref}" has an invalid repository name "${repository}"`);
  }
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Throws a clear error unless `ref` is pinned to an exact version or digest. Returns it unchanged. */
export function assertPinnedImage(ref: string, service: string): string {
  const parsed = parseImageRef(ref.trim());
  if (parsed.digest !== undefined && !DIGEST.test(parsed.digest)) {
    throw new Error(`${service}: image "${ref}" has a malformed digest (expected sha256:<64 hex>)`);
  }
  if (parsed.tag === undefined && parsed.digest === undefined) {
    throw new Error(`${service}: image "${ref}" is not pinned: add an exact version tag or a sha256 digest`);
  }
  if (parsed.tag === "latest") {
    throw new Error(`${service}: image "${ref}" uses the tag "latest": pin an exact version (CKV_DOCKER_7)`);
  }
  if (parsed.tag !== undefined && parsed.digest === undefined && !EXACT_VERSION_TAG.test(parsed.tag)) {
    throw new Error(
      `${service}: image "${ref}" uses the floating tag "${parsed.tag}": pin an exact version ` +
        `(major.minor.patch, e.g. 1.28.0-alpine) or a sha256 digest`,
    );
  }
  return ref;
}

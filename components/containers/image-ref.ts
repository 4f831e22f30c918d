/**
 * A container's image must be pinned and at or above its version floor (docs/container-baseline.md,
 * Checkov CKV_DOCKER_7); the verdict itself is the shared one the policy pack applies.
 */
import { pinVerdict, versionFloorProblem } from "@rampart/catalogue";

/** Throws a clear error naming the service unless `ref` is pinned and recent enough. Returns it unchanged. */
export function assertPinnedImage(ref: string, service: string): string {
  const verdict = pinVerdict(ref);
  const problem = verdict.pinned ? versionFloorProblem(ref) : verdict.reason;
  if (problem) throw new Error(`${service}: ${problem}`);
  return ref;
}

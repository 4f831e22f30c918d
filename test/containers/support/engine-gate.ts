/**
 * The container suite needs a Docker engine and the locally built images. Locally a missing piece skips
 * the suite with the command that provides it; under CI it fails (docs/testing.md: never skip in CI).
 */
import { execFileSync } from "node:child_process";
import { describe } from "vitest";
import { DEFAULT_IMAGES } from "../../../components/containers/images";
import { describeWithBinaries, dockerAvailable, IN_CI } from "../../support/testbed";

/** scripts/testbed/images.sh tags the LiveKit image with the release the stack pins (v1.13.5 -> 1.13.5). */
function livekitImage(): string {
  const version = /:v(\d+\.\d+\.\d+)/.exec(DEFAULT_IMAGES.livekit)?.[1];
  if (!version) throw new Error(`DEFAULT_IMAGES.livekit (${DEFAULT_IMAGES.livekit}) is not pinned to a vX.Y.Z tag`);
  return `rampart-test/livekit:${version}`;
}

export const LOCAL_IMAGES = {
  base: "rampart-test/base:bookworm",
  coturn: "rampart-test/coturn:bookworm",
  nginx: "rampart-test/nginx:bookworm",
  redis: "rampart-test/redis:bookworm",
  node: "rampart-test/node24:bookworm",
  gateway: "rampart-test/gateway:local",
  livekit: livekitImage(),
  // Assembled from Maven Central at the version the stack pins (scripts/testbed/opensearch-dist.sh).
  opensearch: `rampart-test/opensearch:${DEFAULT_IMAGES.opensearch.slice(DEFAULT_IMAGES.opensearch.lastIndexOf(":") + 1)}`,
} as const;

function missingImages(names: readonly string[]): string[] {
  return names.filter((image) => {
    try {
      execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", image], { stdio: "pipe", timeout: 10_000 });
      return false;
    } catch {
      return true;
    }
  });
}

/** `describe` for a suite that runs containers from the given local images. */
export function describeWithEngine(images: readonly string[]): typeof describe {
  const withBinaries = describeWithBinaries(["docker", "tar", "openssl"]);
  if (withBinaries !== describe) return withBinaries as typeof describe;
  let problem: string | undefined;
  if (!dockerAvailable()) {
    problem = "no Docker engine answers (run scripts/testbed/dockerd.sh)";
  } else {
    const missing = missingImages(images);
    if (missing.length > 0) problem = `images ${missing.join(", ")} are missing (run scripts/testbed/images.sh)`;
  }
  if (problem === undefined) return describe;
  if (IN_CI) {
    return ((title: string) =>
      describe(title, () => {
        throw new Error(`container testbed incomplete: ${problem}`);
      })) as unknown as typeof describe;
  }
  console.warn(`skipping container suite: ${problem}`);
  return describe.skip as unknown as typeof describe;
}

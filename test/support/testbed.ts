import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe } from "vitest";

/**
 * Integration tests need real servers (docs/testing.md). On a developer machine without them a suite may
 * skip; under CI=true a missing server is a failure, never a skip (docs/testing.md).
 */
export const IN_CI = process.env.CI === "true" || process.env.CI === "1";

const SEARCH_PATH = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin"];

/** Absolute path of an executable, or undefined when it is not installed. */
export function findBinary(name: string): string | undefined {
  if (name.includes("/")) return existsSync(name) ? name : undefined;
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...SEARCH_PATH]) {
    if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** Names of the executables among `names` that are missing. */
export function missingBinaries(names: readonly string[]): string[] {
  return names.filter((n) => findBinary(n) === undefined);
}

/** True when a Docker engine answers. */
export function dockerAvailable(): boolean {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe` for a suite that needs the given executables (and root, when asked). What is missing skips
 * the suite locally and fails it under CI (the error names what is missing and how to get it).
 */
export function describeWithBinaries(names: readonly string[], needs: { root?: boolean } = {}) {
  const missing = missingBinaries(names);
  const notRoot = needs.root === true && process.getuid?.() !== 0;
  if (missing.length === 0 && !notRoot) return describe;
  const message = missing.length
    ? `testbed incomplete: ${missing.join(", ")} not installed (run scripts/testbed/install.sh)`
    : "testbed incomplete: this suite needs root (network namespaces, or dropping to an unprivileged uid)";
  if (IN_CI) {
    return ((title: string, _fn: () => void) =>
      describe(title, () => {
        throw new Error(message);
      })) as unknown as typeof describe;
  }
  console.warn(`skipping: ${message}`);
  return describe.skip;
}

/**
 * Puts the STAND-IN provider (./stand-in-provider.ts) on a PATH as `pulumi-resource-<package>`, one
 * small shell wrapper per provider package the program uses, so the real Pulumi CLI finds each as an
 * ambient plugin. The provider is bundled once with esbuild (the project's own sources only; npm
 * packages stay in node_modules): the engine starts one process per provider, and plain node on a
 * bundle starts far faster than tsx compiling infra/plan on every start.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

export const ROOT = resolve(__dirname, "..", "..", "..");

/** Every provider package the program's SDKs register resources or call functions with. */
export const STAND_IN_PACKAGES = ["aws", "cloudflare", "command", "docker", "random", "tls", "acme"] as const;

export interface StandInBin {
  /** Folder holding the `pulumi-resource-*` wrappers: put it first on the engine's PATH. */
  binDir: string;
  /** The bundled stand-in provider. */
  script: string;
}

export async function installStandIns(dir: string): Promise<StandInBin> {
  const binDir = join(dir, "bin");
  mkdirSync(binDir, { recursive: true });
  const script = join(dir, "stand-in-provider.cjs");
  await build({
    entryPoints: [join(__dirname, "stand-in-provider.ts")],
    outfile: script,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    packages: "external",
    logLevel: "error",
  });
  const node = process.execPath;
  for (const pkg of STAND_IN_PACKAGES) {
    const wrapper = join(binDir, `pulumi-resource-${pkg}`);
    // NODE_PATH: the bundle lives outside the tree, its npm packages (and @rampart/catalogue) inside it.
    writeFileSync(
      wrapper,
      `#!/bin/sh\n# STAND-IN for the ${pkg} provider (test/engine/support/stand-in-provider.ts), not the real plugin.\n` +
        `NODE_PATH='${join(ROOT, "node_modules")}' exec '${node}' '${script}' ${pkg} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  }
  return { binDir, script };
}

/**
 * The policy pack as an analyzer plugin: the engine runs an executable `policyPacks` entry with its own
 * address as the one argument; the pack is served by @pulumi/pulumi's policy-pack runner from policies/.
 */
export function writePolicyPackLauncher(dir: string, packDir = join(ROOT, "policies")): string {
  const launcher = join(dir, "rampart-policy-pack");
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
  writeFileSync(launcher, `#!/bin/sh\ncd '${packDir}' || exit 1\nexec '${process.execPath}' '${runner}' "$1" .\n`);
  chmodSync(launcher, 0o755);
  return launcher;
}

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * scripts/tools/check-node.cjs runs first in the pre* hooks of the scripts people type (plan,
 * policy:check, test, typecheck): on a Node.js older than package.json's engines.node it prints how to
 * get a current one and exits 1, before anything can fail with a syntax error or a stack trace.
 */
const ROOT = join(__dirname, "../..");
const SCRIPT = join(ROOT, "scripts/tools/check-node.cjs");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string }; scripts: Record<string, string> };
const minimum = /^>=\s*(\d+)/.exec(manifest.engines.node)?.[1];

function check(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", env: { ...process.env, RAMPART_CHECK_NODE_VERSION: "", ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the Node.js version check", () => {
  it("reads a '>= N' engines range (the message names N)", () => {
    expect(minimum).toBeDefined();
  });

  it("refuses an older Node, saying which version is needed, which one this is and how to get one", () => {
    const old = `v${Number(minimum) - 2}.11.1`;
    const r = check(["--node-version", old]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`Rampart needs Node.js >= ${minimum} (this is ${old}): `);
    expect(r.stderr).toMatch(/source scripts\/ci\/node24\.sh/);
    expect(r.stderr).toMatch(/npm install --prefix ~\/\.node24 node@24/);
    expect(r.stderr).toMatch(/nvm install 24/);
    expect(r.stderr).toMatch(/https:\/\/nodejs\.org\//);
  });

  it("takes the version to judge from RAMPART_CHECK_NODE_VERSION too", () => {
    const r = check([], { RAMPART_CHECK_NODE_VERSION: "18.19.0" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Rampart needs Node.js >= ${minimum} (this is v18.19.0)`);
  });

  it("passes silently on the minimum itself and on the running Node", () => {
    expect(check(["--node-version", `v${minimum}.0.0`])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(check([])).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("runs first in the pre hooks of plan, policy:check, test and typecheck", () => {
    for (const script of ["plan", "policy:check", "test", "typecheck"]) {
      expect(manifest.scripts[script], script).toBeDefined();
      expect(manifest.scripts[`pre${script}`], `pre${script}`).toMatch(/^node scripts\/tools\/check-node\.cjs && /);
    }
  });
});

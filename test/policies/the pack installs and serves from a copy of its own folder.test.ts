import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { RULES } from "@rampart/policies/rules";
import { analyzer, connectToPack, type ServedPack } from "../support/policy-analyzer";
import { resource } from "./fixtures/build";

/**
 * What `pulumi policy publish` ships is what `npm pack --loglevel=error` makes of policies/ (the CLI
 * reads the tarball's name from npm's stdout: pulumi/pulumi sdk/nodejs/npm/npm.go, npmManager.Pack);
 * what an organisation's stacks run is that tarball extracted, `npm install`ed (installRequiredPolicy
 * in pkg/backend/httpstate/policypack.go), and started by the Node language host as
 * `node @pulumi/pulumi/cmd/run-policy-pack <engine> .` in the pack's folder, which registers ts-node
 * (type-checking, with the folder's tsconfig.json) and requires `main`; @pulumi/policy then serves the
 * Analyzer gRPC service and prints its port. This test does exactly that, far from the repository,
 * without network, and asks the served pack what the engine asks. Anything the pack reaches outside
 * its folder (an import of ../../components, a tsconfig extending ../tsconfig.json, the workspace link
 * to @rampart/catalogue) is missing there, and the pack then never prints a port.
 */
const ROOT = resolve(__dirname, "../..");
const POLICIES = join(ROOT, "policies");
const PACKAGE = JSON.parse(readFileSync(join(POLICIES, "package.json"), "utf8")) as { name: string; version: string; main: string };
const TARBALL = `${PACKAGE.name.replace(/^@/, "").replace("/", "-")}-${PACKAGE.version}.tgz`;
const run = promisify(execFile);

/** The environment of a developer shell, not of the npm script that may be running vitest. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_config_(local_prefix|prefix|workspaces?|include_workspace_root|foreground_scripts)$|^INIT_CWD$|^NODE_PATH$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

let work: string;
let packStdout = "";
let entries: string[] = [];
let installed: string;
let pack: ChildProcess | undefined;
let served: ServedPack | undefined;

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const redisRule = (cidrIpv4: string) => resource(INGRESS, { securityGroupId: "sg-1", description: "redis", cidrIpv4, ipProtocol: "tcp", fromPort: 6379, toPort: 6379 });

describe("the policy pack as `pulumi policy publish` ships it", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "rampart-pack-"));
    const out = join(work, "tarball");
    installed = join(work, "install");
    mkdirSync(out);
    mkdirSync(installed);

    // 1. The command the Pulumi CLI runs (plus a destination, so the repository stays clean).
    packStdout = (await run("npm", ["pack", "--loglevel=error", "--pack-destination", out], { cwd: POLICIES, env: cleanEnv(), maxBuffer: 16 << 20 })).stdout;
    const tgz = join(out, TARBALL);
    entries = (await run("tar", ["-tzf", tgz], { maxBuffer: 16 << 20 })).stdout.split("\n").filter(Boolean);

    // 2. What the service hands to a stack: the tarball, extracted and installed on its own.
    await run("tar", ["-xzf", tgz, "-C", installed]);
    installed = join(installed, "package");
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: installed, env: cleanEnv(), maxBuffer: 16 << 20 });

    // 3. The Node language host's RunPlugin for a policy pack: run-policy-pack from the pack's own
    //    node_modules, args <engine-address> <program dir>, cwd the pack's folder.
    const runner = join(installed, "node_modules/@pulumi/pulumi/cmd/run-policy-pack");
    const env = cleanEnv({ TS_NODE_CACHE_DIRECTORY: join(work, "ts-node-cache") });
    const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: installed, env, stdio: ["ignore", "pipe", "pipe"] });
    pack = child;
    served = await connectToPack(child, "the installed pack", 120_000);
  }, 300_000);

  afterAll(() => {
    served?.close();
    if (pack?.exitCode === null) pack.kill();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("npm pack prints only the tarball's name on stdout (the Pulumi CLI reads it as the file name)", () => {
    expect(packStdout.trim()).toBe(TARBALL);
  });

  it("the tarball carries the built catalogue, a shrinkwrap, the licence and the pack's sources, nothing from outside", () => {
    expect(entries).toEqual(expect.arrayContaining([
      "package/package.json",
      "package/PulumiPolicy.yaml",
      "package/tsconfig.json",
      "package/LICENSE",
      `package/${PACKAGE.main}`,
      "package/npm-shrinkwrap.json",
      "package/node_modules/@rampart/catalogue/package.json",
      "package/node_modules/@rampart/catalogue/dist/index.js",
    ]));
    expect(entries.filter((e) => !e.startsWith("package/") || e.includes(".."))).toEqual([]);
    expect(entries.filter((e) => e.startsWith("package/node_modules/") && !e.startsWith("package/node_modules/@rampart/catalogue/"))).toEqual([]);
    expect(entries.filter((e) => e.startsWith("package/node_modules/@rampart/catalogue/src/"))).toEqual([]);
  });

  it("packing leaves policies/ as it was (the staged catalogue and shrinkwrap are removed again)", () => {
    expect(existsSync(join(POLICIES, "npm-shrinkwrap.json"))).toBe(false);
    expect(existsSync(join(POLICIES, "node_modules/.rampart-pack-staged.json"))).toBe(false);
    // The workspace resolves the live catalogue again: no real folder shadows its link.
    const staged = join(POLICIES, "node_modules/@rampart/catalogue");
    expect(existsSync(staged) && !lstatSync(staged).isSymbolicLink()).toBe(false);
  });

  it("the installed copy lives outside the repository and resolves the catalogue from its own node_modules", () => {
    expect(relative(ROOT, installed).startsWith(`..${sep}`)).toBe(true);
    const resolved = createRequire(join(installed, PACKAGE.main)).resolve("@rampart/catalogue");
    expect(resolved.startsWith(join(installed, "node_modules", "@rampart", "catalogue") + sep)).toBe(true);
  });

  it("GetAnalyzerInfo names the pack, its version and every rule of policies/rules", async () => {
    const i = await served!.info();
    expect(i.getName()).toBe("rampart");
    expect(i.getVersion()).toBe(PACKAGE.version);
    const names = i.getPoliciesList().map((p) => p.getName()).sort();
    // Every rule, and the `profile` policy that carries the profile's choice (it checks nothing).
    expect(names).toHaveLength(RULES.length + 1);
    expect(names).toEqual(["profile", ...RULES.map((r) => r.name)].sort());
  });

  it("Analyze refuses Redis open to 0.0.0.0/0, as the offline evaluator does", async () => {
    const r = redisRule("0.0.0.0/0");
    const diagnostics = await served!.analyze(r);
    const world = diagnostics.filter((d) => d.policy === "security-group-no-world-admin-or-internal-ports");
    expect(world).toHaveLength(1);
    expect(world[0]!.message).toMatch(/6379\/tcp Redis/);
    expect(world[0]!.level).toBe(analyzer.EnforcementLevel.MANDATORY);
    const offline = evaluatePolicies([r]).violations.filter((v) => v.level !== "remediate").map((v) => v.policy);
    expect(diagnostics.map((d) => d.policy).sort()).toEqual(offline.sort());
  });

  it("Analyze accepts the same rule from a private range", async () => {
    expect(await served!.analyze(redisRule("10.0.0.0/16"))).toEqual([]);
  });
});

describe("the pack's folder is self-contained", () => {
  it("no TypeScript file under policies/ imports from outside the folder", () => {
    const outside: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory() && e.name !== "node_modules") walk(p);
        else if (e.isFile() && e.name.endsWith(".ts")) {
          for (const m of readFileSync(p, "utf8").matchAll(/\b(?:from|import|require)\s*\(?\s*["'](\.{1,2}\/[^"']*)["']/g)) {
            if (relative(POLICIES, resolve(dir, m[1]!)).startsWith("..")) outside.push(`${relative(ROOT, p)}: ${m[1]}`);
          }
        }
      }
    };
    walk(POLICIES);
    expect(outside).toEqual([]);
  });

  it("policies/tsconfig.json neither extends nor includes anything outside policies/", () => {
    const text = readFileSync(join(POLICIES, "tsconfig.json"), "utf8");
    const tsconfig = JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")) as { extends?: string; include?: string[]; files?: string[] };
    expect(tsconfig.extends).toBeUndefined();
    for (const p of [...(tsconfig.include ?? []), ...(tsconfig.files ?? [])]) expect(relative(POLICIES, resolve(POLICIES, p)).startsWith("..")).toBe(false);
  });
});

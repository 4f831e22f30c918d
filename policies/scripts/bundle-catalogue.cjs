#!/usr/bin/env node
"use strict";
/**
 * prepack / postpack of the policy pack: makes `npm pack` in policies/ produce a tarball that
 * installs and runs on its own, away from this repository.
 *
 * Why: `pulumi policy publish` uploads exactly what `npm pack --loglevel=error`, run in the pack's
 * folder, produces (pulumi/pulumi pkg/backend/httpstate/policypack.go, cloudPolicyPack.Publish →
 * sdk/nodejs/npm/npm.go, npmManager.Pack: it reads the tarball's file name from npm's stdout). The
 * service later hands that tarball to every `pulumi up`/`preview` of the organisation, which
 * extracts it and runs `npm install` in it (installRequiredPolicy). So:
 *
 *  - @rampart/catalogue is a workspace package that is not on any registry. `bundleDependencies`
 *    alone does not carry it: npm 11 leaves a workspace-linked bundled dependency out of the
 *    tarball (the link lives in the workspace root's node_modules, not in policies/node_modules).
 *    prepack therefore packs the catalogue the standard way (`npm pack` in its folder, which runs
 *    its `prepare` = tsc build and honours its `files`), extracts that tarball into
 *    policies/node_modules/@rampart/catalogue, and npm then bundles that real folder.
 *  - the installing side has no lockfile of this repository (npm never packs package-lock.json),
 *    so prepack writes npm-shrinkwrap.json (which npm does pack and `npm install` honours): the
 *    pack's slice of the workspace lockfile, so a published pack installs exactly the tree this
 *    repository tested, and can install from a warm npm cache without network.
 *  - LICENSE is copied in: npm only packs the package folder's own.
 *
 * Everything prepack stages is listed in node_modules/.rampart-pack-staged.json and removed by
 * postpack, so the workspace goes back to resolving the live catalogue through its link.
 * Progress goes to stderr only: the Pulumi CLI takes npm's whole stdout as the tarball's name
 * (pulumi/pulumi#6594), which is also why the workspace .npmrc sets foreground-scripts=false.
 *
 * Outside a workspace (e.g. `npm pack` in an extracted copy) it changes nothing: the bundled
 * catalogue and the shrinkwrap that came with the copy are packed again as they are.
 */
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const PACK = path.dirname(__dirname);
const CATALOGUE = "@rampart/catalogue";
const STAGED_CATALOGUE = path.join(PACK, "node_modules", ...CATALOGUE.split("/"));
const MARKER = path.join(PACK, "node_modules", ".rampart-pack-staged.json");
const SHRINKWRAP = path.join(PACK, "npm-shrinkwrap.json");
const LICENSE = path.join(PACK, "LICENSE");

const log = (message) => process.stderr.write(`policies ${process.argv[2] ?? ""}: ${message}\n`);
const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
const posix = (p) => p.split(path.sep).join("/");

/** The npm workspace root that lists this folder as a workspace, or undefined. */
function workspaceRoot() {
  for (let dir = path.dirname(PACK); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const ws = readJson(manifest).workspaces;
      const patterns = Array.isArray(ws) ? ws : (ws?.packages ?? []);
      const rel = posix(path.relative(dir, PACK));
      const matches = patterns.some((p) => {
        const pattern = posix(path.normalize(p)).replace(/\/$/, "");
        if (pattern === rel) return true;
        if (pattern.endsWith("/*")) return posix(path.dirname(rel)) === pattern.slice(0, -2);
        return false;
      });
      if (matches) return dir;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Runs npm (the same npm that runs this script, when there is one). */
function npm(args, cwd) {
  const cli = process.env.npm_execpath;
  const [file, argv] = cli && /\.c?js$/.test(cli) ? [process.execPath, [cli, ...args]] : ["npm", args];
  return execFileSync(file, argv, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], shell: file === "npm" && process.platform === "win32" });
}

function removeStaged() {
  if (!fs.existsSync(MARKER)) return;
  const { created = [] } = readJson(MARKER);
  // Newest first: files and trees, then the folders prepack had to create (only if left empty).
  for (const { path: rel, tree } of [...created].reverse()) {
    const abs = path.join(PACK, rel);
    if (!fs.existsSync(abs) && !isLink(abs)) continue;
    if (!tree && fs.lstatSync(abs).isDirectory()) {
      if (fs.readdirSync(abs).filter((f) => path.join(abs, f) !== MARKER).length === 0) fs.rmSync(abs, { recursive: true, force: true });
    } else {
      fs.rmSync(abs, { recursive: true, force: true });
    }
  }
  fs.rmSync(MARKER, { force: true });
}

function isLink(p) {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Parent location of a lockfile location ("node_modules/a/node_modules/b" → "node_modules/a"). */
function parentLocation(loc) {
  const i = loc.lastIndexOf("/node_modules/");
  return i < 0 ? "" : loc.slice(0, i);
}

/** Where Node would find `name` from lockfile location `from`, following the lockfile's layout. */
function resolveIn(packages, from, name) {
  for (let loc = from; ; loc = parentLocation(loc)) {
    const candidate = loc === "" ? `node_modules/${name}` : `${loc}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (loc === "") return undefined;
  }
}

// Flags recomputed for the pack's own tree, and "resolved": a registry URL of this workspace's
// configuration (a consumer's npm derives it from its own registry and checks the integrity).
const ENTRY_FLAGS = ["dev", "devOptional", "optional", "peer", "resolved", "link", "inBundle", "extraneous"];

/**
 * The pack's slice of the workspace lockfile, relocated so policies/ is the root: every package
 * the pack reaches through dependencies, optionalDependencies and peerDependencies, from the
 * locations npm placed them at. The catalogue (a workspace link) becomes a bundled entry.
 */
function shrinkwrap(root, pack, catalogue) {
  const lock = readJson(path.join(root, "package-lock.json"));
  const packages = lock.packages ?? {};
  const self = posix(path.relative(root, PACK));
  const catalogueLoc = packages[`node_modules/${CATALOGUE}`]?.resolved ?? posix(path.relative(root, fs.realpathSync(catalogue.dir)));
  // The pack and the catalogue as they are on disk (the lockfile may lag behind them).
  const manifestOf = (loc) => (loc === self ? pack : loc === catalogueLoc ? catalogue.manifest : packages[loc]);
  const edges = (loc, withOptional) => {
    const m = manifestOf(loc);
    const required = { ...m.dependencies };
    const meta = m.peerDependenciesMeta ?? {};
    for (const name of Object.keys(m.peerDependencies ?? {})) if (!meta[name]?.optional) required[name] = m.peerDependencies[name];
    const optional = withOptional ? { ...m.optionalDependencies, ...Object.fromEntries(Object.keys(meta).filter((n) => meta[n].optional && m.peerDependencies?.[n]).map((n) => [n, m.peerDependencies[n]])) } : {};
    return [...Object.keys(required).map((n) => [n, false]), ...Object.keys(optional).map((n) => [n, true])];
  };
  // Walk twice: required edges only, then all edges; what only the second walk reaches is optional.
  const walk = (withOptional) => {
    const seen = new Set([self]);
    const queue = [self];
    while (queue.length > 0) {
      const from = queue.shift();
      for (const [name, optional] of edges(from, withOptional)) {
        let loc = resolveIn(packages, from, name);
        if (!loc) {
          if (optional) continue;
          throw new Error(`package-lock.json has no ${name} for ${from || "the root"}: run npm install in the workspace root`);
        }
        if (packages[loc].link) loc = packages[loc].resolved;
        if (!seen.has(loc)) {
          seen.add(loc);
          queue.push(loc);
        }
      }
    }
    seen.delete(self);
    return seen;
  };
  const required = walk(false);
  const all = walk(true);

  const out = {
    "": {
      name: pack.name,
      version: pack.version,
      ...(pack.license ? { license: pack.license } : {}),
      dependencies: pack.dependencies,
      ...(pack.bundleDependencies ? { bundleDependencies: pack.bundleDependencies } : {}),
      ...(pack.engines ? { engines: pack.engines } : {}),
    },
  };
  const origin = new Map();
  for (const loc of [...all].sort()) {
    let target;
    let entry;
    if (loc === catalogueLoc) {
      target = `node_modules/${CATALOGUE}`;
      const m = catalogue.manifest;
      entry = { version: m.version, inBundle: true, ...(m.license ? { license: m.license } : {}), ...(m.dependencies ? { dependencies: m.dependencies } : {}), ...(m.engines ? { engines: m.engines } : {}) };
    } else if (loc.startsWith(`${catalogueLoc}/`) || (!loc.startsWith("node_modules/") && !loc.startsWith(`${self}/node_modules/`))) {
      throw new Error(`cannot relocate ${loc} into the pack (a nested dependency of a workspace package)`);
    } else {
      target = loc.startsWith(`${self}/`) ? loc.slice(self.length + 1) : loc;
      entry = Object.fromEntries(Object.entries(packages[loc]).filter(([k]) => !ENTRY_FLAGS.includes(k)));
      if (!required.has(loc)) entry.optional = true;
    }
    if (origin.has(target)) throw new Error(`${origin.get(target)} and ${loc} would both land at ${target}: the pack's tree cannot be flattened from the workspace lockfile`);
    origin.set(target, loc);
    out[target] = entry;
  }
  return { name: pack.name, version: pack.version, lockfileVersion: 3, requires: true, packages: out };
}

function prepack() {
  removeStaged(); // a pack that died between prepack and postpack
  const root = workspaceRoot();
  if (!root) {
    for (const needed of [STAGED_CATALOGUE, SHRINKWRAP]) {
      if (!fs.existsSync(needed)) throw new Error(`not inside the Rampart workspace and ${posix(path.relative(PACK, needed))} is missing: pack from the repository`);
    }
    log("outside the workspace: packing the bundled catalogue and shrinkwrap as they are");
    return;
  }
  const created = [];
  const record = () => fs.writeFileSync(MARKER, `${JSON.stringify({ created }, null, 2)}\n`);
  const mkdir = (dir) => {
    const rel = posix(path.relative(PACK, dir));
    if (fs.existsSync(dir)) return;
    mkdir(path.dirname(dir));
    fs.mkdirSync(dir);
    created.push({ path: rel });
  };
  try {
    mkdir(path.dirname(MARKER));
    record();
    if (fs.existsSync(STAGED_CATALOGUE) && !isLink(STAGED_CATALOGUE)) {
      throw new Error(`${posix(path.relative(PACK, STAGED_CATALOGUE))} is a real folder that prepack did not stage: remove it and pack again`);
    }
    const catalogueDir = fs.realpathSync(path.dirname(require.resolve(`${CATALOGUE}/package.json`, { paths: [root] })));

    // 1. The catalogue as npm would publish it: its own `npm pack` (runs its prepare: tsc → dist).
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-catalogue-"));
    try {
      const [packed] = JSON.parse(npm(["pack", "--json", "--loglevel=error", "--foreground-scripts=false", "--pack-destination", tmp], catalogueDir));
      execFileSync("tar", ["-xzf", path.join(tmp, packed.filename), "-C", tmp], { stdio: ["ignore", "ignore", "inherit"] });
      mkdir(path.dirname(STAGED_CATALOGUE));
      if (isLink(STAGED_CATALOGUE)) throw new Error(`${posix(path.relative(PACK, STAGED_CATALOGUE))} is a link: install with the default (hoisted) strategy`);
      created.push({ path: posix(path.relative(PACK, STAGED_CATALOGUE)), tree: true });
      record();
      fs.cpSync(path.join(tmp, "package"), STAGED_CATALOGUE, { recursive: true });
      log(`bundled ${packed.id} (${packed.entryCount} files) from ${posix(path.relative(root, catalogueDir))}`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }

    // 2. The pack's slice of the workspace lockfile.
    const pack = readJson(path.join(PACK, "package.json"));
    const catalogue = { dir: catalogueDir, manifest: readJson(path.join(STAGED_CATALOGUE, "package.json")) };
    const wrap = shrinkwrap(root, pack, catalogue);
    created.push({ path: "npm-shrinkwrap.json" });
    record();
    fs.writeFileSync(SHRINKWRAP, `${JSON.stringify(wrap, null, 2)}\n`);
    log(`npm-shrinkwrap.json: ${Object.keys(wrap.packages).length - 1} packages from the workspace lockfile`);

    // 3. The licence text, which npm only takes from the package folder itself.
    const license = path.join(root, "LICENSE");
    if (fs.existsSync(license) && !fs.existsSync(LICENSE)) {
      created.push({ path: "LICENSE" });
      record();
      fs.copyFileSync(license, LICENSE);
    }
  } catch (err) {
    removeStaged();
    throw err;
  }
}

function main() {
  const step = process.argv[2];
  if (step === "prepack") prepack();
  else if (step === "postpack") removeStaged();
  else throw new Error("usage: bundle-catalogue.cjs prepack|postpack");
}

try {
  main();
} catch (err) {
  console.error(`policies ${process.argv[2] ?? ""}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}

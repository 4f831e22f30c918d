import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The offline plan (`infra/plan/cli.ts --json`) of a stack at a git ref and in the working tree, for
 * `npm run diff`. A ref is planned in a temporary `git worktree` outside the repository, which is always
 * removed again; the working tree's node_modules is reused when the ref's lockfile is the same.
 */

export interface PlanSourceOptions {
  /** The git repository (any directory inside it); default: this checkout. */
  readonly repo?: string;
}

const THIS_REPO = resolve(__dirname, "..", "..");
const PLAN_CLI = join("infra", "plan", "cli.ts");
const CATALOGUE_TSCONFIG = join("packages", "catalogue", "tsconfig.json");
/** The scope of the npm workspaces: their links must point into the tree being planned, never elsewhere. */
const WORKSPACE_SCOPE = "@rampart";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + (signal ? `\n(killed by ${signal})` : ""),
      }),
    );
  });
}

async function git(repo: string, args: readonly string[]): Promise<Run> {
  return run("git", ["-C", repo, ...args], repo);
}

async function mustGit(repo: string, args: readonly string[]): Promise<string> {
  const r = await git(repo, args);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

async function repoRoot(repo: string | undefined): Promise<string> {
  const dir = resolve(repo ?? THIS_REPO);
  const r = await git(dir, ["rev-parse", "--show-toplevel"]);
  if (r.code !== 0) throw new Error(`git: ${dir} is not a git repository (${r.stderr.trim()})`);
  return r.stdout.trim();
}

function workspaces(root: string): string[] {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces?: unknown };
    return Array.isArray(pkg.workspaces) ? pkg.workspaces.filter((w): w is string => typeof w === "string") : [];
  } catch {
    return [];
  }
}

function workspaceName(root: string, workspace: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(root, workspace, "package.json"), "utf8")) as { name?: unknown };
    return typeof pkg.name === "string" ? pkg.name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives `target` (another checkout of the same lockfile) a node_modules made of links to `source`'s:
 * a real directory with one symlink per entry of `source/node_modules`, except the workspace scope
 * (`@rampart/*`), whose links point to `target`'s own workspace folders, so the packages planned are
 * the target's. A workspace's own node_modules (nested versions) is linked the same way. Nothing in
 * `source` is written. Throws if `target` already has a node_modules.
 */
export function linkNodeModules(source: string, target: string): void {
  const from = join(source, "node_modules");
  const to = join(target, "node_modules");
  if (!existsSync(from)) throw new Error(`${from} does not exist: run npm ci there first`);
  if (existsSync(to)) throw new Error(`${to} already exists`);
  mkdirSync(to);
  for (const entry of readdirSync(from)) {
    if (entry === WORKSPACE_SCOPE) continue;
    symlinkSync(join(from, entry), join(to, entry));
  }
  const scope = join(to, WORKSPACE_SCOPE);
  for (const ws of workspaces(target)) {
    const name = workspaceName(target, ws);
    if (name?.startsWith(`${WORKSPACE_SCOPE}/`)) {
      mkdirSync(scope, { recursive: true });
      // Relative, as npm writes them: node_modules/@rampart/<x> -> ../../<workspace>
      symlinkSync(join("..", "..", ws), join(scope, name.slice(WORKSPACE_SCOPE.length + 1)));
    }
    const nested = join(source, ws, "node_modules");
    if (existsSync(nested) && existsSync(join(target, ws)) && !existsSync(join(target, ws, "node_modules"))) {
      symlinkSync(nested, join(target, ws, "node_modules"));
    }
  }
}

/** Builds the catalogue workspace (`dist/`, which the program and the pack import) in `dir`. */
export async function buildCatalogue(dir: string): Promise<void> {
  const tsc = join(dir, "node_modules", ".bin", "tsc");
  const r = await run(tsc, ["-p", CATALOGUE_TSCONFIG], dir);
  if (r.code !== 0) throw new Error(`building packages/catalogue in ${dir} failed:\n${(r.stdout + r.stderr).trim()}`);
}

/** Runs the offline plan of `stack` in `dir`: its JSON text. Exit 1 (mandatory violations) is a plan too. */
async function planIn(dir: string, stack: string, where: string): Promise<string> {
  const tsx = join(dir, "node_modules", ".bin", "tsx");
  if (!existsSync(tsx)) throw new Error(`plan ${where}: ${tsx} not found (no node_modules)`);
  const r = await run(tsx, [PLAN_CLI, "--stack", stack, "--json"], dir, { ...process.env, NO_COLOR: "1" });
  if (r.code !== 0 && r.code !== 1) {
    throw new Error(`plan of stack '${stack}' ${where} failed (exit ${r.code}):\n${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** The offline plan JSON of `stack` in the repository's working tree as it is now (catalogue rebuilt first). */
export async function planWorkingTree(stack: string, options: PlanSourceOptions = {}): Promise<string> {
  const root = await repoRoot(options.repo);
  if (!existsSync(join(root, `Pulumi.${stack}.yaml`))) {
    throw new Error(`plan: no stack '${stack}' in the working tree (Pulumi.${stack}.yaml not found in ${root})`);
  }
  await buildCatalogue(root);
  return planIn(root, stack, "in the working tree");
}

/**
 * The offline plan JSON of `stack` as of git `ref`: planned in a temporary worktree of that commit
 * under the OS temp directory, removed again whatever happens. Dependencies are the working tree's
 * node_modules (linked, see linkNodeModules) when the lockfile at `ref` is byte-identical to the
 * working tree's, otherwise `npm ci --ignore-scripts` in the worktree.
 */
export async function planAtRef(stack: string, ref: string, options: PlanSourceOptions = {}): Promise<string> {
  const root = await repoRoot(options.repo);
  const resolved = await git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  if (resolved.code !== 0) throw new Error(`git: no commit '${ref}'`);
  const sha = resolved.stdout.trim();
  const stackFile = `Pulumi.${stack}.yaml`;
  if ((await git(root, ["cat-file", "-e", `${sha}:${stackFile}`])).code !== 0) {
    throw new Error(`plan: no stack '${stack}' at ${ref} (${stackFile} does not exist in commit ${sha.slice(0, 12)})`);
  }
  const lockAtRef = await git(root, ["show", `${sha}:package-lock.json`]);
  const lockHere = join(root, "package-lock.json");
  const reuse =
    lockAtRef.code === 0 &&
    existsSync(join(root, "node_modules")) &&
    existsSync(lockHere) &&
    readFileSync(lockHere, "utf8") === lockAtRef.stdout;

  const parent = mkdtempSync(join(tmpdir(), "rampart-plan-"));
  const tree = join(parent, "tree");
  let added = false;
  try {
    await mustGit(root, ["worktree", "add", "--detach", "--quiet", tree, sha]);
    added = true;
    if (reuse) {
      linkNodeModules(root, tree);
    } else {
      const ci = await run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], tree);
      if (ci.code !== 0) throw new Error(`npm ci at ${ref} failed:\n${ci.stderr.trim()}`);
    }
    await buildCatalogue(tree);
    return asIfInRepo(await planIn(tree, stack, `at ${ref}`), tree, root);
  } finally {
    // Unlink the borrowed node_modules first (rm never follows a symlink), so that nothing in the
    // working tree's node_modules can be reached by the removal of the worktree.
    removeLinkedNodeModules(tree);
    if (added) await git(root, ["worktree", "remove", "--force", tree]);
    rmSync(parent, { recursive: true, force: true });
    await git(root, ["worktree", "prune"]);
  }
}

/**
 * The plan names some files by absolute path (the gateway image's build context and Dockerfile): the
 * worktree's path is written as the repository's, so that a plan at a ref compares with the working
 * tree's plan on what the commits declare, not on where they were checked out.
 */
function asIfInRepo(planJson: string, tree: string, root: string): string {
  const inJson = (p: string) => JSON.stringify(p).slice(1, -1);
  return planJson.split(inJson(tree)).join(inJson(root));
}

function removeLinkedNodeModules(tree: string): void {
  const candidates = [join(tree, "node_modules"), ...workspaces(tree).map((ws) => join(tree, ws, "node_modules"))];
  for (const dir of candidates) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) rmSync(dir);
    else rmSync(dir, { recursive: true, force: true });
  }
}

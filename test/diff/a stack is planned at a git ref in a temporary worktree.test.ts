import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkNodeModules, planAtRef, planWorkingTree } from "../../infra/diff/base-ref";
import type * as Diff from "../../infra/diff/index";

// A real git fixture: a local clone of this repository with two commits of its own.
//   A: the project as committed.
//   B: rampart:adminCidrs widened by 198.51.0.0/16 in Pulumi.aws-example.yaml, and the redis container
//      given CAP_NET_ADMIN in the hardened-container component (no config key can add a capability).
// A is planned with planAtRef (temporary worktree, node_modules reused because the lockfile is equal),
// B with planWorkingTree, and the two plans must differ in exactly the resources those changes touch.

const root = join(__dirname, "..", "..");
const ADDED_CIDR = "198.51.0.0/16";
const CAP_LINE = '...(exceptions.has("net-bind-service") ? { adds: ["NET_BIND_SERVICE"] } : {}),';
const CAP_LINE_B =
  '...(exceptions.has("net-bind-service") ? { adds: ["NET_BIND_SERVICE"] } : service === "redis" ? { adds: ["NET_ADMIN"] } : {}),';

interface Plan {
  resources: Array<{ urn: string; type: string; name: string; inputs: Record<string, unknown> }>;
  violations: Array<{ policy: string; urn?: string; level: string; message: string }>;
}

let scratch: string;
let repo: string;
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });
const worktrees = () => git("worktree", "list", "--porcelain").split("\n").filter((l) => l.startsWith("worktree "));
const originalTmp = process.env.TMPDIR;
const tempTrees = () => readdirSync(tmpdir()).filter((e) => e.startsWith("rampart-plan-"));

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "rampart-base-ref-test-"));
  // A temp dir of this test's own, so another run on the same machine cannot add or remove the
  // rampart-plan-* folders it counts (os.tmpdir() reads TMPDIR on every call).
  const ownTmp = join(scratch, "tmp");
  mkdirSync(ownTmp);
  process.env.TMPDIR = ownTmp;
  repo = join(scratch, "repo");
  execFileSync("git", ["clone", "--local", "--quiet", "--no-hardlinks", root, repo]);
  git("config", "user.email", "fixture@example.com");
  git("config", "user.name", "fixture");
  git("config", "commit.gpgsign", "false");
  git("commit", "--quiet", "--allow-empty", "-m", "A: as is");
  git("tag", "A");

  const stackFile = join(repo, "Pulumi.aws-example.yaml");
  const stack = readFileSync(stackFile, "utf8");
  // Appended after the last entry: the program names admin rules by list position (…-v4-<i>, …-v6-<i>),
  // so an entry inserted earlier would also rename (replace) the rules of the entries after it.
  const widened = stack.replace("    - 2001:db8:100::/48\n", `    - 2001:db8:100::/48\n    - ${ADDED_CIDR}\n`);
  expect(widened, "fixture: adminCidrs list of Pulumi.aws-example.yaml not found").not.toBe(stack);
  writeFileSync(stackFile, widened);
  const componentFile = join(repo, "components/containers/hardened-container.ts");
  const component = readFileSync(componentFile, "utf8");
  expect(component.split(CAP_LINE).length, "fixture: the capability line of hardened-container.ts changed").toBe(2);
  writeFileSync(componentFile, component.replace(CAP_LINE, CAP_LINE_B));
  git("commit", "--quiet", "-am", "B: wider admin range, NET_ADMIN for redis");
  git("tag", "B");

  linkNodeModules(root, repo);
});

afterAll(() => {
  if (originalTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmp;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("planAtRef and planWorkingTree on a real git fixture", () => {
  let before: Plan;
  let after: Plan;

  beforeAll(async () => {
    const treesBefore = tempTrees();
    const [a, b] = await Promise.all([planAtRef("aws-example", "A", { repo }), planWorkingTree("aws-example", { repo })]);
    before = JSON.parse(a) as Plan;
    after = JSON.parse(b) as Plan;
    expect(tempTrees()).toEqual(treesBefore);
  }, 180_000);

  it("plans the ref in a worktree that is gone again, and never touches the borrowed node_modules", () => {
    expect(worktrees()).toEqual([`worktree ${repo}`]);
    expect(existsSync(join(root, "node_modules", "typescript", "package.json"))).toBe(true);
    expect(existsSync(join(root, "node_modules", "@rampart", "catalogue"))).toBe(true);
    expect(before.resources.length).toBeGreaterThan(100);
  });

  it("the two plans differ in exactly the admin firewall rules and the redis container", () => {
    const a = new Map(before.resources.map((r) => [r.urn, r]));
    const b = new Map(after.resources.map((r) => [r.urn, r]));
    const added = [...b.keys()].filter((u) => !a.has(u)).map(name).sort();
    const removed = [...a.keys()].filter((u) => !b.has(u)).map(name);
    const changed = [...a.keys()]
      .filter((u) => b.has(u) && JSON.stringify(a.get(u)) !== JSON.stringify(b.get(u)))
      .map(name)
      .sort();
    // The new range gets one ingress rule per admin port, on the security group...
    expect(added).toEqual([
      "rampart-alertmanager-http-v4-2",
      "rampart-coturn-prometheus-v4-2",
      "rampart-gateway-metrics-v4-2",
      "rampart-grafana-http-v4-2",
      "rampart-livekit-prometheus-v4-2",
      "rampart-prometheus-http-v4-2",
    ]);
    expect(removed).toEqual([]);
    // ...and on the host firewall (DOCKER-USER in the instance's user data); redis gets the capability.
    expect(changed).toEqual(["rampart-redis", "rampart-rtc-instance"]);

    for (const r of after.resources.filter((r) => name(r.urn).endsWith("-v4-2"))) {
      expect(r.type).toBe("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      expect(r.inputs.cidrIpv4).toBe(ADDED_CIDR);
    }
    const userData = (p: Plan) => JSON.stringify(p.resources.find((r) => r.name === "rampart-rtc-instance")!.inputs);
    expect(userData(before)).not.toContain(`-A DOCKER-USER -s ${ADDED_CIDR}`);
    expect(userData(after)).toContain(`-A DOCKER-USER -s ${ADDED_CIDR}`);
    const caps = (p: Plan) => p.resources.find((r) => r.name === "rampart-redis" && r.type === "docker:index/container:Container")!.inputs.capabilities;
    expect(caps(before)).toEqual({ drops: ["ALL"] });
    expect(caps(after)).toEqual({ drops: ["ALL"], adds: ["NET_ADMIN"] });
  });

  it("the pack's verdict at B flags the added capability, at A nothing", () => {
    expect(before.violations).toEqual([]);
    expect(after.violations.map((v) => [v.policy, v.urn && name(v.urn)])).toEqual([
      ["docker-capabilities-add-allowlisted", "rampart-redis"],
    ]);
  });

  it("diffPlans flags both changes: the wider admin range and the added capability", async () => {
    // Imported here, not at the top: infra/diff/index.ts is another module's work (the diff itself).
    const spec = "../../infra/diff/index";
    const { diffPlans } = (await import(spec)) as typeof Diff;
    const report = diffPlans(before, after, { base: "A", head: "B" });
    const sentences = (category: string) => report.findings.filter((f) => f.category === category).map((f) => f.sentence).join("\n");
    expect(sentences("exposure")).toContain(ADDED_CIDR);
    expect(sentences("privilege")).toContain("NET_ADMIN");
    expect(report.verdict.new.map((v) => v.policy)).toEqual(["docker-capabilities-add-allowlisted"]);
    expect(report.summary).toMatchObject({ create: 6, update: 2, delete: 0 });
  });
});

const name = (u: string) => u.slice(u.lastIndexOf("::") + 2);

describe("errors", () => {
  it("an unknown ref is named", async () => {
    await expect(planAtRef("aws-example", "no-such-ref", { repo })).rejects.toThrow("git: no commit 'no-such-ref'");
  });

  it("a stack that does not exist at the ref is named", async () => {
    await expect(planAtRef("nope", "A", { repo })).rejects.toThrow(/no stack 'nope' at A \(Pulumi\.nope\.yaml does not exist/);
    expect(worktrees()).toEqual([`worktree ${repo}`]);
  });
});

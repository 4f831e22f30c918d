import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { marker } from "../../infra/diff/render-markdown";

// The pull request's code runs only with a read-only token and no secrets (pull-request.yml); the
// workflow that writes to the pull request (pull-request-comment.yml) runs none of it.

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown>; if?: string }
interface Job { permissions?: Record<string, string> | string; steps: Step[]; if?: string; env?: Record<string, unknown> }
interface Workflow { on: Record<string, unknown> | string | string[]; permissions?: Record<string, string> | string; jobs: Record<string, Job> }

const dir = join(__dirname, "..", "..", ".github", "workflows");
const text = (f: string) => readFileSync(join(dir, f), "utf8");
const load = (f: string) => parse(text(f)) as Workflow;
const pr = load("pull-request.yml");
const comment = load("pull-request-comment.yml");
const preview = load("pull-request-preview.yml");
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);
const triggers = (wf: Workflow) => (typeof wf.on === "string" ? [wf.on] : Array.isArray(wf.on) ? wf.on : Object.keys(wf.on));
const writes = (p: Job["permissions"] | Workflow["permissions"]) =>
  p === undefined ? [] : typeof p === "string" ? (p === "write-all" ? ["write-all"] : []) : Object.entries(p).filter(([, v]) => v === "write").map(([k]) => k);

describe("pull-request-comment.yml", () => {
  it("is started by the completed pull-request runs, never by pull_request_target", () => {
    expect(triggers(comment)).toEqual(["workflow_run"]);
    expect(comment.on).toMatchObject({ workflow_run: { workflows: ["pull-request", "pull-request-preview"], types: ["completed"] } });
    expect(text("pull-request-comment.yml")).not.toContain("pull_request_target");
  });

  it("checks nothing out and runs no node, npm or tsx step", () => {
    for (const s of steps(comment)) {
      expect(s.uses ?? "").not.toMatch(/^actions\/checkout@/);
      expect(s.run).toBeUndefined(); // no shell steps at all: only the pinned download and github-script
    }
    expect(steps(comment).map((s) => s.uses?.split("@")[0])).toEqual(["actions/download-artifact", "actions/github-script"]);
    const script = String(steps(comment)[1]!.with!.script);
    expect(script).not.toMatch(/child_process|\bspawn|\bexecFile|\beval\(|new Function|\bimport\(/);
    expect([...script.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1])).toEqual(['"node:fs"', '"node:path"']);
    expect(script).not.toContain("${{"); // the event's text reaches the script only through env
  });

  it("has write permission only on the comment job, and only to pull requests", () => {
    expect(comment.permissions).toEqual({});
    expect(Object.keys(comment.jobs)).toEqual(["comment"]);
    expect(comment.jobs.comment!.permissions).toEqual({ actions: "read", "pull-requests": "write" });
  });

  it("downloads the artifact of the run that triggered it", () => {
    expect(steps(comment)[0]!.with).toMatchObject({ name: "rampart-diff", "run-id": "${{ github.event.workflow_run.id }}" });
  });
});

describe("pull-request.yml", () => {
  it("runs on every pull request, forks included, with a read-only token and no secrets", () => {
    expect(triggers(pr)).toEqual(["pull_request"]);
    expect(pr.permissions).toEqual({ contents: "read" });
    expect(writes(pr.permissions)).toEqual([]);
    for (const job of Object.values(pr.jobs)) expect(writes(job.permissions)).toEqual([]);
    expect(JSON.stringify(pr)).not.toMatch(/secrets\.|github\.token|GITHUB_TOKEN/); // comments aside
  });

  it("diffs each shipped stack against the base branch, as Markdown and JSON, into the artifact with the PR number", () => {
    const job = pr.jobs.diff!;
    const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"))!;
    expect(checkout.with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
    expect(job.steps.some((s) => s.run === "npm ci")).toBe(true);
    const diff = job.steps.find((s) => s.run?.includes("npm run -s diff"))!;
    expect(diff.env).toMatchObject({ BASE_REF: "${{ github.base_ref }}", PR_NUMBER: "${{ github.event.pull_request.number }}" });
    expect(diff.run).toContain("for stack in local aws-example; do");
    for (const format of ["markdown", "json"]) {
      expect(diff.run).toContain(`npm run -s diff -- --stack "$stack" --base-ref "origin/$BASE_REF" --${format} > "rampart-diff/diff-$stack.${format === "markdown" ? "md" : "json"}"`);
    }
    expect(diff.run).toContain("rampart-diff/pr-number");
    const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload).toMatchObject({ if: "always()", with: { name: "rampart-diff", path: "rampart-diff/" } });
  });

  it("the comment's marker is the one the report starts with", () => {
    const script = String(steps(comment)[1]!.with!.script);
    expect(script).toContain("const marker = `<!-- rampart-diff:${stack} -->`;");
    expect(marker("aws-example")).toBe("<!-- rampart-diff:aws-example -->");
  });
});

describe("pull-request-preview.yml (the credentialed preview)", () => {
  it("runs only for branches of this repository, and writes nothing to the pull request", () => {
    const job = preview.jobs.preview!;
    expect(job.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(writes(preview.permissions)).toEqual([]);
    expect(writes(job.permissions)).toEqual(["id-token"]);
    expect(JSON.stringify(preview)).not.toMatch(/comment-on-pr|github-token|GITHUB_TOKEN|github\.token/);
  });

  it("feeds pulumi preview --json into the same report and artifact", () => {
    const run = preview.jobs.preview!.steps.find((s) => s.run?.includes("pulumi preview"))!.run!;
    expect(run).toContain('pulumi preview --stack "$PULUMI_STACK" --policy-pack policies --json > rampart-diff/preview.json');
    expect(run).toContain("npm run -s diff -- rampart-diff/preview.json --markdown > rampart-diff/diff-preview.md");
    expect(preview.jobs.preview!.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!.with).toMatchObject({ name: "rampart-diff" });
  });
});

describe("every action", () => {
  it("is pinned by a full commit SHA, with the tag it was resolved from in a comment", () => {
    for (const f of ["pull-request.yml", "pull-request-comment.yml", "pull-request-preview.yml"]) {
      const lines = text(f).split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l, `${f}: ${l.trim()}`).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });
});

describe("the comment script, run against a stand-in GitHub API", () => {
  const script = String(steps(comment)[1]!.with!.script);
  type Call = [string, Record<string, unknown>];

  async function runScript(files: Record<string, string>, existing: Array<{ id: number; user: { login: string }; body: string }>, headSha = "abc123") {
    const reportDir = mkdtempSync(join(tmpdir(), "rampart-comment-test-"));
    mkdirSync(reportDir, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(reportDir, name), content);
    const calls: Call[] = [];
    const failed: string[] = [];
    const rest = {
      pulls: { get: async (a: Record<string, unknown>) => (calls.push(["pulls.get", a]), { data: { head: { sha: "abc123" } } }) },
      issues: {
        listComments: "listComments",
        updateComment: async (a: Record<string, unknown>) => void calls.push(["update", a]),
        createComment: async (a: Record<string, unknown>) => void calls.push(["create", a]),
      },
    };
    const github = { rest, paginate: async () => existing };
    const core = { setFailed: (m: string) => void failed.push(m), notice: () => undefined };
    const saved = { ...process.env };
    Object.assign(process.env, { REPORT_DIR: reportDir, HEAD_SHA: headSha, RUN_URL: "https://example.invalid/run/1" });
    try {
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
      await new AsyncFunction("require", "github", "context", "core", script)(require, github, { repo: { owner: "o", repo: "r" } }, core);
    } finally {
      process.env = saved;
      rmSync(reportDir, { recursive: true, force: true });
    }
    return { calls, failed };
  }

  it("updates the stack's own comment, creates the missing one, and neutralises markers in the text", async () => {
    const { calls, failed } = await runScript(
      { "pr-number": "7\n", "diff-local.md": "<!-- rampart-diff:local -->\n### local\n", "diff-aws-example.md": "<!-- rampart-diff:local -->\n### aws\n" },
      [
        { id: 1, user: { login: "someone" }, body: "<!-- rampart-diff:local -->\nforged" },
        { id: 2, user: { login: "github-actions[bot]" }, body: "<!-- rampart-diff:local -->\nold" },
      ],
    );
    expect(failed).toEqual([]);
    expect(calls.map(([k, a]) => [k, a.comment_id ?? a.issue_number ?? a.pull_number])).toEqual([["pulls.get", 7], ["update", 2], ["create", 7]]);
    const bodies = calls.slice(1).map(([, a]) => String(a.body));
    expect(bodies[0]!.startsWith("<!-- rampart-diff:local -->\n### local")).toBe(true);
    expect(bodies[1]!.startsWith("<!-- rampart-diff:aws-example -->\n### aws")).toBe(true);
    expect(bodies[1]).not.toContain("rampart-diff:local");
  });

  it("caps the report's size", async () => {
    const { calls } = await runScript({ "pr-number": "7", "diff-local.md": "x".repeat(500_000) }, []);
    const body = String(calls[1]![1].body);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("Report truncated");
  });

  it("posts nothing for a PR number that is not the run's pull request, or not a number", async () => {
    expect((await runScript({ "pr-number": "7", "diff-local.md": "r" }, [], "other-sha")).calls.map(([k]) => k)).toEqual(["pulls.get"]);
    const bad = await runScript({ "pr-number": "7; rm -rf /", "diff-local.md": "r" }, []);
    expect(bad.calls).toEqual([]);
    expect(bad.failed).toEqual(["artifact has no valid pr-number"]);
  });
});

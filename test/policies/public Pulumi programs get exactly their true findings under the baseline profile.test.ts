/**
 * The real-world corpus (test/fixtures/corpus): plan files transcribed from public Pulumi programs
 * (pulumi/examples, pulumi/pulumi-cloudflare; each file names its source repository, path and commit).
 * Each file lists the findings a reviewer accepted as true for that program; the baseline profile must
 * report exactly those — every true positive present, nothing else.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluatePolicies } from "@rampart/policies/check/evaluate";
import { resourcesOf } from "@rampart/policies/check/shapes";

const DIR = join(__dirname, "../fixtures/corpus");

interface Finding {
  policy: string;
  resource: string;
  level: string;
}

interface CorpusFile {
  source: { repo: string; path: string; commit?: string };
  expected: Finding[];
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".plan.json")).sort();
const load = (f: string) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as CorpusFile & Record<string, unknown>;
const key = (x: Finding) => `${x.level} ${x.policy} ${x.resource}`;

function findings(f: string): Finding[] {
  const { resources } = resourcesOf(load(f));
  return evaluatePolicies(resources, { profile: "baseline" }).violations.map((v) => ({ policy: v.policy, resource: v.urn ? v.urn.slice(v.urn.lastIndexOf("::") + 2) : "(stack)", level: v.level }));
}

describe("the real-world corpus", () => {
  it("holds at least 12 public programs, each naming its source", () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const { source } = load(f);
      expect(source.repo, f).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(source.path, f).toMatch(/\.(ts|js|py|go|cs)$/);
    }
  });

  for (const f of files) {
    it(`${f}: exactly the reviewed findings, no more, no fewer`, () => {
      expect(findings(f).map(key).sort()).toEqual(load(f).expected.map(key).sort());
    });
  }

  it("finds what is really wrong: SSH open to the world, Redis published on every interface, floating image tags", () => {
    for (const f of ["aws-js-webserver.plan.json", "aws-ts-ec2-provisioners.plan.json", "aws-py-ec2-provisioners.plan.json"]) {
      expect(findings(f).filter((x) => x.policy === "security-group-no-world-admin-or-internal-ports" && x.level === "mandatory"), f).toHaveLength(1);
    }
    for (const f of ["docker-ts-multi-container-app.plan.json", "docker-py-multi-container-app.plan.json"]) {
      const hits = findings(f);
      expect(hits.filter((x) => x.policy === "docker-restricted-ports-not-on-all-interfaces" && /redis/i.test(x.resource)), f).toHaveLength(1);
      expect(hits.some((x) => x.policy === "docker-image-pinned"), f).toBe(true);
    }
  });

  it("blocks none of the ordinary things: a public web server on 80, an app on 3000/5000, a DNS record, transform rules", () => {
    const mandatory = files.flatMap((f) => findings(f).filter((x) => x.level === "mandatory").map((x) => ({ f, ...x })));
    expect(mandatory.filter((x) => x.policy === "security-group-web-from-cloudflare-only")).toEqual([]);
    expect(mandatory.filter((x) => x.policy.startsWith("cloudflare-"))).toEqual([]);
    expect(mandatory.filter((x) => x.policy === "docker-restricted-ports-not-on-all-interfaces" && /app/i.test(x.resource))).toEqual([]);
    for (const f of ["cloudflare-ruleset.plan.json", "cloudflare-regress-444.plan.json", "cloudflare-regress-554.plan.json"]) expect(findings(f), f).toEqual([]);
  });
});

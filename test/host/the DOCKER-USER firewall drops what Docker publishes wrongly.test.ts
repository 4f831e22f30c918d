import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { portsFor } from "@rampart/catalogue";
import { renderDockerUserRules } from "../../components/host";
import { describeWithBinaries } from "../support/testbed";

/**
 * The ufw bypass Docker documents (https://docs.docker.com/engine/network/packet-filtering-firewalls/), on a real kernel: Docker DNATs published ports
 * before INPUT, so only DOCKER-USER can stop them. A namespace lab (test/host/netns-firewall-lab.sh)
 * publishes every probed port on all addresses, as a careless container would, and probes from the
 * internet, Cloudflare, an admin network and the VPC. Nothing leaves the lab's own namespaces.
 */
const LAB = join(__dirname, "netns-firewall-lab.sh");
// public, cloudflare, vpc, admin, and SSH (admin, but off by default)
const PROBED = ["7881", "443", "6379", "9200", "9464", "22"];

function runLab(rules: string): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-fw-"));
  try {
    writeFileSync(join(dir, "rules.v4"), rules);
    const out = execFileSync("bash", [LAB, join(dir, "rules.v4"), ...PROBED], { encoding: "utf8", timeout: 60_000 });
    return new Map(out.trim().split("\n").map((l) => { const [src, port, state] = l.split(" "); return [`${src} ${port}`, state!]; }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithBinaries(["ip", "iptables-restore", "iptables", "timeout"], { root: true })("DOCKER-USER firewall on a real kernel", () => {
  let withRules: Map<string, string>;
  let without: Map<string, string>;
  beforeAll(() => {
    const rules = renderDockerUserRules(
      { ports: portsFor("aws"), vpcCidr: "10.40.0.0/16", adminCidrs: ["198.51.100.0/24"], cloudflareIpv4: ["203.0.113.0/24"], cloudflareIpv6: [] },
      "ipv4",
    );
    withRules = runLab(rules);
    // Docker's own default: an empty DOCKER-USER chain.
    without = runLab("*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -j RETURN\nCOMMIT\n");
  }, 120_000);

  it("without it, a wrongly published Redis and metrics port are reachable from the internet (the bypass is real)", () => {
    expect(without.get("outside 6379")).toBe("open");
    expect(without.get("outside 9464")).toBe("open");
  });

  it("lets anyone reach public-class ports", () => {
    for (const src of ["outside", "cloudflare", "admin", "vpc"]) expect(withRules.get(`${src} 7881`), src).toBe("open");
  });

  it("lets only Cloudflare reach 443", () => {
    expect(withRules.get("cloudflare 443")).toBe("open");
    for (const src of ["outside", "admin", "vpc"]) expect(withRules.get(`${src} 443`), src).toBe("closed");
  });

  it("lets only the VPC reach vpc-class ports (Redis, Elasticsearch)", () => {
    for (const port of ["6379", "9200"]) {
      expect(withRules.get(`vpc ${port}`)).toBe("open");
      for (const src of ["outside", "cloudflare", "admin"]) expect(withRules.get(`${src} ${port}`), `${src} ${port}`).toBe("closed");
    }
  });

  it("lets only admin networks reach admin-class ports (metrics)", () => {
    expect(withRules.get("admin 9464")).toBe("open");
    for (const src of ["outside", "cloudflare", "vpc"]) expect(withRules.get(`${src} 9464`), src).toBe("closed");
  });

  it("drops SSH from everyone while admin SSH is off", () => {
    for (const src of ["outside", "cloudflare", "admin", "vpc"]) expect(withRules.get(`${src} 22`), src).toBe("closed");
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { portsFor } from "@rampart/catalogue";
import { renderHostInputRules } from "../../components/host";
import { describeWithBinaries } from "../support/testbed";

/**
 * On AWS, LiveKit and coturn run on the host network: their sockets are the host's, so traffic to them is
 * never forwarded and the DOCKER-USER chain never sees it. LiveKit v1.13.5 binds its ICE/TCP port (7881)
 * on every interface whatever `bind_addresses` says (shown on the real server by the container suite), and
 * any port bound wrongly would be the same. The namespace lab (netns-firewall-lab.sh, LAB_MODE=host)
 * listens on every interface of its "host" namespace and probes from the internet, Cloudflare, an
 * admin network and the VPC. Nothing leaves the lab's own namespaces.
 */
const LAB = join(__dirname, "netns-firewall-lab.sh");
// ICE/TCP (public), LiveKit metrics (admin), LiveKit API (vpc), SSH (off), and a port nobody catalogued.
const PROBED = ["7881", "6789", "7880", "22", "40325"];

function runLab(rules: string): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-hostfw-"));
  try {
    writeFileSync(join(dir, "rules.v4"), rules);
    const out = execFileSync("bash", [LAB, join(dir, "rules.v4"), ...PROBED], { encoding: "utf8", timeout: 60_000, env: { ...process.env, LAB_MODE: "host" } });
    return new Map(out.trim().split("\n").map((l) => { const [src, port, state] = l.split(" "); return [`${src} ${port}`, state!]; }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithBinaries(["ip", "iptables-restore", "iptables", "timeout", "node"], { root: true })("the host's INPUT firewall for host-network services, on a real kernel", () => {
  let withRules: Map<string, string>;
  let without: Map<string, string>;
  beforeAll(() => {
    withRules = runLab(
      renderHostInputRules(
        { ports: portsFor("aws"), vpcCidr: "10.40.0.0/16", adminCidrs: ["198.51.100.0/24"], cloudflareIpv4: ["203.0.113.0/24"], cloudflareIpv6: [] },
        "ipv4",
      ),
    );
    // What the host had before: DOCKER-USER only, nothing on INPUT.
    without = runLab("*filter\n:RAMPART-INPUT - [0:0]\n-A RAMPART-INPUT -j RETURN\nCOMMIT\n");
  }, 120_000);

  it("without it, a host-network service's metrics and API ports are open to the internet", () => {
    expect(without.get("outside 6789")).toBe("open");
    expect(without.get("outside 7880")).toBe("open");
  });

  it("lets anyone reach the ICE/TCP port LiveKit binds on every interface", () => {
    for (const src of ["outside", "cloudflare", "admin", "vpc"]) expect(withRules.get(`${src} 7881`), src).toBe("open");
  });

  it("lets only admin networks reach LiveKit's metrics port, and only the VPC its API", () => {
    expect(withRules.get("admin 6789")).toBe("open");
    for (const src of ["outside", "cloudflare", "vpc"]) expect(withRules.get(`${src} 6789`), src).toBe("closed");
    expect(withRules.get("vpc 7880")).toBe("open");
    for (const src of ["outside", "cloudflare", "admin"]) expect(withRules.get(`${src} 7880`), src).toBe("closed");
  });

  it("drops SSH while admin SSH is off, and any port the catalogue does not list", () => {
    for (const port of ["22", "40325"]) {
      for (const src of ["outside", "cloudflare", "admin", "vpc"]) expect(withRules.get(`${src} ${port}`), `${src} ${port}`).toBe("closed");
    }
  });
});

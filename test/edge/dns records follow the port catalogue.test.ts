import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { port, PORTS } from "@rampart/catalogue";
import { planDnsRecords } from "../../components/edge";
import { baseArgs, type EdgeOverrides, ofType, renderEdge, reveal, ZONE_ID } from "./support/mock-edge";
import { rulesInput } from "./support/planned-rules";

const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";

interface RecordInputs {
  zoneId: string;
  name: string;
  type: string;
  content: string;
  proxied: boolean;
  ttl: number;
}

async function records(overrides: EdgeOverrides = {}): Promise<Map<string, RecordInputs>> {
  const { resources } = await renderEdge(baseArgs(overrides));
  return new Map(ofType(resources, DNS_RECORD).map((r) => reveal<RecordInputs>(r.inputs)).map((r) => [r.name, r]));
}

describe("DNS records derived from the port catalogue", () => {
  it("publishes the gateway and LiveKit signalling proxied, at the edge proxy's address", async () => {
    const byName = await records();
    for (const name of ["app.example.com", "livekit.example.com"]) {
      expect(byName.get(name)).toEqual(
        expect.objectContaining({ zoneId: ZONE_ID, type: "A", content: "203.0.113.10", proxied: true, ttl: 1 }),
      );
    }
  });

  it("publishes DNS-only exactly the TURN and LiveKit media hostnames, at the media address", async () => {
    const byName = await records();
    const dnsOnly = [...byName.values()].filter((r) => !r.proxied).map((r) => r.name).sort();
    expect(dnsOnly).toEqual(["media.example.com", "turn.example.com"]);
    for (const name of dnsOnly) expect(byName.get(name)).toMatchObject({ content: "203.0.113.20", ttl: 300 });
    expect(byName.size).toBe(4);
  });

  it("points DNS-only records at the origin address when no separate media address is given", async () => {
    const byName = await records({ mediaIp: undefined });
    expect(byName.get("turn.example.com")?.content).toBe("203.0.113.10");
  });

  it("derives each mode from the catalogue: proxied only for cloudflare-class entries, DNS-only only for public ones", () => {
    const planned = planDnsRecords({ domain: "example.com", hostnames: rulesInput().hostnames });
    for (const r of planned) {
      for (const id of r.portIds) {
        const entry = port(id);
        expect(entry.dns).toBe(r.proxied ? "proxied" : "dns-only");
        expect(entry.class).toBe(r.proxied ? "cloudflare" : "public");
      }
    }
    // The catalogue's only proxied entry is the edge's HTTPS port; nothing else can sit behind a proxied name.
    expect(PORTS.filter((p) => p.dns === "proxied").map((p) => p.id)).toEqual(["edge-https"]);
  });

  it("refuses to publish an HTTP hostname DNS-only, as an error of the component", async () => {
    const attempt = renderEdge(baseArgs({ extraRecords: [{ name: "api.example.com", portId: "edge-https", proxied: false }] }));
    await expect(attempt).rejects.toThrow(/extraRecords "api.example.com": "api.example.com" serves HTTP\(S\) \(catalogue entry edge-https, dns: proxied\): it can only be published proxied/);
    await expect(attempt).rejects.toBeInstanceOf(pulumi.ResourceError);
  });

  it("refuses to put TURN behind Cloudflare's HTTP proxy", () => {
    expect(() =>
      planDnsRecords({ domain: "example.com", hostnames: rulesInput().hostnames, extraRecords: [{ name: "turn2.example.com", portId: "turns-tcp", proxied: true }] }),
    ).toThrow(/serves turns-tcp \(dns: dns-only\), which Cloudflare's HTTP proxy cannot carry/);
  });

  it("publishes an extra alias of the gateway proxied when it names no mode", async () => {
    const byName = await records({ extraRecords: [{ name: "api.example.com", portId: "edge-https" }] });
    expect(byName.get("api.example.com")).toMatchObject({ proxied: true, content: "203.0.113.10", ttl: 1 });
  });

  it("refuses catalogue entries that are not published by name (vpc, admin, relay range)", () => {
    for (const portId of ["redis", "gateway-http", "gateway-metrics", "turn-relay-udp"]) {
      expect(() =>
        planDnsRecords({ domain: "example.com", hostnames: rulesInput().hostnames, extraRecords: [{ name: "x.example.com", portId }] }),
      ).toThrow(new RegExp(`catalogue entries ${portId} \\(dns: none\\)`));
    }
    expect(() =>
      planDnsRecords({ domain: "example.com", hostnames: rulesInput().hostnames, extraRecords: [{ name: "x.example.com", portId: "nope" }] }),
    ).toThrow(/port catalogue has no entry "nope"/);
  });

  it("refuses hostnames outside the zone, malformed ones and duplicates", () => {
    const hostnames = rulesInput().hostnames;
    expect(() => planDnsRecords({ domain: "example.com", hostnames: { ...hostnames, turn: "turn.example.org" } })).toThrow(
      /hostnames.turn: "turn.example.org" is not in the zone example.com/,
    );
    expect(() => planDnsRecords({ domain: "example.com", hostnames: { ...hostnames, app: "app..example.com" } })).toThrow(
      /hostnames.app: "app..example.com" is not a fully qualified hostname/,
    );
    expect(() => planDnsRecords({ domain: "example.com", hostnames: { ...hostnames, livekit: "app.example.com" } })).toThrow(
      /hostname "app.example.com" is published twice/,
    );
  });

  it("reports the record names to consumers", async () => {
    const { edge } = await renderEdge(baseArgs());
    const proxied = await new Promise<string[]>((r) => edge.proxiedHostnames.apply(r));
    const dnsOnly = await new Promise<string[]>((r) => edge.dnsOnlyHostnames.apply(r));
    expect(proxied.sort()).toEqual(["app.example.com", "livekit.example.com"]);
    expect(dnsOnly.sort()).toEqual(["media.example.com", "turn.example.com"]);
  });
});

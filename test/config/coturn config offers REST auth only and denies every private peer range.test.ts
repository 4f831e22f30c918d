import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { port } from "@rampart/catalogue";
import { renderTurnSecretConf, renderTurnserverConf, turnserverStartCommand } from "../../components/config/coturn";
import { DENIED_PEER_NETWORKS } from "@rampart/catalogue";
import { cidrToRange, deniedPeerRanges } from "../../components/config/denied-peers";
import { TEST_TURN_SECRET, turnInput } from "./fixtures";

const conf = renderTurnserverConf(turnInput);
const lines = conf.split("\n");

/** The denied ranges exactly as coturn will read them from the rendered file. */
const renderedRanges = lines
  .filter((l) => l.startsWith("denied-peer-ip="))
  .map((l) => l.slice("denied-peer-ip=".length).split("-") as [string, string]);

function isDenied(address: string): boolean {
  const a = ipaddr.parse(address);
  return renderedRanges.some(([first, last]) => {
    const f = ipaddr.parse(first);
    const l = ipaddr.parse(last);
    if (f.kind() !== a.kind()) return false;
    const bytes = (x: ipaddr.IPv4 | ipaddr.IPv6) => Buffer.from(x.toByteArray());
    return Buffer.compare(bytes(f), bytes(a)) <= 0 && Buffer.compare(bytes(a), bytes(l)) <= 0;
  });
}

describe("renderTurnserverConf", () => {
  it("uses TURN REST API auth and has no way to express static users or lt-cred-mech", () => {
    expect(lines).toContain("use-auth-secret");
    expect(conf).not.toMatch(/^\s*user=/m);
    expect(conf).not.toMatch(/lt-cred-mech/);
    expect(conf).not.toMatch(/^\s*no-auth/m);
    // Unknown input keys are refused, not ignored.
    expect(() => renderTurnserverConf({ ...turnInput, user: "alice:password" } as never)).toThrow(/user/);
    expect(() => renderTurnserverConf({ ...turnInput, ltCredMech: true } as never)).toThrow(/ltCredMech/);
    expect(() => renderTurnserverConf({ ...turnInput, allowLoopbackPeers: true } as never)).toThrow(/allowLoopbackPeers/);
  });

  it("keeps the secret out of the main file; the fragment holds only static-auth-secret", () => {
    expect(conf).not.toContain("static-auth-secret");
    expect(renderTurnSecretConf(TEST_TURN_SECRET)).toBe(`static-auth-secret=${TEST_TURN_SECRET}\n`);
  });

  it("refuses a short or multi-line secret with an error naming it", () => {
    expect(() => renderTurnSecretConf("short")).toThrow(/renderTurnSecretConf.*\n.*secret: must be at least 32 characters/);
    expect(() => renderTurnSecretConf(`${"a".repeat(40)}\nallow-loopback-peers`)).toThrow(/secret/);
  });

  it("denies every private, loopback, link-local, metadata, CGNAT, multicast and reserved address", () => {
    const mustDeny = [
      "0.0.0.1", "10.1.2.3", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.254", "169.254.169.254",
      "172.16.0.1", "172.31.255.254", "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1",
      "198.19.255.254", "198.51.100.7", "203.0.113.9", "224.0.0.251", "239.255.255.250", "240.0.0.1", "255.255.255.255",
      "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
      "100::1", "2001::1", "2001:db8::1", "2002:a9fe:a9fe::1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1",
    ];
    expect(mustDeny.filter((a) => !isDenied(a))).toEqual([]);
    expect(lines).toContain("no-multicast-peers");
    expect(conf).not.toMatch(/allow-loopback-peers|allowed-peer-ip/);
  });

  it("leaves public unicast peers relayable (the ranges end where they should)", () => {
    const mustAllow = ["1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "198.20.0.0", "223.255.255.255", "2606:4700::1111", "2a00:1450::1"];
    expect(mustAllow.filter((a) => isDenied(a))).toEqual([]);
  });

  it("derives each range from the CIDR table (first..last address) and never renders a range starting at ::", () => {
    expect(cidrToRange("100.64.0.0/10")).toEqual({ cidr: "100.64.0.0/10", first: "100.64.0.0", last: "100.127.255.255" });
    expect(cidrToRange("fe80::/10").last).toBe("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    expect(renderedRanges).toHaveLength(DENIED_PEER_NETWORKS.filter((n) => !n.builtIntoCoturn).length);
    expect(renderedRanges.some(([first]) => first === "::")).toBe(false);
    // coturn 4.6.1 treats a range starting at :: as "every IPv4 peer": refuse it as an extra CIDR too.
    expect(() => deniedPeerRanges(["::/0"])).toThrow(/all-zero address/);
    expect(() => renderTurnserverConf({ ...turnInput, extraDeniedPeerCidrs: ["not-a-cidr"] })).toThrow(/extraDeniedPeerCidrs\.0: must be an IPv4 or IPv6 CIDR/);
  });

  it("takes listener and relay ports from the catalogue, per target", () => {
    expect(lines).toContain(`listening-port=${port("turn-udp").from}`);
    expect(lines).toContain(`tls-listening-port=${port("turns-tcp").from}`);
    expect(lines).toContain(`min-port=${port("turn-relay-udp").from}`);
    expect(lines).toContain(`max-port=${port("turn-relay-udp").to}`);
    const local = renderTurnserverConf({ ...turnInput, target: "local" });
    expect(local).toContain(`min-port=${port("turn-relay-udp-local").from}\nmax-port=${port("turn-relay-udp-local").to}`);
  });

  it("sets realm, fingerprint, TLS 1.2+, quotas, no CLI, scratch userdb and stdout logs", () => {
    for (const expected of [
      "realm=turn.example.com", "fingerprint", "cert=/run/secrets/turn-cert.pem", "pkey=/run/secrets/turn-key.pem",
      "no-tlsv1", "no-tlsv1_1", "user-quota=12", "total-quota=1200", "max-bps=375000", "no-cli",
      "userdb=/var/lib/coturn/turndb", "log-file=stdout", "external-ip=203.0.113.10/10.0.1.10", "listening-ip=10.0.1.10",
      "no-tcp-relay", "no-software-attribute",
    ]) {
      expect(lines, expected).toContain(expected);
    }
  });

  it("binds Prometheus to the given address on the admin-class port, and refuses a wildcard", () => {
    expect(conf).toContain(`prometheus\nprometheus-address=10.0.1.10\nprometheus-port=${port("coturn-prometheus").from}`);
    expect(port("coturn-prometheus").class).toBe("admin");
    expect(() => renderTurnserverConf({ ...turnInput, prometheus: { address: "0.0.0.0" } })).toThrow(/prometheus\.address: must not be a wildcard/);
    expect(renderTurnserverConf({ ...turnInput, prometheus: undefined })).not.toContain("prometheus");
  });

  it("refuses bad input with the field named: empty listeners, injected newlines, quota inversion", () => {
    expect(() => renderTurnserverConf({ ...turnInput, listeningIps: [] })).toThrow(/listeningIps: must name at least one address/);
    expect(() => renderTurnserverConf({ ...turnInput, realm: "x\nallow-loopback-peers" })).toThrow(/realm: must be a DNS-style name/);
    expect(() => renderTurnserverConf({ ...turnInput, tls: { certPath: "relative.pem", keyPath: "/k" } })).toThrow(/tls\.certPath: must be an absolute path/);
    expect(() => renderTurnserverConf({ ...turnInput, quotas: { userQuota: 50, totalQuota: 10 } })).toThrow(/quotas\.userQuota: must not exceed/);
  });

  it("starts coturn through a shell that merges config and secret privately (umask 077) and execs it", () => {
    const cmd = turnserverStartCommand({ configPath: "/etc/coturn/turnserver.conf", secretPath: "/run/secrets/turn", mergedPath: "/var/lib/coturn/turnserver.conf" });
    expect(cmd.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(cmd[2]).toMatch(/^umask 077 && cat .* > '\/var\/lib\/coturn\/turnserver.conf' && exec turnserver -c /);
    expect(() => turnserverStartCommand({ configPath: "/a'; rm -rf /", secretPath: "/b", mergedPath: "/c" })).toThrow(/configPath/);
  });
});

import { describe, expect, it } from "vitest";
import {
  coveredBy,
  deviceEventsPath,
  DEVICE_EVENTS_PATH,
  GATEWAY_PATHS,
  internetWide,
  isHostname,
  isSecretLookingName,
  originProblem,
  parseCidr,
  parseRange,
  pinVerdict,
  secretValueKind,
  versionFloorProblem,
} from "@rampart/catalogue";

describe("internet-wide sources", () => {
  it.each([
    [["0.0.0.0/0"], "ipv4"],
    [["::/0"], "ipv6"],
    [["0.0.0.0/1", "128.0.0.0/1"], "ipv4"],
    [["::/1", "8000::/1"], "ipv6"],
    [["1.0.0.0/8"], "ipv4"],
    [["0.0.0.0/2", "64.0.0.0/2"], "ipv4"],
    [["2000::/8"], "ipv6"],
  ])("%j is the internet in all but name", (cidrs, family) => {
    expect(internetWide(cidrs)?.family).toBe(family);
  });

  it.each([
    [["198.51.100.0/24"]],
    [["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]],
    [["1.0.0.0/9", "2.0.0.0/10"]],
    [["2001:db8::/32", "fc00::/7"]],
    [[]],
  ])("%j is not", (cidrs) => {
    expect(internetWide(cidrs)).toBeUndefined();
  });

  it("counts a range given twice or overlapping once", () => {
    expect(internetWide(["1.0.0.0/9", "1.0.0.0/9", "1.0.0.0/10"])).toBeUndefined();
    expect(internetWide(["1.0.0.0/9", "1.128.0.0/9"])?.share).toBeCloseTo(1 / 256, 6);
  });
});

describe("address ranges", () => {
  it("reads CIDRs, single addresses and coturn's first-last ranges alike", () => {
    const net = parseRange("10.0.0.0/8")!;
    expect(coveredBy(parseRange("10.1.2.3")!, [net])).toBe(true);
    expect(coveredBy(parseRange("10.0.0.0-10.255.255.255")!, [net])).toBe(true);
    expect(coveredBy(parseRange("11.0.0.0")!, [net])).toBe(false);
    expect(coveredBy(parseRange("10.0.0.0/8")!, [parseRange("10.0.0.0/9")!, parseRange("10.128.0.0/9")!])).toBe(true);
    expect(parseRange("10.0.0.0/")).toBeUndefined();
    expect(parseRange("10.0.0.0/33")).toBeUndefined();
  });

  it("parses a strict CIDR and names the network meant when host bits are set", () => {
    expect(parseCidr("2001:db8::/48").text).toBe("2001:db8::/48");
    expect(() => parseCidr("198.51.100.7/24")).toThrow('"198.51.100.7/24" has host bits set; the network is 198.51.100.0/24');
    expect(() => parseCidr("nope")).toThrow(/is not a CIDR/);
  });
});

describe("hostnames and origins", () => {
  it.each(["example.com", "app.example.com", "a-b.c9.example.org", `${"a".repeat(63)}.example.com`])("%s is a hostname", (n) => {
    expect(isHostname(n)).toBe(true);
  });
  it.each(["example", "-a.example.com", "a-.example.com", "a..example.com", "1.2.3.4", `${"a".repeat(64)}.example.com`, "exa mple.com", "", `${"a.".repeat(127)}com`])(
    "%j is not a fully qualified hostname",
    (n) => {
      expect(isHostname(n)).toBe(false);
    },
  );
  it("admits a bare name only when asked, never a number", () => {
    expect(isHostname("redis", { singleLabel: true })).toBe(true);
    expect(isHostname("123", { singleLabel: true })).toBe(false);
  });

  it("accepts only exact origins, http only for loopback and only when allowed", () => {
    expect(originProblem("https://app.example.com", { loopbackHttp: false })).toBeUndefined();
    expect(originProblem("https://app.example.com:8443", { loopbackHttp: false })).toBeUndefined();
    expect(originProblem("http://localhost:5173", { loopbackHttp: true })).toBeUndefined();
    expect(originProblem("http://localhost:5173", { loopbackHttp: false })).toMatch(/must use https/);
    expect(originProblem("http://app.example.com", { loopbackHttp: true })).toBe("must use https (http only for localhost)");
    expect(originProblem("https://app.example.com/", { loopbackHttp: false })).toMatch(/not an exact origin \(expected https:\/\/app.example.com:/);
    expect(originProblem("HTTPS://APP.EXAMPLE.COM", { loopbackHttp: false })).toMatch(/not an exact origin/);
    expect(originProblem("*", { loopbackHttp: true })).toMatch(/is not an origin/);
  });
});

describe("image pinning and version floors", () => {
  it.each(["redis:8.2.2-bookworm", "livekit/livekit-server:v1.9.4", `redis@sha256:${"a".repeat(64)}`, `sha256:${"b".repeat(64)}`, "registry.example:5000/x/y:1.2.3"])(
    "%s is pinned",
    (ref) => {
      expect(pinVerdict(ref)).toEqual({ pinned: true });
    },
  );
  it.each([
    ["redis", /is not pinned/],
    ["redis:latest", /uses the tag "latest"/],
    ["redis:8-alpine", /floating tag "8-alpine"/],
    ["registry.example:5000/redis", /is not pinned/],
    ["redis@sha256:abc", /malformed digest/],
    ["Redis:8.2.2", /not a valid image reference/],
    ["", /empty/],
  ])("%j is not pinned (%s)", (ref, reason) => {
    const v = pinVerdict(ref);
    expect(v.pinned).toBe(false);
    if (!v.pinned) expect(v.reason).toMatch(reason);
  });

  it("refuses coturn below 4.13 whatever the registry, and nothing it cannot read", () => {
    expect(versionFloorProblem("coturn/coturn:4.6.2")).toMatch(/below the floor 4\.13\.0/);
    expect(versionFloorProblem("docker.io/coturn/coturn:4.12.9-r3")).toMatch(/coturn 4\.12\.9/);
    expect(versionFloorProblem("coturn/coturn:4.13.0")).toBeUndefined();
    expect(versionFloorProblem("coturn/coturn:5.0.0")).toBeUndefined();
    expect(versionFloorProblem(`coturn/coturn@sha256:${"c".repeat(64)}`)).toBeUndefined();
    expect(versionFloorProblem("elasticsearch:4.0.0")).toBeUndefined();
  });

  it("refuses Redis below the release that fixed its Lua RCE on each patched line, and every unpatched line", () => {
    for (const ok of ["redis:8.2.2-bookworm", "redis:8.0.4", "redis:7.4.6-alpine", "redis:7.2.11", "redis:6.2.20", "redis:8.4.0"]) expect(versionFloorProblem(ok), ok).toBeUndefined();
    for (const bad of ["redis:8.2.1", "redis:8.0.3", "redis:7.4.5", "redis:7.0.15", "redis:6.0.9", "redis:5.0.14"]) expect(versionFloorProblem(bad), bad).toMatch(/CVE-2025-49844/);
  });
});

describe("secrets", () => {
  it.each(["JWT_SECRET", "REDIS_PASSWORD", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "API_KEY", "GITHUB_TOKEN", "ES_PASSPHRASE", "AUTHKEY"])(
    "%s names a secret",
    (name) => {
      expect(isSecretLookingName(name)).toBe(true);
    },
  );
  it.each(["JWT_SECRET_FILE", "REDIS_PASSWORD_PATH", "LIVEKIT_API_KEY", "GATEWAY_PORT", "NODE_ENV"])("%s does not", (name) => {
    expect(isSecretLookingName(name)).toBe(false);
  });

  it("recognises credentials by their value", () => {
    expect(secretValueKind("-----BEGIN EC PRIVATE KEY-----\nMHc...")).toBe("a private key");
    expect(secretValueKind("AKIAIOSFODNN7EXAMPLE")).toBe("an AWS access key id");
    expect(secretValueKind("redis://gateway:hunter2@redis:6379/0")).toBe("credentials inside a URL");
    expect(secretValueKind("redis://redis:6379/0")).toBeUndefined();
    expect(secretValueKind("https://user@example.com/")).toBeUndefined();
    expect(secretValueKind("-----BEGIN CERTIFICATE-----")).toBeUndefined();
  });
});

describe("gateway paths", () => {
  it("builds the signed device path that the gateway's matcher reads back", () => {
    const path = deviceEventsPath("bot 1/x");
    expect(path).toBe("/v1/devices/bot%201%2Fx/events");
    expect(DEVICE_EVENTS_PATH.exec(path)?.[1]).toBe("bot%201%2Fx");
    expect(path.startsWith(GATEWAY_PATHS.devicePrefix)).toBe(true);
  });
});

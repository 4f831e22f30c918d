import { describe, expect, it } from "vitest";
import { zoneSecuritySettings } from "../../components/edge";
import { baseArgs, ofType, renderEdge, reveal, ZONE_ID } from "./support/mock-edge";

const ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting";

async function settingsById(overrides = {}) {
  const { resources } = await renderEdge(baseArgs(overrides));
  const settings = ofType(resources, ZONE_SETTING).map((r) => reveal<{ zoneId: string; settingId: string; value: unknown }>(r.inputs));
  return { settings, byId: new Map(settings.map((s) => [s.settingId, s])) };
}

describe("zone security settings", () => {
  it("declares one ZoneSetting per setting, all on the configured zone", async () => {
    const { settings } = await settingsById();
    const ids = settings.map((s) => s.settingId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(
      ["0rtt", "always_use_https", "min_tls_version", "security_header", "security_level", "ssl", "tls_1_3", "tls_client_auth", "websockets"].sort(),
    );
    for (const s of settings) expect(s.zoneId).toBe(ZONE_ID);
  });

  it("validates the origin certificate (SSL full strict), never flexible or plain full", async () => {
    const { byId } = await settingsById();
    expect(byId.get("ssl")?.value).toBe("strict");
  });

  it("refuses TLS below 1.2 and turns TLS 1.3 on", async () => {
    const { byId } = await settingsById();
    expect(byId.get("min_tls_version")?.value).toBe("1.2");
    expect(byId.get("tls_1_3")?.value).toBe("on");
  });

  it("redirects HTTP to HTTPS and sends HSTS for a year with snake_case keys", async () => {
    const { byId } = await settingsById();
    expect(byId.get("always_use_https")?.value).toBe("on");
    expect(byId.get("security_header")?.value).toEqual({
      strict_transport_security: { enabled: true, max_age: 31_536_000, include_subdomains: true, preload: false, nosniff: true },
    });
  });

  it("keeps WebSockets on (the gateway and LiveKit signalling need them)", async () => {
    const { byId } = await settingsById();
    expect(byId.get("websockets")?.value).toBe("on");
  });

  it("enables zone-level Authenticated Origin Pulls (tls_client_auth)", async () => {
    const { byId } = await settingsById();
    expect(byId.get("tls_client_auth")?.value).toBe("on");
  });

  it("sets the security level (medium by default, configurable) and refuses unknown levels", async () => {
    expect((await settingsById()).byId.get("security_level")?.value).toBe("medium");
    expect((await settingsById({ securityLevel: "high" })).byId.get("security_level")?.value).toBe("high");
    expect(() => zoneSecuritySettings({ securityLevel: "off" })).toThrow(/securityLevel: "off" is not one of/);
  });

  it("turns 0-RTT off so early data cannot be replayed", async () => {
    const { byId } = await settingsById();
    expect(byId.get("0rtt")?.value).toBe("off");
  });

  it("refuses an HSTS max age under 180 days and a preload the preload list would reject", () => {
    expect(() => zoneSecuritySettings({ hsts: { maxAgeSeconds: 3600 } })).toThrow(/hsts.maxAgeSeconds: 3600 is below 15552000/);
    expect(() => zoneSecuritySettings({ hsts: { preload: true, includeSubdomains: false } })).toThrow(/hsts.preload needs includeSubdomains/);
    const preload = zoneSecuritySettings({ hsts: { preload: true } }).find((s) => s.settingId === "security_header");
    expect(preload?.value).toMatchObject({ strict_transport_security: { preload: true } });
  });
});

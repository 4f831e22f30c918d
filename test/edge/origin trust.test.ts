import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { baseArgs, mockPem, isSecretValue, one, ofType, outputValue, renderEdge, reveal, ZONE_ID, type Recorded } from "./support/mock-edge";

const PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
const CERT_REQUEST = "tls:index/certRequest:CertRequest";
const SELF_SIGNED = "tls:index/selfSignedCert:SelfSignedCert";
const LOCALLY_SIGNED = "tls:index/locallySignedCert:LocallySignedCert";
const ORIGIN_CA = "cloudflare:index/originCaCertificate:OriginCaCertificate";
const AOP_CERT = "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate";
const AOP_SETTINGS = "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings";

const byName = (resources: readonly Recorded[], suffix: string): Recorded => {
  const found = resources.filter((r) => r.name.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one resource named *${suffix}, found ${found.length}`);
  return found[0]!;
};

describe("origin certificate from Cloudflare's Origin CA", () => {
  it("covers exactly the proxied hostnames, ECDSA, from a CSR over a key generated in the program", async () => {
    const { resources } = await renderEdge(baseArgs());
    const cert = reveal<{ csr: string; hostnames: string[]; requestType: string; requestedValidity: number }>(one(resources, ORIGIN_CA).inputs);
    expect(cert.hostnames.sort()).toEqual(["app.example.com", "livekit.example.com"]);
    expect(cert.requestType).toBe("origin-ecc");
    expect(cert.requestedValidity).toBe(365);

    const key = byName(resources, "-origin-key");
    expect(key.type).toBe(PRIVATE_KEY);
    expect(reveal(key.inputs)).toMatchObject({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    const csr = byName(resources, "-origin-csr");
    expect(csr.type).toBe(CERT_REQUEST);
    expect(reveal<{ dnsNames: string[] }>(csr.inputs).dnsNames.sort()).toEqual(["app.example.com", "livekit.example.com"]);
    // The CSR signs with the generated key, and the key reaches the CSR only as a secret.
    expect(isSecretValue(csr.inputs.privateKeyPem)).toBe(true);
    expect(cert.csr).toContain("BEGIN CERTIFICATE REQUEST");
  });

  it("never includes a DNS-only hostname in the origin certificate", async () => {
    const { resources } = await renderEdge(baseArgs());
    const cert = reveal<{ hostnames: string[] }>(one(resources, ORIGIN_CA).inputs);
    expect(cert.hostnames).not.toContain("turn.example.com");
    expect(cert.hostnames).not.toContain("media.example.com");
  });

  it("hands the certificate to the edge proxy and keeps its private key secret", async () => {
    const { edge } = await renderEdge(baseArgs());
    expect(await outputValue(edge.originCertificatePem)).toContain("BEGIN CERTIFICATE");
    expect(await pulumi.isSecret(edge.originPrivateKeyPem)).toBe(true);
    expect(await outputValue(edge.originPrivateKeyPem)).toContain("BEGIN PRIVATE KEY");
  });

  it("refuses a validity Cloudflare does not issue, as an error of the component", async () => {
    const attempt = renderEdge(baseArgs({ originCertificateValidityDays: 400 as 365 }));
    await expect(attempt).rejects.toThrow(/originCertificateValidityDays: 400 is not one Cloudflare issues/);
    await expect(attempt).rejects.toBeInstanceOf(pulumi.ResourceError);
  });
});

describe("per-zone Authenticated Origin Pulls", () => {
  it("uploads a client certificate signed by the zone's own CA, not Cloudflare's shared one", async () => {
    const { edge, resources } = await renderEdge(baseArgs());
    const ca = byName(resources, "-origin-pull-ca");
    expect(ca.type).toBe(SELF_SIGNED);
    const caInputs = reveal<{ isCaCertificate: boolean; allowedUses: string[] }>(ca.inputs);
    expect(caInputs.isCaCertificate).toBe(true);
    expect(caInputs.allowedUses).toContain("cert_signing");

    const client = one(resources, LOCALLY_SIGNED);
    const clientInputs = reveal<{ allowedUses: string[]; caCertPem: string; validityPeriodHours: number; earlyRenewalHours: number }>(client.inputs);
    expect(clientInputs.allowedUses).toContain("client_auth");
    expect(clientInputs.allowedUses).not.toContain("cert_signing");
    expect(isSecretValue(client.inputs.caPrivateKeyPem)).toBe(true);
    expect(clientInputs.validityPeriodHours).toBe(365 * 24);
    expect(clientInputs.earlyRenewalHours).toBeGreaterThan(0);

    const upload = one(resources, AOP_CERT);
    expect(upload.inputs.zoneId).toBe(ZONE_ID);
    expect(isSecretValue(upload.inputs.privateKey)).toBe(true);
    expect(reveal<string>(upload.inputs.privateKey)).toContain("BEGIN PRIVATE KEY");
    expect(reveal<string>(upload.inputs.certificate)).toContain("BEGIN CERTIFICATE");
    expect(reveal<string>(upload.inputs.certificate)).toBe(mockPem("CERTIFICATE", client.name));
    expect(reveal<string>(upload.inputs.privateKey)).toBe(mockPem("PRIVATE KEY", byName(resources, "-origin-pull-client-key").name));
    expect(reveal<string>(upload.inputs.certificate)).not.toBe(await outputValue(edge.originPullCaPem));
  });

  it("signs the uploaded client certificate with the CA the edge proxy verifies against", async () => {
    const { edge, resources } = await renderEdge(baseArgs());
    const caPem = await outputValue(edge.originPullCaPem);
    const client = reveal<{ caCertPem: string }>(one(resources, LOCALLY_SIGNED).inputs);
    expect(client.caCertPem).toBe(caPem);
    // The client key is not the CA key: leaking what Cloudflare holds must not let anyone mint certificates.
    const keys = ofType(resources, PRIVATE_KEY).map((k) => k.name);
    expect(keys.filter((n) => n.includes("origin-pull"))).toHaveLength(2);
  });

  it("enables zone-level AOP only after the zone's certificate is uploaded", async () => {
    const { resources, dependsOn } = await renderEdge(baseArgs());
    const settings = one(resources, AOP_SETTINGS);
    expect(reveal(settings.inputs)).toEqual({ zoneId: ZONE_ID, enabled: true });
    // Enabled earlier, Cloudflare would present its shared certificate, which the origin (rightly) refuses: an outage.
    const upload = one(resources, AOP_CERT).name;
    expect(dependsOn(settings.name)).toEqual([upload]);
    const tlsClientAuth = resources.find((r) => r.type === "cloudflare:index/zoneSetting:ZoneSetting" && r.inputs.settingId === "tls_client_auth")!;
    expect(dependsOn(tlsClientAuth.name)).toEqual([upload]);
  });

  it("does not publish the CA's private key or the client key in outputs", async () => {
    const { edge } = await renderEdge(baseArgs());
    expect(await pulumi.isSecret(edge.originPullCaPem)).toBe(false);
    expect(await outputValue(edge.originPullCaPem)).not.toContain("PRIVATE KEY");
  });
});

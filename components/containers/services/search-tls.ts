import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** PEM material of a search node: the CA clients and peers verify it with, its certificate and key. */
export interface SearchNodeTls {
  caCertPem: pulumi.Input<string>;
  certPem: pulumi.Input<string>;
  /** PKCS#8 PEM (the form OpenSearch's security plugin reads); a secret. */
  keyPemPkcs8: pulumi.Input<string>;
}

/** Subject DN of the node certificates searchNodeTls issues (OpenSearch's plugins.security.nodes_dn names it). */
export const searchNodeDn = (containerName: string) => `CN=${containerName}`;

/**
 * A private CA and a node certificate for a search node's HTTP and transport TLS (Elasticsearch and
 * OpenSearch alike): nothing outside the stack trusts the CA. ECDSA P-256 keys; the node key in both PEM
 * forms (Elasticsearch reads the SEC1 `EC PRIVATE KEY`, OpenSearch's security plugin only PKCS#8).
 */
export function searchNodeTls(name: string, containerName: string, ipv4Address: string, parent: pulumi.Resource): SearchNodeTls & { keyPem: pulumi.Output<string> } {
  const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const ca = new tls.SelfSignedCert(
    `${name}-ca`,
    {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: 24 * 365 * 3,
      allowedUses: ["cert_signing", "crl_signing"],
      subject: { commonName: `${containerName} CA`, organization: "Rampart" },
    },
    { parent },
  );
  const nodeKey = new tls.PrivateKey(`${name}-node-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const csr = new tls.CertRequest(
    `${name}-node-csr`,
    {
      privateKeyPem: nodeKey.privateKeyPem,
      subject: { commonName: containerName },
      dnsNames: [containerName, "localhost"],
      ipAddresses: [ipv4Address, "127.0.0.1"],
    },
    { parent },
  );
  const nodeCert = new tls.LocallySignedCert(
    `${name}-node-cert`,
    {
      certRequestPem: csr.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: 24 * 365,
      earlyRenewalHours: 24 * 30,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    },
    { parent },
  );
  return { caCertPem: ca.certPem, certPem: nodeCert.certPem, keyPem: nodeKey.privateKeyPem, keyPemPkcs8: nodeKey.privateKeyPemPkcs8 };
}

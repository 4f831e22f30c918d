/**
 * Test PKI made with openssl: a server certificate for the edge/TURN names, and an "origin pull" CA with
 * one client certificate, standing in for Cloudflare's Authenticated Origin Pulls client certificate.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  serverCertPem: string;
  serverKeyPem: string;
  clientCaPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** A client certificate from a CA the server does not trust. */
  strangerCertPem: string;
  strangerKeyPem: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

function ca(dir: string, name: string): void {
  openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", `/CN=${name} test CA`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout", `${name}-ca.key`, "-out", `${name}-ca.pem`]);
}

function leaf(dir: string, name: string, caName: string, ext: string): void {
  openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`,
    "-keyout", `${name}.key`, "-out", `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", `${caName}-ca.pem`, "-CAkey", `${caName}-ca.key`,
    "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`]);
}

export function makeTestPki(serverNames: readonly string[]): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "rampart-pki-"));
  try {
    ca(dir, "server");
    ca(dir, "originpull");
    ca(dir, "stranger");
    const san = serverNames.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    leaf(dir, "server", "server", `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
    leaf(dir, "client", "originpull", "extendedKeyUsage=clientAuth\n");
    leaf(dir, "strangerclient", "stranger", "extendedKeyUsage=clientAuth\n");
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return {
      serverCertPem: read("server.pem") + read("server-ca.pem"),
      serverKeyPem: read("server.key"),
      clientCaPem: read("originpull-ca.pem"),
      clientCertPem: read("client.pem"),
      clientKeyPem: read("client.key"),
      strangerCertPem: read("strangerclient.pem"),
      strangerKeyPem: read("strangerclient.key"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A search node's TLS: its own CA and a node certificate for its address (PKCS#8 key, as OpenSearch needs). */
export interface SearchPki {
  caCertPem: string;
  certPem: string;
  keyPemPkcs8: string;
  /** The node certificate's subject, for plugins.security.nodes_dn. */
  nodeDn: string;
}

export function makeSearchPki(nodeName: string, ip: string): SearchPki {
  const dir = mkdtempSync(join(tmpdir(), "rampart-search-pki-"));
  try {
    ca(dir, "search");
    leaf(dir, nodeName, "search", `subjectAltName=DNS:${nodeName},IP:${ip}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    const keyPemPkcs8 = read(`${nodeName}.key`);
    if (!keyPemPkcs8.startsWith("-----BEGIN PRIVATE KEY-----")) throw new Error("openssl did not write a PKCS#8 key (OpenSSL 3 does by default)");
    return { caCertPem: read("search-ca.pem"), certPem: read(`${nodeName}.pem`), keyPemPkcs8, nodeDn: `CN=${nodeName}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

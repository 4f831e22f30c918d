import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface LocalCertificatesArgs {
  /** Names the local server certificate covers (the app and TURN host names). */
  dnsNames: pulumi.Input<pulumi.Input<string>[]>;
  ipAddresses: pulumi.Input<pulumi.Input<string>[]>;
}

const YEAR_HOURS = 24 * 365;

/**
 * Certificates for the local target, where there is no Cloudflare: a local CA signs the server
 * certificate (standing in for the Origin CA certificate, and for TURNS), and a separate "origin pull"
 * CA signs the client certificate a local tester presents to the edge proxy, standing in for
 * Cloudflare's Authenticated Origin Pulls. Keys are secrets end to end.
 */
export class LocalCertificates extends pulumi.ComponentResource {
  public readonly caCertPem: pulumi.Output<string>;
  public readonly serverCertPem: pulumi.Output<string>;
  public readonly serverKeyPem: pulumi.Output<string>;
  public readonly originPullCaPem: pulumi.Output<string>;
  public readonly clientCertPem: pulumi.Output<string>;
  public readonly clientKeyPem: pulumi.Output<string>;

  constructor(name: string, args: LocalCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:LocalCertificates", name, {}, opts);
    const key = (n: string) => new tls.PrivateKey(`${name}-${n}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const ca = (n: string, commonName: string) => {
      const k = key(n);
      const cert = new tls.SelfSignedCert(
        `${name}-${n}`,
        {
          privateKeyPem: k.privateKeyPem,
          isCaCertificate: true,
          validityPeriodHours: 2 * YEAR_HOURS,
          allowedUses: ["cert_signing", "crl_signing"],
          subject: { commonName, organization: "Rampart local" },
        },
        { parent: this },
      );
      return { key: k, cert };
    };
    const signed = (n: string, signer: ReturnType<typeof ca>, req: Omit<tls.CertRequestArgs, "privateKeyPem">, uses: string[]) => {
      const k = key(n);
      const csr = new tls.CertRequest(`${name}-${n}-csr`, { privateKeyPem: k.privateKeyPem, ...req }, { parent: this });
      const cert = new tls.LocallySignedCert(
        `${name}-${n}`,
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: signer.key.privateKeyPem,
          caCertPem: signer.cert.certPem,
          validityPeriodHours: YEAR_HOURS,
          earlyRenewalHours: 24 * 30,
          allowedUses: uses,
        },
        { parent: this },
      );
      return { key: k, cert };
    };

    const serverCa = ca("ca", "Rampart local CA");
    const server = signed("server", serverCa, { subject: { commonName: "rampart local" }, dnsNames: args.dnsNames, ipAddresses: args.ipAddresses }, [
      "digital_signature",
      "key_encipherment",
      "server_auth",
    ]);
    const pullCa = ca("origin-pull-ca", "Rampart local origin-pull CA");
    const client = signed("origin-pull-client", pullCa, { subject: { commonName: "rampart local origin pull" } }, ["digital_signature", "client_auth"]);

    this.caCertPem = serverCa.cert.certPem;
    this.serverCertPem = server.cert.certPem;
    this.serverKeyPem = pulumi.secret(server.key.privateKeyPem);
    this.originPullCaPem = pullCa.cert.certPem;
    this.clientCertPem = client.cert.certPem;
    this.clientKeyPem = pulumi.secret(client.key.privateKeyPem);
    this.registerOutputs({ caCertPem: this.caCertPem, clientCertPem: this.clientCertPem, clientKeyPem: this.clientKeyPem });
  }
}

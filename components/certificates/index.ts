import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import * as acme from "@pulumiverse/acme";
import { isHostname } from "@rampart/catalogue";

export const LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

export interface AcmeCertificateArgs {
  /** The hostname the certificate is for (TURNS: clients check it against `turns:<host>`). */
  hostname: string;
  /** Account contact for expiry and revocation notices. */
  email: pulumi.Input<string>;
  /** Cloudflare API token with Zone:DNS:Edit for the DNS-01 challenge; default: lego reads CF_DNS_API_TOKEN. */
  cloudflareDnsToken?: pulumi.Input<string>;
  /** ACME directory (default Let's Encrypt production). */
  serverUrl?: string;
  /** Renew on `pulumi up` once fewer days remain (default 30). */
  minDaysRemaining?: number;
}

/**
 * A publicly trusted certificate through ACME DNS-01 on the Cloudflare zone. TURNS clients validate the
 * server certificate like any TLS client, so the Cloudflare Origin CA (trusted by Cloudflare only) will
 * not do, and a DNS-only TURN hostname has no Cloudflare proxy to terminate TLS for it.
 */
export class AcmeCertificate extends pulumi.ComponentResource {
  /** Leaf and issuer chain, PEM. */
  readonly certPem: pulumi.Output<string>;
  /** Secret. */
  readonly keyPem: pulumi.Output<string>;

  constructor(name: string, args: AcmeCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:certificates:AcmeCertificate", name, {}, opts);
    const minDaysRemaining = args.minDaysRemaining ?? 30;
    if (!isHostname(args.hostname)) {
      throw new pulumi.ResourceError(`AcmeCertificate: "${args.hostname}" is not a fully qualified hostname`, this);
    }
    if (!Number.isInteger(minDaysRemaining) || minDaysRemaining < 7 || minDaysRemaining > 60) {
      throw new pulumi.ResourceError(`AcmeCertificate: minDaysRemaining ${minDaysRemaining} must be a whole number of days between 7 and 60`, this);
    }
    const provider = new acme.Provider(`${name}-acme`, { serverUrl: args.serverUrl ?? LETS_ENCRYPT }, { parent: this });
    const children = { parent: this, provider };

    const accountKey = new tls.PrivateKey(`${name}-account-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const registration = new acme.Registration(`${name}-registration`, {
      accountKeyPem: accountKey.privateKeyPem,
      emailAddress: args.email,
    }, children);

    const certificate = new acme.Certificate(`${name}-certificate`, {
      accountKeyPem: registration.accountKeyPem,
      commonName: args.hostname,
      keyType: "P256",
      minDaysRemaining,
      dnsChallenges: [{
        provider: "cloudflare",
        ...(args.cloudflareDnsToken
          ? { config: pulumi.secret(pulumi.output(args.cloudflareDnsToken).apply((t) => ({ CF_DNS_API_TOKEN: t }))) }
          : {}),
      }],
    }, { ...children, additionalSecretOutputs: ["privateKeyPem"] });

    this.certPem = pulumi.interpolate`${certificate.certificatePem}${certificate.issuerPem}`;
    this.keyPem = pulumi.secret(certificate.privateKeyPem);
    this.registerOutputs({ certPem: this.certPem });
  }
}

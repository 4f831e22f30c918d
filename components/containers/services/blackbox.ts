import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import { renderBlackboxYml } from "../../config/blackbox";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { configDir } from "./common";

/** A TLS endpoint whose certificate is watched, verified against the certificate it should serve. */
export interface WatchedCertificate {
  /** Module name (`turns`, `origin`): the probe's label in Prometheus. */
  readonly name: string;
  /** host:port the exporter dials. */
  readonly endpoint: pulumi.Input<string>;
  /** The certificate (chain) the endpoint serves: the probe trusts exactly it, so a swapped certificate fails. */
  readonly certPem: pulumi.Input<string>;
  /** Name verified against the certificate (and sent as SNI). */
  readonly serverName: string;
}

export interface BlackboxExporterArgs {
  image?: pulumi.Input<string>;
  networks: NetworkAttachment[];
  certificates: WatchedCertificate[];
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
}

/**
 * The blackbox exporter that lets Prometheus see certificate expiry (`probe_ssl_earliest_cert_expiry`)
 * of the TURNS and origin endpoints. Verification is on: each module trusts the certificate its endpoint
 * should serve. Listens on the monitoring network only; nothing is published.
 */
export class BlackboxExporter extends pulumi.ComponentResource {
  public readonly port: number;

  constructor(name: string, args: BlackboxExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:BlackboxExporter", name, {}, opts);
    const user = SERVICE_USERS.blackbox;
    const listen = port("blackbox-exporter").from;
    const dir = configDir("blackbox");
    const caPath = (name: string) => `${dir}/${name}-cert.pem`;
    const ymlPath = `${dir}/blackbox.yml`;

    new HardenedContainer(
      name,
      {
        service: "blackbox",
        containerName: args.containerName ?? name,
        image: args.image ?? DEFAULT_IMAGES.blackbox,
        uid: user.uid,
        gid: user.gid,
        networks: args.networks,
        tmpfs: { "/tmp": { sizeMiB: 8 } },
        configFiles: [
          { path: ymlPath, content: renderBlackboxYml(args.certificates.map((c) => ({ name: c.name, caFile: caPath(c.name), serverName: c.serverName }))) },
          // Certificates are public: plain config files.
          ...args.certificates.map((c) => ({ path: caPath(c.name), content: c.certPem })),
        ],
        command: [`--config.file=${ymlPath}`, `--web.listen-address=0.0.0.0:${listen}`],
        memoryMiB: args.memoryMiB ?? 64,
        cpus: args.cpus ?? 0.25,
        healthcheck: {
          test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${listen}/-/healthy`],
          interval: "30s",
          startPeriod: "10s",
        },
      },
      { parent: this },
    );
    this.port = listen;
    this.registerOutputs({});
  }
}

import * as pulumi from "@pulumi/pulumi";
import { renderEdgeNginxConf } from "../../config/nginx";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { configDir, secretPath } from "./common";

/**
 * nginx listens on this unprivileged port inside its namespace; Docker publishes the catalogue's 443
 * onto it, so the container needs no capability (no net-bind-service exception).
 */
export const EDGE_CONTAINER_HTTPS_PORT = 8443;

export interface EdgeProxyArgs {
  image?: pulumi.Input<string>;
  networks: NetworkAttachment[];
  /** Host address 443 is published on: 127.0.0.1 locally; on AWS the address the security group guards. */
  publishAddress: pulumi.Input<string>;
  serverNames: pulumi.Input<pulumi.Input<string>[]>;
  /** Cloudflare Origin CA certificate (chain) and key for the served names. */
  tls: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
  /** CA of the client certificate Cloudflare presents (per-zone Authenticated Origin Pulls CA). */
  originPullCaPem: pulumi.Input<string>;
  /** Cloudflare's IPv4 and IPv6 ranges: the only peers whose CF-Connecting-IP is believed. */
  cloudflareRanges: pulumi.Input<pulumi.Input<string>[]>;
  upstreams: { gatewayHost: pulumi.Input<string>; livekitHost: pulumi.Input<string> };
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
}

const TLS_KEY = "origin-key.pem";

/** nginx (unprivileged image) terminating TLS for Cloudflare with Authenticated Origin Pulls enforced. */
export class EdgeProxy extends pulumi.ComponentResource {
  constructor(name: string, args: EdgeProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:EdgeProxy", name, {}, opts);
    const user = SERVICE_USERS.edge;
    const dir = configDir("nginx");
    const confPath = `${dir}/nginx.conf`;
    const certPath = `${dir}/origin-cert.pem`;
    const clientCaPath = `${dir}/origin-pull-ca.pem`;

    const conf = pulumi
      .all([args.serverNames, args.cloudflareRanges, args.upstreams.gatewayHost, args.upstreams.livekitHost])
      .apply(([serverNames, ranges, gatewayHost, livekitHost]) =>
        renderEdgeNginxConf({
          listenPort: EDGE_CONTAINER_HTTPS_PORT,
          serverNames,
          tls: { certPath, keyPath: secretPath(TLS_KEY), clientCaPath },
          trustedProxyCidrs: ranges,
          upstreams: { gateway: { host: gatewayHost }, livekit: { host: livekitHost } },
          scratchDir: "/tmp",
        }),
      );

    const firstHost = pulumi.output(args.serverNames).apply((names) => {
      if (!names[0]) throw new pulumi.ResourceError("EdgeProxy needs at least one server name", this);
      return names[0];
    });

    new HardenedContainer(
      name,
      {
        service: "edge",
        containerName: args.containerName ?? name,
        image: args.image ?? DEFAULT_IMAGES.edge,
        uid: user.uid,
        gid: user.gid,
        networks: args.networks,
        ports: [{ portId: "edge-https", hostIp: args.publishAddress, containerPort: EDGE_CONTAINER_HTTPS_PORT }],
        tmpfs: { "/tmp": { sizeMiB: 64 } },
        configFiles: [
          { path: confPath, content: conf },
          { path: certPath, content: args.tls.certPem },
          { path: clientCaPath, content: args.originPullCaPem },
        ],
        secretFiles: [{ name: TLS_KEY, content: args.tls.keyPem }],
        // Bypass the image's entrypoint scripts: they rewrite files under /etc/nginx, which is read-only.
        entrypoint: ["nginx", "-c", confPath, "-g", "daemon off;"],
        memoryMiB: args.memoryMiB ?? 256,
        cpus: args.cpus ?? 1,
        healthcheck: {
          // Without a client certificate nginx completes the handshake and answers 400: TLS is up and
          // the listener answers, and nothing is proxied. The request names the first served host (as
          // SNI, through --resolve): a handshake without our SNI is refused by the default server.
          test: [
            "CMD",
            "curl",
            "-sk",
            "-o",
            "/dev/null",
            "--resolve",
            firstHost.apply((h) => `${h}:${EDGE_CONTAINER_HTTPS_PORT}:127.0.0.1`),
            firstHost.apply((h) => `https://${h}:${EDGE_CONTAINER_HTTPS_PORT}/`),
          ],
          interval: "15s",
          startPeriod: "5s",
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

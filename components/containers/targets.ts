/**
 * Everything that differs between the aws and local targets, one row each; RampartContainers is the same
 * code for both and reads only this table.
 *
 * - aws: LiveKit and coturn use host networking by the named `host-network` exception (their media
 *   ranges cannot sensibly be published port by port); they bind the host's private address for
 *   API/metrics. The edge proxy publishes 443 on `edgePublishAddress` (the security group lets only
 *   Cloudflare reach it), the gateway's metrics go to the private address.
 * - local: no host networking at all. Docker Desktop's "host" network is the VM's, not the laptop's, so it
 *   would not behave like AWS anyway; instead only the edge proxy (443), LiveKit media (7881/tcp, the
 *   7882/udp mux) and TURN (3478, 5349, the small relay range) are published, all on 127.0.0.1.
 */
import * as pulumi from "@pulumi/pulumi";
import { port, type Target } from "@rampart/catalogue";
import type { FixedAddresses } from "./fixed-addresses";
import type { LocalCertificates, LocalCertificatesArgs } from "./local-certificates";
import type { CoturnArgs } from "./services/coturn";
import type { LivekitArgs } from "./services/livekit";
import type { ArgsByTarget, EdgeTls, TurnTls } from "./stack-args";

const LOOPBACK = "127.0.0.1";

/** Addresses and peers every service is wired with, none left optional. */
interface Site {
  readonly domain: string;
  readonly bindAddress: pulumi.Input<string>;
  readonly publicAddress: pulumi.Input<string>;
  readonly edgePublishAddress: pulumi.Input<string>;
  readonly cloudflareRanges: pulumi.Input<pulumi.Input<string>[]>;
}

export interface HostNames {
  readonly app: string;
  readonly turn: string;
}

interface Certificates {
  readonly edgeTls: EdgeTls;
  readonly turnTls: TurnTls;
  /** The certificate a tester presents to the edge proxy, where a local CA stands in for Cloudflare's origin pull. */
  readonly client?: { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string>; caCertPem: pulumi.Output<string> };
}

/** What the media placement is wired from: the settled site, the fixed addresses and the two networks. */
interface Wiring {
  readonly site: Site;
  readonly at: FixedAddresses;
  readonly internalNetwork: pulumi.Output<string>;
  readonly edgeNetwork: pulumi.Output<string>;
}

/**
 * A media service either shares the host's network (the `host-network` exception) or sits on the stack's
 * networks with its media published; each placement requires the arguments it needs, so a half-wired
 * service does not type-check.
 */
type Placed<A extends { hostNetwork: boolean }, OnHost extends keyof A, Published extends keyof A> =
  | ({ hostNetwork: true } & Required<Pick<A, OnHost>>)
  | ({ hostNetwork: false } & Required<Pick<A, Published>>);

/** Where LiveKit and coturn sit, and so where the edge proxy finds LiveKit's API. */
interface MediaPlacement {
  readonly coturn: Placed<CoturnArgs, "listeningIp", "listeningIp" | "networks" | "publishAddress">;
  readonly livekit: Placed<LivekitArgs, "privateAddress" | "nodeIp", "networks" | "publishAddress" | "nodeIp">;
  readonly livekitApiHost: pulumi.Input<string>;
  /** host:port Prometheus scrapes LiveKit's and coturn's exporters at. */
  readonly metrics: { readonly livekit: pulumi.Input<string>; readonly coturn: pulumi.Input<string> };
  /** Whether Prometheus and the blackbox exporter must join the edge network (coturn and the edge proxy sit only there locally). */
  readonly coturnOnEdge: boolean;
  /** host:port of the TLS endpoints whose certificates are watched: TURNS and the origin's HTTPS. */
  readonly tlsEndpoints: { readonly turns: pulumi.Input<string>; readonly origin: pulumi.Input<string> };
}

/** What clients are handed and what the edge serves. */
interface Entry {
  readonly https: string;
  readonly turnHost: string;
  readonly turnsHost: string;
  readonly serverNames: string[];
}

interface TargetProfile<A> {
  /** The site from the args, with the target's defaults for what they leave out (plain Errors for what is missing). */
  site(args: A): Site;
  /** The edge's and TURNS' certificates; `localCa` declares the local CA when the target needs one. */
  certificates(args: A, names: HostNames, localCa: (a: LocalCertificatesArgs) => LocalCertificates): Certificates;
  media(w: Wiring): MediaPlacement;
  entry(names: HostNames): Entry;
}

const TARGETS: { readonly [T in Target]: TargetProfile<ArgsByTarget[T]> } = {
  aws: {
    site(args) {
      if (!args.domain) throw new Error("RampartContainers: domain is required on the aws target");
      if (args.bindAddress === undefined) throw new Error("RampartContainers: bindAddress (the host's private address) is required on aws");
      if (args.publicAddress === undefined) throw new Error("RampartContainers: publicAddress is required on aws (coturn announces it)");
      // The types require these; config read at run time may still lack them.
      const missing = (["cloudflareRanges", "edgeTls", "turnTls"] as const).filter((k) => args[k] === undefined);
      if (missing.length > 0) throw new Error(`RampartContainers: ${missing.join(", ")} required on aws`);
      return {
        domain: args.domain,
        bindAddress: args.bindAddress,
        publicAddress: args.publicAddress,
        // The security group, not the bind address, keeps everyone but Cloudflare out.
        edgePublishAddress: args.edgePublishAddress ?? "0.0.0.0",
        cloudflareRanges: args.cloudflareRanges,
      };
    },
    certificates: (args) => ({ edgeTls: args.edgeTls, turnTls: args.turnTls }),
    media: ({ site }) => ({
      coturn: { hostNetwork: true, listeningIp: site.bindAddress },
      livekit: { hostNetwork: true, privateAddress: site.bindAddress, nodeIp: site.publicAddress },
      // On the host network LiveKit's API listens on the private address.
      livekitApiHost: site.bindAddress,
      // Both exporters listen on the host's private address; Prometheus reaches it from its bridge.
      metrics: {
        livekit: pulumi.interpolate`${site.bindAddress}:${port("livekit-prometheus").from}`,
        coturn: pulumi.interpolate`${site.bindAddress}:${port("coturn-prometheus").from}`,
      },
      coturnOnEdge: false,
      // coturn listens on the private address; the edge proxy publishes 443 there too.
      tlsEndpoints: {
        turns: pulumi.interpolate`${site.bindAddress}:${port("turns-tcp").from}`,
        origin: pulumi.interpolate`${site.bindAddress}:${port("edge-https").from}`,
      },
    }),
    entry: ({ app, turn }) => ({ https: `https://${app}`, turnHost: turn, turnsHost: turn, serverNames: [app] }),
  },
  local: {
    site(args) {
      // An empty domain would name the hosts "app." and "turn.".
      if (args.domain === "") throw new Error("RampartContainers: domain must not be empty");
      return {
        domain: args.domain ?? "rampart.localhost",
        bindAddress: args.bindAddress ?? LOOPBACK,
        publicAddress: args.publicAddress ?? LOOPBACK,
        edgePublishAddress: args.edgePublishAddress ?? LOOPBACK,
        // Locally there is no Cloudflare and no proxy to believe: loopback only, which never is the peer
        // (Docker forwards published connections from the edge network's gateway), so CF-Connecting-IP
        // is ignored and the peer address is the client address.
        cloudflareRanges: args.cloudflareRanges ?? [`${LOOPBACK}/32`],
      };
    },
    certificates(args, names, localCa) {
      const local = localCa({ dnsNames: [names.app, names.turn, "localhost"], ipAddresses: [LOOPBACK] });
      return {
        edgeTls: args.edgeTls ?? { certPem: local.serverCertPem, keyPem: local.serverKeyPem, originPullCaPem: local.originPullCaPem },
        turnTls: args.turnTls ?? { certPem: local.serverCertPem, keyPem: local.serverKeyPem },
        client: { certPem: local.clientCertPem, keyPem: local.clientKeyPem, caCertPem: local.caCertPem },
      };
    },
    media: ({ at, internalNetwork, edgeNetwork }) => ({
      coturn: { hostNetwork: false, listeningIp: at.coturn, networks: [{ name: edgeNetwork, ipv4Address: at.coturn }], publishAddress: LOOPBACK },
      livekit: {
        hostNetwork: false,
        networks: [
          { name: internalNetwork, ipv4Address: at.livekitInternal },
          { name: edgeNetwork, ipv4Address: at.livekitEdge },
        ],
        publishAddress: LOOPBACK,
        nodeIp: LOOPBACK,
      },
      livekitApiHost: at.livekitEdge,
      metrics: { livekit: `${at.livekitInternal}:${port("livekit-prometheus").from}`, coturn: `${at.coturn}:${port("coturn-prometheus").from}` },
      coturnOnEdge: true,
      tlsEndpoints: { turns: `${at.coturn}:${port("turns-tcp").from}`, origin: `${at.edge}:${port("edge-https").from}` },
    }),
    entry: ({ app }) => ({ https: `https://localhost:${port("edge-https").from}`, turnHost: LOOPBACK, turnsHost: "localhost", serverNames: [app, "localhost"] }),
  },
};

/** The row of the args' own target: callers pass `args.target` and then those same args. */
export function targetProfile<T extends Target>(target: T): TargetProfile<ArgsByTarget[T]> {
  return TARGETS[target];
}

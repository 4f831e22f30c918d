/**
 * The four services the suite runs, declared through their own Pulumi components (local-target
 * settings) with test secrets and test PKI, captured under mocks and translated for the engine.
 */
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import type { NetworkAttachment } from "../../../components/containers/hardened-container";
import { Coturn } from "../../../components/containers/services/coturn";
import { EdgeProxy } from "../../../components/containers/services/edge-proxy";
import { Gateway } from "../../../components/containers/services/gateway";
import { OpenSearch } from "../../../components/containers/services/opensearch";
import { Redis } from "../../../components/containers/services/redis";
import type { ServiceName } from "@rampart/catalogue";
import { captureResources, serviceAndHelpers, type CapturedResource } from "./capture";
import { hostRlimitCeiling, translateContainer, type EngineSpec } from "./container-spec";
import { LOCAL_IMAGES } from "./engine-gate";
import { makeSearchPki, makeTestPki, type SearchPki, type TestPki } from "./certs";

/** The network name the components are told; the suite maps it onto its own --internal network. */
export const DECLARED_NETWORK = "rampart-internal";

/** `search` is the stack's search node with searchEngine opensearch (Elasticsearch cannot run here). */
export const SERVICES = ["redis", "coturn", "gateway", "edge", "search"] as const;
export type Service = (typeof SERVICES)[number];

export const LOCAL_IMAGE: Record<Service, string> = {
  redis: LOCAL_IMAGES.redis,
  coturn: LOCAL_IMAGES.coturn,
  gateway: LOCAL_IMAGES.gateway,
  edge: LOCAL_IMAGES.nginx,
  search: LOCAL_IMAGES.opensearch,
};

/** The port catalogue's name of each service the suite runs. */
export const CATALOGUE_SERVICE: Record<Service, ServiceName> = { redis: "redis", coturn: "coturn", gateway: "gateway", edge: "edge", search: "elasticsearch" };

/** The search node's container name as the suite declares it (its certificate names it). */
export const SEARCH_NODE_NAME = "rampart-opensearch";

export interface StackSecrets {
  redisGatewayPassword: string;
  gatewayFanoutKey: string;
  turnSecret: string;
  jwtSecret: string;
  livekitApiSecret: string;
  /** The search node's own user's password. */
  searchPassword: string;
}

export interface StackPlan {
  subnet: string;
  address: Record<Service | "livekit", string>;
  secrets: StackSecrets;
  pki: TestPki;
  searchPki: SearchPki;
  origin: string;
  serverName: string;
  captured: Record<Service, CapturedResource>;
  /** Containers a component creates but never starts (e.g. to seed volumes), created before the service. */
  helpers: Record<Service, CapturedResource[]>;
}

const secret = () => randomBytes(36).toString("base64url").slice(0, 48);

export function newPlanBasics(): Omit<StackPlan, "captured" | "helpers"> {
  // A /24 of 10.213.0.0/16 per run: the network is --internal, the addresses only have to be unique here.
  const third = randomInt(1, 254);
  const subnet = `10.213.${third}.0/24`;
  const at = (n: number) => `10.213.${third}.${n}`;
  const serverName = "rampart.test";
  return {
    subnet,
    address: { redis: at(10), coturn: at(11), gateway: at(12), edge: at(13), livekit: at(14), search: at(15) },
    secrets: { redisGatewayPassword: secret(), gatewayFanoutKey: secret(), turnSecret: secret(), jwtSecret: secret(), livekitApiSecret: secret(), searchPassword: secret() },
    pki: makeTestPki([serverName, "turn.rampart.test", "edge"]),
    searchPki: makeSearchPki(SEARCH_NODE_NAME, at(15)),
    origin: "https://app.rampart.test",
    serverName,
  };
}

/** Constructs each service component under mocks and keeps the container inputs it declares. */
export async function declareStack(basics: Omit<StackPlan, "captured" | "helpers">): Promise<StackPlan> {
  const { address, secrets, pki } = basics;
  const onlyContainer = (resources: CapturedResource[], what: string) => {
    const split = serviceAndHelpers(resources, what);
    helperLists.push(split.helpers);
    return split.service;
  };
  const helperLists: CapturedResource[][] = [];
  const net = (alias: string, ipv4Address?: string): NetworkAttachment & { ipv4Address?: string } => ({
    name: DECLARED_NETWORK,
    aliases: [alias],
    ...(ipv4Address ? { ipv4Address } : {}),
  });

  const redis = onlyContainer(
    await captureResources(() => {
      new Redis("redis", { network: { ...net("redis"), ipv4Address: address.redis }, gatewayPassword: secrets.redisGatewayPassword });
    }),
    "Redis",
  );
  const coturn = onlyContainer(
    await captureResources(() => {
      new Coturn("coturn", {
        target: "local",
        hostNetwork: false,
        listeningIp: address.coturn,
        externalIp: "127.0.0.1",
        networks: [net("turn", address.coturn)],
        publishAddress: "127.0.0.1",
        realm: "turn.rampart.test",
        tls: { certPem: pki.serverCertPem, keyPem: pki.serverKeyPem },
        authSecret: secrets.turnSecret,
      });
    }),
    "Coturn",
  );
  const gateway = onlyContainer(
    await captureResources(() => {
      new Gateway("gateway", {
        image: "rampart/gateway:0.1.0",
        networks: [net("gateway")],
        // As RampartContainers does on the local target: metrics published on the host's loopback.
        metricsAddress: "127.0.0.1",
        allowedOrigins: [basics.origin],
        trustedProxies: [`${address.edge}/32`],
        jwt: { secret: secrets.jwtSecret },
        livekit: { url: "wss://rampart.test/rtc", apiKey: "APIrampartTest", apiSecret: secrets.livekitApiSecret },
        turn: { secret: secrets.turnSecret, uris: ["turn:turn.rampart.test:3478?transport=udp"] },
        redis: { host: address.redis, password: secrets.redisGatewayPassword },
        fanoutKey: secrets.gatewayFanoutKey,
      });
    }),
    "Gateway",
  );
  const edge = onlyContainer(
    await captureResources(() => {
      new EdgeProxy("edge", {
        networks: [net("edge")],
        publishAddress: "127.0.0.1",
        serverNames: [basics.serverName],
        tls: { certPem: pki.serverCertPem, keyPem: pki.serverKeyPem },
        originPullCaPem: pki.clientCaPem,
        // Stand-in for Cloudflare's ranges: the suite's own network, where its client container sits.
        cloudflareRanges: [basics.subnet],
        upstreams: { gatewayHost: "gateway", livekitHost: "livekit" },
      });
    }),
    "EdgeProxy",
  );
  const search = onlyContainer(
    await captureResources(() => {
      new OpenSearch("search", {
        containerName: SEARCH_NODE_NAME,
        network: { ...net("search"), ipv4Address: address.search },
        adminPassword: secrets.searchPassword,
        tls: basics.searchPki,
        // The smallest limit the component accepts (heap 512 MiB): the suite runs five services on 2 cores.
        memoryMiB: 1024,
      });
    }),
    "OpenSearch",
  );
  const [redisHelpers, coturnHelpers, gatewayHelpers, edgeHelpers, searchHelpers] = helperLists as [CapturedResource[], CapturedResource[], CapturedResource[], CapturedResource[], CapturedResource[]];
  return {
    ...basics,
    captured: { redis, coturn, gateway, edge, search },
    helpers: { redis: redisHelpers, coturn: coturnHelpers, gateway: gatewayHelpers, edge: edgeHelpers, search: searchHelpers },
  };
}

export function engineSpec(
  service: Service,
  captured: CapturedResource,
  network: string,
  volumeName: (declared: string) => string,
  mutate?: (inputs: Record<string, unknown>) => Record<string, unknown>,
): EngineSpec {
  const inputs = mutate ? mutate(structuredClone(captured.inputs)) : captured.inputs;
  return translateContainer(service, inputs, {
    image: LOCAL_IMAGE[service],
    networks: { [DECLARED_NETWORK]: network },
    volumeName,
    rlimitCeiling: hostRlimitCeiling(readFileSync("/proc/self/limits", "utf8")),
  });
}

/**
 * The media path of the stack, declared through its own Pulumi components (local-target settings):
 * Redis with the LiveKit ACL user, the hardened coturn, two LiveKit nodes sharing that Redis and one API
 * key, and the gateway that mints LiveKit tokens and TURN credentials. Captured under mocks with real
 * random secrets and translated for the engine exactly like the other services (support/stack.ts).
 *
 * Addresses: coturn relays only to public unicast peers (its denied-peer list refuses every private,
 * loopback and reserved range, as it must), and in production LiveKit announces its public address. So the
 * suite's --internal network takes a /24 of 11.0.0.0/8: not routed anywhere from this machine (the network
 * is internal, Docker gives it no way out) and outside every denied range, so coturn relays to LiveKit
 * exactly as it would to a public node.
 */
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import type { NetworkAttachment } from "../../../components/containers/hardened-container";
import { Coturn } from "../../../components/containers/services/coturn";
import { Gateway } from "../../../components/containers/services/gateway";
import { secretPath } from "../../../components/containers/services/common";
import { Livekit } from "../../../components/containers/services/livekit";
import { renderLivekitYaml } from "../../../components/config/livekit";
import { Redis } from "../../../components/containers/services/redis";
import { captureResources, serviceAndHelpers, type CapturedResource } from "./capture";
import { makeTestPki } from "./certs";
import { hostRlimitCeiling, translateContainer, type EngineSpec } from "./container-spec";
import { LOCAL_IMAGES } from "./engine-gate";
import { DECLARED_NETWORK } from "./stack";

export const LIVEKIT_IMAGE = LOCAL_IMAGES.livekit;
export const MEDIA_SERVICES = ["redis", "coturn", "livekitA", "livekitB", "livekitAwsBinds", "gateway"] as const;
export type MediaService = (typeof MEDIA_SERVICES)[number];

const IMAGE: Record<MediaService, string> = {
  redis: LOCAL_IMAGES.redis,
  coturn: LOCAL_IMAGES.coturn,
  livekitA: LIVEKIT_IMAGE,
  livekitB: LIVEKIT_IMAGE,
  livekitAwsBinds: LIVEKIT_IMAGE,
  gateway: LOCAL_IMAGES.gateway,
};

export interface MediaPlan {
  subnet: string;
  address: Record<MediaService, string>;
  secrets: {
    redisGatewayPassword: string;
    redisLivekitPassword: string;
    turnSecret: string;
    jwtSecret: string;
    livekitApiKey: string;
    livekitApiSecret: string;
    fanoutKey: string;
  };
  origin: string;
  captured: Record<MediaService, { service: CapturedResource; helpers: CapturedResource[] }>;
}

const secret = () => randomBytes(36).toString("base64url").slice(0, 48);

export async function declareMediaStack(): Promise<MediaPlan> {
  const a = randomInt(1, 254);
  const b = randomInt(1, 254);
  const subnet = `11.${a}.${b}.0/24`;
  const at = (n: number) => `11.${a}.${b}.${n}`;
  const address: Record<MediaService, string> = { redis: at(10), coturn: at(11), gateway: at(12), livekitA: at(20), livekitB: at(21), livekitAwsBinds: at(22) };
  const secrets = {
    redisGatewayPassword: secret(),
    redisLivekitPassword: secret(),
    turnSecret: secret(),
    jwtSecret: secret(),
    livekitApiKey: `API${randomBytes(8).toString("hex")}`,
    livekitApiSecret: secret(),
    fanoutKey: secret(),
  };
  const origin = "https://app.rampart.test";
  const pki = makeTestPki(["turn.rampart.test"]);
  const net = (alias: string, ipv4Address: string): NetworkAttachment & { ipv4Address: string } => ({ name: DECLARED_NETWORK, aliases: [alias], ipv4Address });
  const capture = async (what: string, build: () => void) => serviceAndHelpers(await captureResources(build), what);

  const livekit = (name: string, ip: string) =>
    capture("Livekit", () => {
      new Livekit(name, {
        target: "local",
        hostNetwork: false,
        networks: [net(name, ip)],
        publishAddress: "127.0.0.1",
        // Announced in ICE candidates: the node's own address on the suite's network.
        nodeIp: ip,
        redis: { host: address.redis, password: secrets.redisLivekitPassword },
        apiKey: secrets.livekitApiKey,
        apiSecret: secrets.livekitApiSecret,
      });
    });

  const captured: MediaPlan["captured"] = {
    redis: await capture("Redis", () => {
      new Redis("redis", { network: net("redis", address.redis), gatewayPassword: secrets.redisGatewayPassword, livekitPassword: secrets.redisLivekitPassword });
    }),
    coturn: await capture("Coturn", () => {
      new Coturn("coturn", {
        target: "local",
        hostNetwork: false,
        listeningIp: address.coturn,
        // Relays are announced on coturn's own address: the clients and LiveKit reach it there.
        externalIp: address.coturn,
        networks: [net("turn", address.coturn)],
        publishAddress: "127.0.0.1",
        realm: "turn.rampart.test",
        tls: { certPem: pki.serverCertPem, keyPem: pki.serverKeyPem },
        authSecret: secrets.turnSecret,
      });
    }),
    livekitA: await livekit("livekit-a", address.livekitA),
    livekitB: await livekit("livekit-b", address.livekitB),
    livekitAwsBinds: withAwsBinds(await livekit("livekit-aws-binds", address.livekitAwsBinds), address.livekitAwsBinds),
    gateway: await capture("Gateway", () => {
      new Gateway("gateway", {
        image: "rampart/gateway:0.1.0",
        networks: [net("gateway", address.gateway)],
        metricsAddress: "127.0.0.1",
        allowedOrigins: [origin],
        trustedProxies: [`${address.gateway}/32`],
        jwt: { secret: secrets.jwtSecret },
        // The join answer names node A; a client may still enter through node B (two-node test).
        livekit: { url: `ws://${address.livekitA}:7880`, apiKey: secrets.livekitApiKey, apiSecret: secrets.livekitApiSecret },
        turn: { secret: secrets.turnSecret, uris: [`turn:${address.coturn}:3478?transport=udp`] },
        redis: { host: address.redis, password: secrets.redisGatewayPassword },
        fanoutKey: secrets.fanoutKey,
      });
    }),
  };
  return { subnet, address, secrets, origin, captured };
}

/**
 * A LiveKit node whose livekit.yaml is the AWS target's rendering (bind_addresses = the host's private
 * address and loopback, the 50000-60000/udp range), the container's address standing in for the host's.
 * One setting differs from AWS: use_external_ip stays off, because it makes LiveKit ask public STUN
 * servers for its address, and no traffic may leave the suite's network. Only its sockets are examined.
 */
function withAwsBinds(node: { service: CapturedResource; helpers: CapturedResource[] }, ip: string) {
  const yaml = renderLivekitYaml({ target: "aws", bindAddresses: [ip, "127.0.0.1"], keyFilePath: secretPath("livekit-keys.yaml"), useExternalIp: false, nodeIp: ip });
  let replaced = 0;
  const helpers = node.helpers.map((h) => {
    const uploads = ((h.inputs.uploads ?? []) as { file: string; content?: string }[]).map((u) => {
      if (!u.file.endsWith("/livekit.yaml")) return u;
      replaced++;
      return { ...u, content: yaml };
    });
    return { ...h, inputs: { ...h.inputs, uploads } };
  });
  if (replaced !== 1) throw new Error(`the LiveKit seed carries ${replaced} livekit.yaml uploads, expected 1`);
  return { service: node.service, helpers };
}

export function mediaEngineSpec(service: MediaService, captured: CapturedResource, network: string, volumeName: (declared: string) => string): EngineSpec {
  return translateContainer(service, captured.inputs, {
    image: IMAGE[service],
    networks: { [DECLARED_NETWORK]: network },
    volumeName,
    rlimitCeiling: hostRlimitCeiling(readFileSync("/proc/self/limits", "utf8")),
  });
}

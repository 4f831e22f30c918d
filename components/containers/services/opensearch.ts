import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { encodeBase64, hashSync } from "bcryptjs";
import { port } from "@rampart/catalogue";
import { renderJvmHeapOptions } from "../../config/elasticsearch";
import { OPENSEARCH_DEFAULTS, renderOpenSearchInternalUsers, renderOpenSearchSecurityConfig, renderOpenSearchYml } from "../../config/opensearch";
import { declareDataVolume } from "../data-volume";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { secretOrGenerated, secretPath } from "./common";
import { searchNodeDn, searchNodeTls, type SearchNodeTls } from "./search-tls";

export interface OpenSearchArgs {
  image?: pulumi.Input<string>;
  /** The internal network, with this node's fixed address (OpenSearch binds addresses). */
  network: NetworkAttachment & { ipv4Address: string };
  /** Password of the service's own user (`admin`); generated when omitted. */
  adminPassword?: pulumi.Input<string>;
  /** The node's CA, certificate and key; a private CA is generated when omitted. */
  tls?: SearchNodeTls & { nodeDn: string };
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
  clusterName?: string;
  /** Let destroy and replacements delete the data and config volumes (default false: protected and retained). */
  allowDataDeletion?: boolean;
}

const HOME = OPENSEARCH_DEFAULTS.home;
const CONFIG = `${HOME}/config`;
const SECURITY = OPENSEARCH_DEFAULTS.securityDir;
const PASSWORD = "search-password";
/** The service's own user, as Elasticsearch's `elastic`. */
export const OPENSEARCH_ADMIN_USER = "admin";
/** bcrypt cost of the internal user's hash (the plugin's own Hasher uses 12). */
const BCRYPT_COST = 12;

/**
 * bcrypt of the password with a salt derived from it, so the hash (and with it the uploaded file and the
 * container) only changes when the password does: a random salt would replace the node on every update.
 */
export function internalUserHash(password: string, user: string): string {
  const salt = createHmac("sha256", password).update(`rampart opensearch internal user ${user}`).digest().subarray(0, 16);
  return hashSync(password, `$2y$${BCRYPT_COST}$${encodeBase64(salt, 16)}`);
}

/**
 * OpenSearch with its security plugin: TLS on HTTP and transport, HTTP basic authentication against the
 * rendered internal user database only, internal network only, heap derived from the memory limit. The
 * same hardening as Elasticsearch (exec-tmp for JNA, memlock for bootstrap.memory_lock); unlike it, the
 * config directory is read-only in the service (no keystore is written).
 */
export class OpenSearch extends pulumi.ComponentResource {
  public readonly url: string;
  public readonly adminUser = OPENSEARCH_ADMIN_USER;
  public readonly adminPassword: pulumi.Output<string>;
  /** CA certificate clients verify the node with. */
  public readonly caCertPem: pulumi.Output<string>;

  constructor(name: string, args: OpenSearchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:OpenSearch", name, {}, opts);
    const user = SERVICE_USERS.opensearch;
    const memoryMiB = args.memoryMiB ?? 2048;
    const containerName = args.containerName ?? name;
    this.adminPassword = secretOrGenerated(args.adminPassword, `${name}-admin-password`, this);
    const nodeTls = args.tls ?? { ...searchNodeTls(name, containerName, args.network.ipv4Address, this), nodeDn: searchNodeDn(containerName) };
    this.caCertPem = pulumi.output(nodeTls.caCertPem);

    // Named volumes outlive container replacements: the data, and the config directory seeded from the
    // image (log4j2.properties, jvm.options) with the rendered files over it; the service only reads it.
    const volume = (suffix: string) =>
      declareDataVolume(`${name}-${suffix}`, { volumeName: `${containerName}-${suffix}`, service: "opensearch", allowDataDeletion: args.allowDataDeletion }, this).name;
    const dataVolume = volume("data");
    const configVolume = volume("config");

    const pem = { certificatePath: `${CONFIG}/node.crt`, keyPath: `${CONFIG}/node.key`, certificateAuthoritiesPath: `${CONFIG}/ca.crt` };
    const yml = renderOpenSearchYml({
      clusterName: args.clusterName ?? "rampart",
      nodeName: containerName,
      networkHosts: [args.network.ipv4Address],
      dataPath: OPENSEARCH_DEFAULTS.dataPath,
      logsPath: OPENSEARCH_DEFAULTS.logsPath,
      httpTls: pem,
      transportTls: pem,
      nodesDn: [nodeTls.nodeDn],
    });
    const internalUsers = this.adminPassword.apply((p) => renderOpenSearchInternalUsers({ adminUser: OPENSEARCH_ADMIN_USER, passwordHash: internalUserHash(p, OPENSEARCH_ADMIN_USER) }));
    const security = Object.entries(renderOpenSearchSecurityConfig()).map(([file, content]) => ({ path: `${SECURITY}/${file}`, content, mode: "0440" as const }));

    new HardenedContainer(
      name,
      {
        service: "elasticsearch",
        containerName,
        image: args.image ?? DEFAULT_IMAGES.opensearch,
        uid: user.uid,
        gid: user.gid,
        networks: [args.network],
        volumes: [
          { name: configVolume, target: CONFIG, copyImageContent: true, readOnly: true },
          { name: dataVolume, target: OPENSEARCH_DEFAULTS.dataPath, copyImageContent: true },
        ],
        tmpfs: {
          // JNA maps its native library from the temporary directory executable: the exec-tmp exception.
          "/tmp": { sizeMiB: 256, exec: true },
          [OPENSEARCH_DEFAULTS.logsPath]: { sizeMiB: 64 },
        },
        exceptions: ["exec-tmp", "memlock"],
        memlockUnlimited: true,
        configFiles: [
          { path: `${CONFIG}/opensearch.yml`, content: yml, mode: "0440" },
          { path: `${CONFIG}/jvm.options.d/heap.options`, content: renderJvmHeapOptions(memoryMiB), mode: "0440" },
          { path: pem.certificatePath, content: nodeTls.certPem, mode: "0440" },
          { path: pem.certificateAuthoritiesPath, content: nodeTls.caCertPem, mode: "0440" },
          ...security,
        ],
        secretFiles: [
          { name: PASSWORD, content: this.adminPassword },
          { name: "node.key", path: pem.keyPath, content: nodeTls.keyPemPkcs8 },
          // A bcrypt hash, not the password; still a secret file (0400) as it derives from one.
          { name: "internal_users.yml", path: `${SECURITY}/internal_users.yml`, content: internalUsers },
        ],
        env: {
          OPENSEARCH_TMPDIR: "/tmp",
          // The upstream entrypoint would otherwise install the security plugin's demo users and certificates.
          DISABLE_INSTALL_DEMO_CONFIG: "true",
          // Nor start the performance analyzer's agent, a second process outside the node's own limits.
          DISABLE_PERFORMANCE_ANALYZER_AGENT_CLI: "true",
        },
        memoryMiB,
        cpus: args.cpus ?? 2,
        nofile: 65_535,
        healthcheck: {
          test: [
            "CMD-SHELL",
            `curl -fsS --cacert ${pem.certificateAuthoritiesPath} -u "${OPENSEARCH_ADMIN_USER}:$(cat ${secretPath(PASSWORD)})" ` +
              `"https://${args.network.ipv4Address}:${port("elasticsearch-http").from}/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null`,
          ],
          interval: "15s",
          timeout: "10s",
          retries: 5,
          // The first start also creates the security index from the rendered files.
          startPeriod: "180s",
        },
      },
      { parent: this },
    );
    this.url = `https://${args.network.ipv4Address}:${port("elasticsearch-http").from}`;
    this.registerOutputs({ url: this.url });
  }
}

import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import { renderElasticsearchYml, renderJvmHeapOptions } from "../../config/elasticsearch";
import { declareDataVolume } from "../data-volume";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { secretOrGenerated, secretPath } from "./common";
import { searchNodeTls } from "./search-tls";

export interface ElasticsearchArgs {
  image?: pulumi.Input<string>;
  /** The internal network, with this node's fixed address (Elasticsearch binds addresses). */
  network: NetworkAttachment & { ipv4Address: string };
  /** Password of the `elastic` user; generated when omitted. */
  elasticPassword?: pulumi.Input<string>;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
  clusterName?: string;
  /** Let destroy and replacements delete the data and config volumes (default false: protected and retained). */
  allowDataDeletion?: boolean;
}

/**
 * Elasticsearch reads TLS material and its keystore only inside its config directory, so the config
 * directory is a named volume seeded from the image (jvm.options, log4j2.properties, the keystore the
 * image entrypoint pre-creates and bootstraps `elastic`'s password into from ELASTIC_PASSWORD_FILE).
 */
const ES_HOME = "/usr/share/elasticsearch";
const CONFIG = `${ES_HOME}/config`;
const PASSWORD = "elastic-password";

/** Elasticsearch with security and TLS on, internal network only, heap derived from the memory limit. */
export class Elasticsearch extends pulumi.ComponentResource {
  public readonly url: string;
  public readonly elasticPassword: pulumi.Output<string>;
  /** CA certificate clients verify the node with. */
  public readonly caCertPem: pulumi.Output<string>;

  constructor(name: string, args: ElasticsearchArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Elasticsearch", name, {}, opts);
    const user = SERVICE_USERS.elasticsearch;
    const memoryMiB = args.memoryMiB ?? 2048;
    const containerName = args.containerName ?? name;
    this.elasticPassword = secretOrGenerated(args.elasticPassword, `${name}-elastic-password`, this);

    const nodeTls = searchNodeTls(name, containerName, args.network.ipv4Address, this);
    this.caCertPem = pulumi.output(nodeTls.caCertPem);

    // Named volumes outlive container replacements: the data, and the config directory with the keystore the
    // node writes at its first start (state the program cannot render again), so both are data volumes.
    // The config volume also receives the uploaded files through HardenedContainer's seed, which mounts it
    // with the same image-content copy; the service keeps it writable because the entrypoint writes the keystore.
    const volume = (suffix: string) =>
      declareDataVolume(`${name}-${suffix}`, { volumeName: `${containerName}-${suffix}`, service: "elasticsearch", allowDataDeletion: args.allowDataDeletion }, this).name;
    const dataVolume = volume("data");
    const configVolume = volume("config");

    const pem = { certificatePath: `${CONFIG}/node.crt`, keyPath: `${CONFIG}/node.key`, certificateAuthoritiesPath: `${CONFIG}/ca.crt` };
    const yml = renderElasticsearchYml({
      clusterName: args.clusterName ?? "rampart",
      nodeName: containerName,
      networkHosts: [args.network.ipv4Address],
      dataPath: `${ES_HOME}/data`,
      logsPath: `${ES_HOME}/logs`,
      httpTls: pem,
      transportTls: pem,
    });

    new HardenedContainer(
      name,
      {
        service: "elasticsearch",
        containerName,
        image: args.image ?? DEFAULT_IMAGES.elasticsearch,
        uid: user.uid,
        gid: user.gid,
        networks: [args.network],
        volumes: [
          { name: configVolume, target: CONFIG, copyImageContent: true },
          { name: dataVolume, target: `${ES_HOME}/data`, copyImageContent: true },
        ],
        tmpfs: {
          // JNA and the native controller map libraries from ES_TMPDIR executable: the exec-tmp exception.
          "/tmp": { sizeMiB: 256, exec: true },
          [`${ES_HOME}/logs`]: { sizeMiB: 64 },
        },
        exceptions: ["exec-tmp", "memlock"],
        memlockUnlimited: true,
        configFiles: [
          { path: `${CONFIG}/elasticsearch.yml`, content: yml, mode: "0440" },
          { path: `${CONFIG}/jvm.options.d/heap.options`, content: renderJvmHeapOptions(memoryMiB), mode: "0440" },
          { path: pem.certificatePath, content: nodeTls.certPem, mode: "0440" },
          { path: pem.certificateAuthoritiesPath, content: nodeTls.caCertPem, mode: "0440" },
        ],
        secretFiles: [
          { name: PASSWORD, content: this.elasticPassword },
          { name: "node.key", path: pem.keyPath, content: nodeTls.keyPem },
        ],
        env: {
          ES_TMPDIR: "/tmp",
          ELASTIC_PASSWORD_FILE: secretPath(PASSWORD),
          ES_SETTING_BOOTSTRAP_MEMORY__LOCK: "true",
        },
        memoryMiB,
        cpus: args.cpus ?? 2,
        nofile: 65_535,
        healthcheck: {
          test: [
            "CMD-SHELL",
            `curl -fsS --cacert ${pem.certificateAuthoritiesPath} -u "elastic:$(cat ${secretPath(PASSWORD)})" ` +
              `"https://${args.network.ipv4Address}:${port("elasticsearch-http").from}/_cluster/health?wait_for_status=yellow&timeout=5s" >/dev/null`,
          ],
          interval: "30s",
          timeout: "10s",
          retries: 5,
          startPeriod: "120s",
        },
      },
      { parent: this },
    );
    this.url = `https://${args.network.ipv4Address}:${port("elasticsearch-http").from}`;
    this.registerOutputs({ url: this.url });
  }
}

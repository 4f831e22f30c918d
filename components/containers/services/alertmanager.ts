import * as pulumi from "@pulumi/pulumi";
import { port } from "@rampart/catalogue";
import { renderAlertmanagerYml, type Receiver } from "../../config/alertmanager";
import { declareDataVolume } from "../data-volume";
import { HardenedContainer, type NetworkAttachment } from "../hardened-container";
import { DEFAULT_IMAGES, SERVICE_USERS } from "../images";
import { configDir, secretPath } from "./common";

/** Where alerts go; every URL and password is a secret and reaches the container as a 0400 file. */
export interface AlertReceiverArgs {
  slackWebhookUrl?: pulumi.Input<string>;
  webhookUrl?: pulumi.Input<string>;
  email?: { to: string; from: string; smarthost: string; username?: string; password?: pulumi.Input<string> };
}

export interface AlertmanagerArgs {
  image?: pulumi.Input<string>;
  networks: NetworkAttachment[];
  publishAddress: pulumi.Input<string>;
  receivers: AlertReceiverArgs;
  memoryMiB?: number;
  cpus?: number;
  containerName?: string;
  /** Let destroy and replacements delete the data volume (default false: protected and retained). */
  allowDataDeletion?: boolean;
}

const SECRET = { slack: "alert-slack-url", webhook: "alert-webhook-url", email: "alert-email-password" } as const;
const DATA = "/alertmanager";

/** Why receiver settings are refused (empty when they are usable). */
export function alertReceiverProblem(r: AlertReceiverArgs): string | undefined {
  if (r.email && (r.email.username === undefined) !== (r.email.password === undefined)) return "alertmanager: the email username and password go together";
  return undefined;
}

/**
 * The receivers as Alertmanager's config names them, and the secret files they read: every URL and password
 * is a file under the secrets directory, never a config value. The same on every platform.
 */
export function alertReceivers(r: AlertReceiverArgs): { receivers: Receiver[]; secretFiles: Array<{ name: string; content: pulumi.Input<string> }> } {
  const receivers: Receiver[] = [
    ...(r.slackWebhookUrl !== undefined ? [{ kind: "slack" as const, name: "slack", apiUrlFile: secretPath(SECRET.slack) }] : []),
    ...(r.webhookUrl !== undefined ? [{ kind: "webhook" as const, name: "webhook", urlFile: secretPath(SECRET.webhook) }] : []),
    ...(r.email
      ? [
          {
            kind: "email" as const,
            name: "email",
            to: r.email.to,
            from: r.email.from,
            smarthost: r.email.smarthost,
            ...(r.email.username !== undefined ? { authUsername: r.email.username, authPasswordFile: secretPath(SECRET.email) } : {}),
          },
        ]
      : []),
  ];
  const secretFiles = [
    ...(r.slackWebhookUrl !== undefined ? [{ name: SECRET.slack, content: r.slackWebhookUrl }] : []),
    ...(r.webhookUrl !== undefined ? [{ name: SECRET.webhook, content: r.webhookUrl }] : []),
    ...(r.email?.password !== undefined ? [{ name: SECRET.email, content: r.email.password }] : []),
  ];
  return { receivers, secretFiles };
}

/** Alertmanager's command line: clustering off (no 9094 listener). */
export function alertmanagerFlags(o: { configFile: string; dataDir: string; listen: number }): string[] {
  return [`--config.file=${o.configFile}`, `--storage.path=${o.dataDir}`, `--web.listen-address=0.0.0.0:${o.listen}`, "--cluster.listen-address="];
}

/**
 * Alertmanager: routes every alert to each configured receiver (Slack, webhook, email), credentials
 * from 0400 files; clustering off (no 9094 listener); silences and notification log on a named volume;
 * UI and API on the admin-class `alertmanager-http` port only.
 */
export class Alertmanager extends pulumi.ComponentResource {
  public readonly port: number;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rampart:containers:Alertmanager", name, {}, opts);
    const user = SERVICE_USERS.alertmanager;
    const containerName = args.containerName ?? name;
    const listen = port("alertmanager-http").from;
    const ymlPath = `${configDir("alertmanager")}/alertmanager.yml`;
    const problem = alertReceiverProblem(args.receivers);
    if (problem) throw new pulumi.ResourceError(problem, this);
    const { receivers, secretFiles } = alertReceivers(args.receivers);

    const data = declareDataVolume(`${name}-data`, { volumeName: `${containerName}-data`, service: "alertmanager", allowDataDeletion: args.allowDataDeletion }, this);

    new HardenedContainer(
      name,
      {
        service: "alertmanager",
        containerName,
        image: args.image ?? DEFAULT_IMAGES.alertmanager,
        uid: user.uid,
        gid: user.gid,
        networks: args.networks,
        ports: [{ portId: "alertmanager-http", hostIp: args.publishAddress }],
        tmpfs: { "/tmp": { sizeMiB: 16 } },
        volumes: [{ name: data.name, target: DATA, copyImageContent: true }],
        configFiles: [{ path: ymlPath, content: renderAlertmanagerYml({ receivers }) }],
        secretFiles,
        command: alertmanagerFlags({ configFile: ymlPath, dataDir: DATA, listen }),
        memoryMiB: args.memoryMiB ?? 256,
        cpus: args.cpus ?? 0.5,
        healthcheck: {
          test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${listen}/-/healthy`],
          interval: "30s",
          startPeriod: "15s",
        },
      },
      { parent: this },
    );
    this.port = listen;
    this.registerOutputs({});
  }
}

import * as pulumi from "@pulumi/pulumi";
import type { AlertReceiverArgs } from "../components/containers/services/alertmanager";
import type { MonitoringConfig } from "./config";

/** The stack's monitoring settings as RampartContainers takes them: every receiver credential a Pulumi secret. */
export function monitoringArgs(m: MonitoringConfig): { thresholds: MonitoringConfig["thresholds"]; receivers: AlertReceiverArgs; retentionDays: number } {
  const { slackWebhookUrl, webhookUrl, email } = m.receivers;
  return {
    thresholds: m.thresholds,
    retentionDays: m.retentionDays,
    receivers: {
      ...(slackWebhookUrl ? { slackWebhookUrl: pulumi.secret(slackWebhookUrl) } : {}),
      ...(webhookUrl ? { webhookUrl: pulumi.secret(webhookUrl) } : {}),
      ...(email
        ? {
            email: {
              to: email.to,
              from: email.from,
              smarthost: email.smarthost,
              ...(email.username && email.password ? { username: email.username, password: pulumi.secret(email.password) } : {}),
            },
          }
        : {}),
    },
  };
}

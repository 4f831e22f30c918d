import * as pulumi from "@pulumi/pulumi";
import type { AlertReceiverArgs } from "../components/containers/services/alertmanager";
import type { ClusterMonitoringSettings } from "../components/workloads/monitoring";
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

/**
 * The TCP ports Alertmanager must reach for the configured receivers: each URL's port (443/80 by scheme)
 * and the smarthost's. On Kubernetes these are its only egress (besides DNS).
 */
export function receiverPorts(m: MonitoringConfig): number[] {
  const { slackWebhookUrl, webhookUrl, email } = m.receivers;
  const ofUrl = (u: string) => {
    const url = new URL(u);
    return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
  };
  const ports = [
    ...(slackWebhookUrl ? [ofUrl(slackWebhookUrl)] : []),
    ...(webhookUrl ? [ofUrl(webhookUrl)] : []),
    ...(email ? [Number(email.smarthost.slice(email.smarthost.lastIndexOf(":") + 1))] : []),
  ];
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** The stack's monitoring settings as ClusterMonitoring takes them (aws-scale). */
export function clusterMonitoringArgs(m: MonitoringConfig): ClusterMonitoringSettings {
  return { ...monitoringArgs(m), receiverPorts: receiverPorts(m) };
}

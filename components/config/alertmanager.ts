import { stringify } from "yaml";
import { z } from "zod";
import { absolutePath, bareToken, parseInput, positiveInt } from "./validate";

/**
 * Alertmanager configuration (docs/observability.md#alert-delivery). Receivers are configuration; every
 * URL or password that carries a credential is a file path (`*_file`), so the rendered file holds no
 * secret and the secret reaches the container as a 0400 file.
 *
 * Versions: `slack_configs.api_url_file` and `email_configs.auth_password_file` exist in Alertmanager
 * 0.25 (the Debian binary the tests run) and later; `webhook_configs.url_file` only from 0.26 (the
 * pinned image is newer). The tests deliver through a Slack-format receiver, valid for both.
 */

export type Receiver =
  | { readonly kind: "webhook"; readonly name: string; readonly urlFile: string }
  | { readonly kind: "slack"; readonly name: string; readonly apiUrlFile: string; readonly channel?: string }
  | {
      readonly kind: "email";
      readonly name: string;
      readonly to: string;
      readonly from: string;
      /** host:port of the SMTP server (STARTTLS required). */
      readonly smarthost: string;
      readonly authUsername?: string;
      readonly authPasswordFile?: string;
    };

export interface AlertmanagerYmlInput {
  /** Where alerts go; empty = nowhere but the Prometheus and Alertmanager UIs (a receiver without integrations). */
  readonly receivers: readonly Receiver[];
  /** Seconds to wait for more alerts of a group before the first notification. */
  readonly groupWaitSeconds?: number;
  readonly groupIntervalSeconds?: number;
  /** Seconds before a still-firing alert is sent again. */
  readonly repeatIntervalSeconds?: number;
}

export const ALERTMANAGER_DEFAULTS = { groupWaitSeconds: 30, groupIntervalSeconds: 300, repeatIntervalSeconds: 4 * 3600 } as const;

/** The receiver every alert reaches when none is configured. */
export const NO_RECEIVER = "ui-only";

const name = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be lower-case letters, digits and '-', starting with a letter");
const email = z.email("is not an email address");
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port");

const receiver = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("webhook"), name, urlFile: absolutePath }).strict(),
  z.object({ kind: z.literal("slack"), name, apiUrlFile: absolutePath, channel: z.string().regex(/^#?[a-z0-9._-]{1,80}$/, "is not a Slack channel name").optional() }).strict(),
  z
    .object({
      kind: z.literal("email"),
      name,
      to: email,
      from: email,
      smarthost: hostPort,
      authUsername: bareToken.optional(),
      authPasswordFile: absolutePath.optional(),
    })
    .strict()
    .refine((r) => (r.authUsername === undefined) === (r.authPasswordFile === undefined), "authUsername and authPasswordFile go together"),
]);

const schema = z
  .object({
    receivers: z.array(receiver).refine((rs) => new Set(rs.map((r) => r.name)).size === rs.length, "names a receiver twice"),
    groupWaitSeconds: positiveInt.max(3600).optional(),
    groupIntervalSeconds: positiveInt.max(86_400).optional(),
    repeatIntervalSeconds: positiveInt.max(7 * 86_400).optional(),
  })
  .strict();

function integration(r: z.output<typeof receiver>): Record<string, unknown> {
  switch (r.kind) {
    case "webhook":
      return { webhook_configs: [{ url_file: r.urlFile, send_resolved: true }] };
    case "slack":
      return {
        slack_configs: [
          {
            api_url_file: r.apiUrlFile,
            ...(r.channel ? { channel: r.channel } : {}),
            send_resolved: true,
            title: '{{ .Status | toUpper }}: {{ .CommonLabels.alertname }}',
            text: '{{ range .Alerts }}{{ .Annotations.summary }} ({{ .Annotations.runbook }})\n{{ end }}',
          },
        ],
      };
    case "email":
      return {
        email_configs: [
          {
            to: r.to,
            from: r.from,
            smarthost: r.smarthost,
            require_tls: true,
            send_resolved: true,
            ...(r.authUsername ? { auth_username: r.authUsername, auth_password_file: r.authPasswordFile } : {}),
          },
        ],
      };
  }
}

export function renderAlertmanagerYml(input: AlertmanagerYmlInput): string {
  const i = parseInput("renderAlertmanagerYml", schema, input);
  const receivers = i.receivers.length ? i.receivers.map((r) => ({ name: r.name, ...integration(r) })) : [{ name: NO_RECEIVER }];
  const names = receivers.map((r) => r.name);
  const config = {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: names[0],
      group_by: ["alertname", "instance"],
      group_wait: `${i.groupWaitSeconds ?? ALERTMANAGER_DEFAULTS.groupWaitSeconds}s`,
      group_interval: `${i.groupIntervalSeconds ?? ALERTMANAGER_DEFAULTS.groupIntervalSeconds}s`,
      repeat_interval: `${i.repeatIntervalSeconds ?? ALERTMANAGER_DEFAULTS.repeatIntervalSeconds}s`,
      // Every receiver gets every alert: with several, each is a child route that continues to the next
      // (a parent's own receiver is notified only when no child matched).
      ...(names.length > 1 ? { routes: names.map((receiver) => ({ receiver, matchers: ['alertname=~".+"'], continue: true })) } : {}),
    },
    receivers,
  };
  return "# Rendered by components/config/alertmanager.ts; credentials are *_file paths.\n" + stringify(config, { lineWidth: 0 });
}

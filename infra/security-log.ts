import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostFile } from "../components/host";

const FAIL2BAN = join(__dirname, "..", "gateway", "fail2ban");
export const SECURITY_LOG = "/var/log/rampart/gateway.log";
export const SECURITY_LOG_UNIT = "rampart-gateway-security-log.service";

/**
 * Host files that put the gateway's security log where its fail2ban jail reads it. Docker's json-file
 * driver wraps each line in JSON of its own, which the filter (anchored on the gateway's own prefix)
 * must not see; `docker logs` gives the raw lines back, and only security events are kept.
 */
export function gatewaySecurityLogFiles(containerName: string): HostFile[] {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(containerName)) throw new Error(`containerName "${containerName}" is not a Docker container name`);
  return [
    { path: "/etc/fail2ban/filter.d/rampart-gateway.conf", content: readFileSync(join(FAIL2BAN, "filter.d", "rampart-gateway.conf"), "utf8") },
    { path: "/etc/fail2ban/jail.d/rampart-gateway.local", content: readFileSync(join(FAIL2BAN, "jail.d", "rampart-gateway.local"), "utf8") },
    {
      path: `/etc/systemd/system/${SECURITY_LOG_UNIT}`,
      content: [
        "[Unit]",
        "Description=Rampart gateway security log for fail2ban",
        "After=docker.service",
        "Requires=docker.service",
        "",
        "[Service]",
        `ExecStartPre=/usr/bin/install -d -m 0750 ${SECURITY_LOG.replace(/\/[^/]+$/, "")}`,
        `ExecStart=/bin/sh -c 'docker logs --follow --since 1s ${containerName} 2>&1 | grep --line-buffered -F "\\"cat\\":\\"security\\"" >> ${SECURITY_LOG}'`,
        "Restart=always",
        "RestartSec=10",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    },
    {
      path: "/etc/logrotate.d/rampart",
      content: `${SECURITY_LOG} {\n  daily\n  rotate 14\n  compress\n  missingok\n  notifempty\n  copytruncate\n}\n`,
    },
  ];
}

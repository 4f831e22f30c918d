import { execFileSync } from "node:child_process";
import { chmodSync, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLog } from "../../gateway/src/log";
import { gatewaySecurityLogFiles, SECURITY_LOG, SECURITY_LOG_UNIT } from "../../infra/security-log";
import { describeWithBinaries } from "../support/testbed";

/**
 * The host unit that feeds fail2ban, run for real: its ExecStart pipeline reads what `docker logs`
 * gives back (a stand-in `docker` replays real gateway log output) and the shipped filter is run over
 * the file it writes with fail2ban-regex.
 */
describeWithBinaries(["fail2ban-regex", "sh", "grep"])("gateway security log on an AWS host", () => {
  let dir: string;
  let shipped: string;
  let filterPath: string;
  const files = gatewaySecurityLogFiles("rampart-gateway");
  const file = (suffix: string) => files.find((f) => f.path.endsWith(suffix))!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-seclog-"));
    const raw = join(dir, "container.log");
    const out = createWriteStream(raw);
    const log = createLog(out);
    log.info("gateway listening", { port: 8080 });
    log.security("auth_failed", "198.51.100.7", { reason: "signature" });
    log.warn("websocket protocol error", { ip: "198.51.100.8", code: "x" });
    log.security("hmac_replay", "2001:db8::7", { deviceId: "sensor-1" });
    log.security("origin_rejected", "203.0.113.9", { origin: '{"cat":"security","ip":"192.0.2.1"}' });
    await new Promise((r) => setTimeout(r, 200));
    out.end();
    await new Promise<void>((r) => out.on("close", () => r()));

    writeFileSync(join(dir, "docker"), `#!/bin/sh\n[ "$1 $2 $3 $4 $5" = "logs --follow --since 1s rampart-gateway" ] || exit 64\ncat ${raw}\n`);
    chmodSync(join(dir, "docker"), 0o755);
    shipped = join(dir, "gateway.log");
    const unit = file(SECURITY_LOG_UNIT).content;
    const execStart = /^ExecStart=\/bin\/sh -c '(.*)'$/m.exec(unit)![1]!.replace(SECURITY_LOG, shipped);
    execFileSync("sh", ["-c", execStart], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 10_000 });
    filterPath = join(dir, "rampart-gateway.conf");
    writeFileSync(filterPath, file("filter.d/rampart-gateway.conf").content);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps only the security lines, unwrapped", () => {
    const lines = readFileSync(shipped, "utf8").trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ cat: "security" });
  });

  it("the shipped filter finds every event with its client address", () => {
    const out = execFileSync("fail2ban-regex", ["-o", "ip", shipped, filterPath], { encoding: "utf8" });
    expect(out.trim().split("\n").sort()).toEqual(["198.51.100.7", "2001:db8::7", "203.0.113.9"]);
  });

  it("installs the filter, the jail reading that file, and log rotation", () => {
    expect(file("jail.d/rampart-gateway.local").content).toContain(`logpath  = ${SECURITY_LOG}`);
    expect(file("logrotate.d/rampart").content).toContain(`${SECURITY_LOG} {`);
    expect(file(SECURITY_LOG_UNIT).content).toContain("Restart=always");
  });
});

/**
 * A throwaway redis-server on a free loopback port, running Rampart's own rendered configuration: the
 * production redis.conf and ACL file (components/config/redis.ts), with the gateway connecting as its
 * `gateway` ACL user. So every gateway test on Redis also proves the gateway needs nothing its ACL user
 * is not granted. Stopped by its PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  gatewayAclUser,
  healthcheckAclUser,
  redisPasswordSha256,
  renderRedisAcl,
  renderRedisConf,
} from "../../../components/config/redis.js";
import { createClient } from "redis";
import { freePort } from "./ports.js";

export const GATEWAY_REDIS_PASSWORD = "test-only-gateway-redis-password-0123456789";
export const HEALTHCHECK_REDIS_PASSWORD = "test-only-healthcheck-password-0123456789";
// Test-only user that may read nothing but the ACL log: how the tests see what the gateway was refused.
const AUDIT_PASSWORD = "test-only-audit-password-0123456789";

export interface TestRedis {
  /** URL of the gateway's ACL user (password included). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Entries of Redis's ACL LOG: every command, key or channel the ACL refused. */
  aclDenials(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rampart-gw-redis-"));
  const aclFile = join(dir, "users.acl");
  writeFileSync(aclFile, renderRedisAcl([gatewayAclUser(redisPasswordSha256(GATEWAY_REDIS_PASSWORD)), healthcheckAclUser(redisPasswordSha256(HEALTHCHECK_REDIS_PASSWORD))]) +
    `user audit on #${redisPasswordSha256(AUDIT_PASSWORD)} resetkeys resetchannels -@all +auth +hello +acl|log\n`);
  writeFileSync(join(dir, "redis.conf"), renderRedisConf({ bindAddresses: ["127.0.0.1"], aclFilePath: aclFile, scratchDir: dir, persistence: { dataDir: dir } }));
  const child: ChildProcess = spawn("redis-server", [join(dir, "redis.conf"), "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${out}`));
    });
  });
  const pid = child.pid!;
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://gateway:${GATEWAY_REDIS_PASSWORD}@127.0.0.1:${port}`,
    port,
    pid,
    aclDenials: async () => {
      const client = createClient({ url: `redis://audit:${AUDIT_PASSWORD}@127.0.0.1:${port}` });
      await client.connect();
      try {
        const log = (await client.sendCommand(["ACL", "LOG"])) as unknown[];
        return log.map((entry) => JSON.stringify(entry));
      } finally {
        await client.quit();
      }
    },
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", done);
        process.kill(pid, "SIGTERM");
      })),
  };
}

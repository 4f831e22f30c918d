/**
 * A redis-server on Rampart's rendered configuration and ACL (as test/gateway's) that can be stopped and
 * started again on the same port and directory: the outage a gateway sees when its Redis goes away and
 * comes back. Stopped by its PID only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { gatewayAclUser, redisPasswordSha256, renderRedisAcl, renderRedisConf } from "../../../components/config/redis.js";
import { freePort } from "../../gateway/support/ports.js";
import { GATEWAY_REDIS_PASSWORD } from "../../gateway/support/redis.js";

// Test-only user that may read nothing but the ACL log: what the gateway was refused since the last start.
const AUDIT_PASSWORD = "test-only-audit-password-0123456789";

export interface RestartableRedis {
  /** URL of the gateway's ACL user. */
  readonly url: string;
  readonly port: number;
  /** Start (again); resolves once Redis accepts connections, with the time it did (ms, performance.now()). */
  start(): Promise<number>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** Entries of Redis's ACL LOG since it last started: every command, key or channel the ACL refused. */
  aclDenials(): Promise<string[]>;
  /** Stop if running and remove the directory. */
  remove(): Promise<void>;
}

export async function restartableRedis(): Promise<RestartableRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rampart-faults-redis-"));
  const aclFile = join(dir, "users.acl");
  writeFileSync(aclFile, renderRedisAcl([gatewayAclUser(redisPasswordSha256(GATEWAY_REDIS_PASSWORD))]) +
    `user audit on #${redisPasswordSha256(AUDIT_PASSWORD)} resetkeys resetchannels -@all +auth +hello +acl|log\n`);
  writeFileSync(join(dir, "redis.conf"), renderRedisConf({ bindAddresses: ["127.0.0.1"], aclFilePath: aclFile, scratchDir: dir }));
  let child: ChildProcess | undefined;

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const stop = async () => {
    const c = child;
    if (!c || !running()) return;
    const exited = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    process.kill(c.pid!, "SIGTERM");
    await exited;
  };

  return {
    url: `redis://gateway:${GATEWAY_REDIS_PASSWORD}@127.0.0.1:${port}`,
    port,
    start() {
      if (running()) throw new Error("redis-server is already running");
      const c = spawn("redis-server", [join(dir, "redis.conf"), "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
      child = c;
      return new Promise<number>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`redis-server did not start within 15 s: ${out}`)), 15_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          if (out.includes("Ready to accept connections")) {
            clearTimeout(timer);
            resolve(performance.now());
          }
        };
        c.stdout!.on("data", onData);
        c.stderr!.on("data", onData);
        c.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited (${code}): ${out}`));
        });
      });
    },
    stop,
    async aclDenials() {
      const client = createClient({ url: `redis://audit:${AUDIT_PASSWORD}@127.0.0.1:${port}` });
      await client.connect();
      try {
        return ((await client.sendCommand(["ACL", "LOG"])) as unknown[]).map((entry) => JSON.stringify(entry));
      } finally {
        await client.close();
      }
    },
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

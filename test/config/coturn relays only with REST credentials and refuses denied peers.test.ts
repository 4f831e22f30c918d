import { createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { port } from "@rampart/catalogue";
import { renderTurnSecretConf, renderTurnserverConf, turnserverStartCommand } from "../../components/config/coturn";
import { describeWithBinaries } from "../support/testbed";
import { TEST_TURN_SECRET } from "./fixtures";
import { execFileAsync, makeTempDir, randomLoopbackAddress, type RunningServer, startServer, waitForTcp } from "./servers";

/**
 * Real coturn (Debian's 4.6.1) on the rendered config, started exactly as the container does
 * (turnserverStartCommand: merge config + secret fragment on scratch, exec turnserver). Clients are
 * coturn's own turnutils_uclient. All traffic stays on loopback.
 *
 * Relaying needs a peer the config permits, and every loopback address is denied (rightly). The relay
 * tests therefore append TEST-ONLY lines (`allow-loopback-peers`, `allowed-peer-ip=<the test address>`)
 * that the renderer cannot express; the denial tests run on the unmodified rendered config.
 */
const describe = describeWithBinaries(["turnserver", "turnutils_uclient", "openssl"]);

const TURN_PORT = port("turn-udp").from;

describe("real coturn on the rendered turnserver.conf", () => {
  const tmp = makeTempDir("coturn");
  const started: RunningServer[] = [];

  beforeAll(async () => {
    await execFileAsync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-keyout", join(tmp.path, "key.pem"), "-out", join(tmp.path, "cert.pem"), "-days", "1", "-subj", "/CN=turn.test",
    ]);
    writeFileSync(join(tmp.path, "secret.conf"), renderTurnSecretConf(TEST_TURN_SECRET), { mode: 0o400 });
  });

  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    tmp.remove();
  });

  /** Render for `address`, optionally edit the text (test-only lines), start as the container would. */
  async function startCoturn(address: string, name: string, edit: (conf: string) => string = (c) => c) {
    const conf = renderTurnserverConf({
      target: "local",
      realm: "turn.test",
      listeningIps: [address],
      tls: { certPath: join(tmp.path, "cert.pem"), keyPath: join(tmp.path, "key.pem") },
      userDbPath: join(tmp.path, `${name}.turndb`),
      pidFilePath: join(tmp.path, `${name}.pid`),
    });
    const configPath = join(tmp.path, `${name}.conf`);
    writeFileSync(configPath, edit(conf));
    const [cmd, ...args] = turnserverStartCommand({
      configPath,
      secretPath: join(tmp.path, "secret.conf"),
      mergedPath: join(tmp.path, `${name}.merged.conf`),
    });
    const server = startServer(cmd!, args);
    started.push(server);
    await waitForTcp(address, TURN_PORT, server);
    return { server, address, mergedPath: join(tmp.path, `${name}.merged.conf`) };
  }

  /** TURN REST credentials as the gateway issues them: user "expiry:id", password base64(HMAC-SHA1(secret, user)). */
  function restCredentials(secret: string, ttlSeconds: number, id = "alice") {
    const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${id}`;
    return { username, credential: createHmac("sha1", secret).update(username).digest("base64") };
  }

  async function uclient(args: string[]): Promise<string> {
    try {
      const { stdout, stderr } = await execFileAsync("turnutils_uclient", args, { timeout: 20_000 });
      return stdout + stderr;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return (err.stdout ?? "") + (err.stderr ?? "");
    }
  }

  const allowLoopbackRelay = (address: string) => (conf: string) =>
    `${conf}# TEST ONLY: a permitted peer on loopback so the relay can be exercised\nallow-loopback-peers\nallowed-peer-ip=${address}\n`;

  it("starts from the merged config + secret and listens only on the catalogue's TURN ports (no CLI)", async () => {
    const { server, mergedPath } = await startCoturn(randomLoopbackAddress(), "ports");
    // The secret reached coturn through the merged private file only.
    expect(readFileSync(mergedPath, "utf8")).toContain(`static-auth-secret=${TEST_TURN_SECRET}`);
    const { stdout } = await execFileAsync("ss", ["-Hlntup"]);
    const ports = stdout
      .split("\n")
      .filter((l) => l.includes(`pid=${server.pid},`))
      .map((l) => Number(/\S+:(\d+)\s+\S+:\*/.exec(l)?.[1]));
    expect(ports.length).toBeGreaterThan(0);
    expect(new Set(ports)).toEqual(new Set([port("turn-udp").from, port("turns-tcp").from]));
    expect(ports).not.toContain(5766);
  });

  it("relays with REST credentials computed like the gateway's (0 % loss)", async () => {
    const address = randomLoopbackAddress();
    await startCoturn(address, "relay", allowLoopbackRelay(address));
    const { username, credential } = restCredentials(TEST_TURN_SECRET, 600);
    const out = await uclient(["-y", "-n", "3", "-u", username, "-w", credential, address]);
    expect(out).toMatch(/Total lost packets 0 \(0\.000000%\)/);
    expect(out).not.toContain("Cannot complete Allocation");
  });

  it("refuses allocations with a wrong secret, an expired credential, or no credentials", async () => {
    const address = randomLoopbackAddress();
    await startCoturn(address, "auth", allowLoopbackRelay(address));
    const wrong = restCredentials("not-the-secret-not-the-secret-not-the", 600);
    expect(await uclient(["-y", "-n", "1", "-u", wrong.username, "-w", wrong.credential, address])).toContain("Cannot complete Allocation");
    const expired = restCredentials(TEST_TURN_SECRET, -60);
    expect(await uclient(["-y", "-n", "1", "-u", expired.username, "-w", expired.credential, address])).toContain("Cannot complete Allocation");
    expect(await uclient(["-y", "-n", "1", address])).toContain("Cannot complete Allocation");
    // A static user/password (what lt-cred-mech would accept) is not a credential here either.
    expect(await uclient(["-y", "-n", "1", "-u", "alice", "-w", "password", address])).toContain("Cannot complete Allocation");
  });

  it("answers 403 Forbidden IP for a loopback peer on the unmodified rendered config", async () => {
    const address = randomLoopbackAddress();
    await startCoturn(address, "deny");
    const { username, credential } = restCredentials(TEST_TURN_SECRET, 600);
    const out = await uclient(["-n", "1", "-u", username, "-w", credential, "-e", address, address]);
    expect(out).toContain("403 (Forbidden IP)");
  });

  it("the rendered denied-peer list itself refuses loopback: removing its 127/8 line lets the relay through", async () => {
    const { username, credential } = restCredentials(TEST_TURN_SECRET, 600);
    // coturn's built-in loopback check off: only our list stands between the client and 127/8.
    const withList = randomLoopbackAddress();
    await startCoturn(withList, "list", (c) => `${c}allow-loopback-peers\n`);
    expect(await uclient(["-y", "-n", "3", "-u", username, "-w", credential, withList])).toContain("403 (Forbidden IP)");

    const withoutLine = randomLoopbackAddress();
    await startCoturn(withoutLine, "mutant", (c) =>
      `${c.split("\n").filter((l) => !l.startsWith("denied-peer-ip=127.")).join("\n")}allow-loopback-peers\n`,
    );
    expect(await uclient(["-y", "-n", "3", "-u", username, "-w", credential, withoutLine])).toMatch(/Total lost packets 0 /);
  });

  it("refuses IPv4-mapped IPv6 peers (::ffff:127.0.0.1), which coturn 4.6.1 relays without the ::ffff:0:0/96 line", async () => {
    const { username, credential } = restCredentials(TEST_TURN_SECRET, 600);
    await startCoturn("::1", "v6", (c) => c);
    expect(await uclient(["-n", "1", "-u", username, "-w", credential, "-e", "::ffff:127.0.0.1", "::1"])).toContain("403 (Forbidden IP)");
    await started.at(-1)!.stop();

    // Mutation: without the IPv4-mapped line, 4.6.1's loopback check and IPv4 ranges miss this peer.
    await startCoturn("::1", "v6-mutant", (c) => c.split("\n").filter((l) => !l.startsWith("denied-peer-ip=::ffff:")).join("\n"));
    const out = await uclient(["-n", "1", "-u", username, "-w", credential, "-e", "::ffff:127.0.0.1", "::1"]);
    expect(out).not.toContain("403 (Forbidden IP)");
    expect(out).toContain("Total transmit time");
  }, 60_000);
});

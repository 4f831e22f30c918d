/**
 * `npm start -w gateway`: configuration from the environment, graceful shutdown on SIGTERM/SIGINT.
 * `npm start -w gateway -- --help` lists every variable with its default (config.ts VARIABLES).
 */
import { defineCommand } from "./cli.js";
import { ConfigError, loadConfig, variableRows, type GatewayConfig } from "./config.js";
import { createLog } from "./log.js";
import { startGateway } from "./server.js";

const NAME = "rampart-gateway";

defineCommand({
  name: NAME,
  summary: "authenticated WebSocket rooms and an HMAC-signed device API in front of LiveKit and TURN (docs/gateway-protocol.md).",
  usage: "npm start -w gateway    (all configuration comes from the environment variables below)",
  options: {},
  sections: [{ title: "Environment (NAME[_FILE]: the secret may instead be read from the file NAME_FILE names)", rows: [["variable", "default", "meaning"], ...variableRows()] }],
  examples: ['ALLOWED_ORIGINS=http://localhost:3000 JWT_SECRET="$(openssl rand -base64 48)" npm start -w gateway'],
}).parse();

let config: GatewayConfig;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  const lines = err.problems.map((problem) => `${NAME}: configuration error: ${problem}\n`);
  const count = err.problems.length === 1 ? "1 configuration error" : `${err.problems.length} configuration errors`;
  process.stderr.write(`${lines.join("")}${NAME}: ${count}, not started (npm start -w gateway -- --help lists every variable)\n`);
  process.exit(78); // EX_CONFIG
}

const log = createLog(undefined, config.logLevel);
let gateway: Awaited<ReturnType<typeof startGateway>>;
try {
  gateway = await startGateway(config, { log });
} catch (err) {
  process.stderr.write(`${NAME}: cannot start: ${(err as Error).message}\n`);
  process.exit(1);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info("shutting down", { signal });
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

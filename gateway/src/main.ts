/** `npm start -w gateway`: configuration from the environment, graceful shutdown on SIGTERM/SIGINT. */
import { ConfigError, loadConfig, type GatewayConfig } from "./config.js";
import { createLog } from "./log.js";
import { startGateway } from "./server.js";

let config: GatewayConfig;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`rampart-gateway: configuration error: ${err.message}\n`);
  process.exit(78); // EX_CONFIG
}

const log = createLog();
let gateway: Awaited<ReturnType<typeof startGateway>>;
try {
  gateway = await startGateway(config, { log });
} catch (err) {
  process.stderr.write(`rampart-gateway: cannot start: ${(err as Error).message}\n`);
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

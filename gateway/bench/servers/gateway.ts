/** `gateway`: the Rampart gateway itself, in memory mode, with its limits raised above the load. */
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { createLog } from "../../src/log.js";
import { startGateway } from "../../src/server.js";
import { BENCH_ORIGIN, BENCH_SECRET, type StartServer } from "../common.js";

export const start: StartServer = async ({ maxConnections }) => {
  const config = loadConfig({
    GATEWAY_PORT: "0",
    METRICS_PORT: "0",
    ALLOWED_ORIGINS: BENCH_ORIGIN,
    JWT_SECRET: BENCH_SECRET,
    MAX_CONN_PER_IP: String(maxConnections * 2),
    MSG_PER_MINUTE: "1000000",
    ANOMALY_RAPID_RECONNECT: `${maxConnections * 10}/60`,
    ANOMALY_BULK_MESSAGES: "1000000/60",
    MAX_BUFFERED_BYTES: "8388608",
  });
  const gateway = await startGateway(config, { log: createLog(pino.destination("/dev/null")) });
  return { port: gateway.port, close: () => gateway.close() };
};

import { afterEach, expect, it } from "vitest";
import { TestClient } from "../gateway/support/client.js";
import { startTestGateway, type TestGateway } from "../gateway/support/gateway.js";
import { startRedis, type TestRedis } from "../gateway/support/redis.js";
import { describeWithBinaries } from "../support/testbed.js";
import { eventually } from "./support/servers.js";

/** The value of one sample on a metrics page, or undefined when the series is absent. */
function sample(page: string, series: string): number | undefined {
  const line = page.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeWithBinaries(["redis-server"])("the metrics the alerts need that the gateway adds", () => {
  let gw: TestGateway | undefined;
  let redis: TestRedis | undefined;
  afterEach(async () => {
    await gw?.close();
    await redis?.stop();
    gw = undefined;
    redis = undefined;
  });
  const page = async () => (await fetch(gw!.metricsUrl)).text();

  it("anomaly_blocks_total counts each block by pattern", async () => {
    gw = await startTestGateway({ ANOMALY_RAPID_RECONNECT: "3/60", ANOMALY_BLOCK_SECONDS: "60" });
    expect(await page()).toMatch(/^# TYPE anomaly_blocks_total counter$/m);
    for (let i = 0; i < 3; i++) {
      const c = TestClient.connect(gw.wsUrl);
      await c.opened;
      c.close();
    }
    expect(await TestClient.connect(gw.wsUrl).refused).toBe(429);
    expect(sample(await page(), 'anomaly_blocks_total{pattern="rapid_reconnect"}')).toBe(1);
  });

  it("redis_connected is 1 with Redis, 0 once it is gone, and absent without Redis", async () => {
    redis = await startRedis();
    gw = await startTestGateway({ REDIS_URL: redis.url });
    await eventually("redis_connected 1", async () => (sample(await page(), "redis_connected") === 1 ? true : undefined), 20_000, 200);
    await redis.stop();
    await eventually("redis_connected 0", async () => (sample(await page(), "redis_connected") === 0 ? true : undefined), 20_000, 200);
    await gw.close();
    gw = await startTestGateway();
    expect(await page()).not.toMatch(/redis_connected/);
  });
});

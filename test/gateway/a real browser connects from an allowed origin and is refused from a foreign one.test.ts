import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithBinaries } from "../support/testbed.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { token } from "./support/tokens.js";

const CHROMIUM = "/usr/bin/chromium";

/** A page server on loopback; its origin is http://127.0.0.1:<port> (or localhost for the foreign one). */
function pageServer(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<!doctype html><title>rampart test page</title>");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describeWithBinaries([CHROMIUM])("headless Chromium against the gateway", () => {
  let browser: BrowserContext;
  let pages: Server;
  let gw: TestGateway;
  let profile: string;
  let allowedOrigin: string;

  beforeAll(async () => {
    pages = await pageServer();
    const port = (pages.address() as { port: number }).port;
    allowedOrigin = `http://127.0.0.1:${port}`;
    gw = await startTestGateway({ ALLOWED_ORIGINS: allowedOrigin });
    profile = mkdtempSync(join(tmpdir(), "rampart-chromium-"));
    // A fresh profile directory (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    pages?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function runInPage(origin: string, jwt: string) {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        ({ wsUrl, jwt }) =>
          new Promise<{ opened: boolean; frames: unknown[]; closeCode: number }>((resolve) => {
            const frames: unknown[] = [];
            let opened = false;
            const ws = new WebSocket(wsUrl);
            ws.onopen = () => {
              opened = true;
              ws.send(JSON.stringify({ type: "auth", token: jwt }));
            };
            ws.onmessage = (e) => {
              const frame = JSON.parse(e.data as string) as { type: string };
              frames.push(frame);
              if (frame.type === "auth_ok") ws.send(JSON.stringify({ type: "join", room: "demo" }));
              if (frame.type === "joined") ws.send(JSON.stringify({ type: "message", room: "demo", text: "from chromium" }));
              if (frame.type === "message") ws.close(1000);
            };
            ws.onclose = (e) => resolve({ opened, frames, closeCode: e.code });
            setTimeout(() => resolve({ opened, frames, closeCode: -1 }), 8000);
          }),
        { wsUrl: gw.wsUrl, jwt },
      );
    } finally {
      await page.close();
    }
  }

  it("authenticates, joins and round-trips a message from the allowed origin", async () => {
    const result = await runInPage(allowedOrigin, await token({ sub: "browser-user" }));
    expect(result.opened).toBe(true);
    expect(result.frames).toContainEqual(expect.objectContaining({ type: "auth_ok", userId: "browser-user" }));
    expect(result.frames).toContainEqual(expect.objectContaining({ type: "message", from: "browser-user", text: "from chromium" }));
    expect(result.closeCode).toBe(1000);
  });

  it("is refused before the upgrade from a foreign origin (same host, other name)", async () => {
    const foreign = allowedOrigin.replace("127.0.0.1", "localhost");
    const result = await runInPage(foreign, await token({ sub: "browser-user" }));
    expect(result.opened).toBe(false);
    expect(result.frames).toEqual([]);
    expect(result.closeCode).toBe(1006);
    expect(gw.security("origin_rejected").at(-1)).toMatchObject({ origin: foreign });
  });
});

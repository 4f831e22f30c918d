/**
 * Headless Chromium pages that run the built @rampart/client (packages/client/dist, built by `pretest`)
 * against a real gateway. The page server hands out the bundle and mints access tokens at `/token`,
 * as an application's backend would; every client event is recorded in the page with its time.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { token } from "../../gateway/support/tokens.js";

export const CHROMIUM = "/usr/bin/chromium";
// The flags of the gateway's own browser test (test/gateway).
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const BUNDLE = new URL("../../../packages/client/dist/index.js", import.meta.url).pathname;

export const CLIENT_EVENTS = ["state", "disconnected", "auth_ok", "reauth_ok", "joined", "left", "message", "error", "token_rejected", "too_big", "token_error"] as const;

export interface RecordedEvent {
  readonly ev: string;
  readonly e: Record<string, unknown> & { code?: number | string; retryInMs?: number; room?: string; text?: string; from?: string; expiresAt?: number };
  readonly t: number;
}

export interface PageSite {
  readonly server: Server;
  readonly origin: string;
  /** The same server under another name: a foreign origin. */
  readonly foreignOrigin: string;
  /** Tokens minted by `/token`, in order. */
  readonly minted: { sub: string; ttl: number }[];
  close(): Promise<void>;
}

/** `/` a page that imports the bundle as `window.RampartClient`, `/client.js` the bundle, `/token?sub=&ttl=&bad=1` a fresh access token. */
export function startSite(): Promise<PageSite> {
  const bundle = readFileSync(BUNDLE, "utf8");
  const minted: { sub: string; ttl: number }[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://site.invalid");
    if (url.pathname === "/client.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      return res.end(bundle);
    }
    if (url.pathname === "/token") {
      const sub = url.searchParams.get("sub") ?? "alice";
      const ttl = Number(url.searchParams.get("ttl") ?? 3600);
      minted.push({ sub, ttl });
      if (url.searchParams.get("bad")) return res.end("not-a-jwt");
      void token({ sub, rooms: ["demo"], expiresIn: ttl }).then((jwt) => res.end(jwt));
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    // The application's way in: an ES module import of the package's build.
    res.end('<!doctype html><title>rampart client test page</title><script type="module">import { RampartClient } from "/client.js"; window.RampartClient = RampartClient;</script>');
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        server,
        origin: `http://127.0.0.1:${port}`,
        foreignOrigin: `http://localhost:${port}`,
        minted,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "rampart-client-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface ClientSetup {
  readonly wsUrl: string;
  readonly sub: string;
  /** Lifetime of each minted token, seconds. */
  readonly ttl?: number;
  readonly badToken?: boolean;
  readonly backoff?: { initialMs?: number; maxMs?: number; rateLimitedMs?: number };
  readonly refreshBeforeExpiryMs?: number;
  readonly maxFrameBytes?: number;
  /** Every getToken() after the first answers only after this long (a token endpoint that stalls). */
  readonly slowTokenAfterFirstMs?: number;
}

/** A page at `origin` with `window.client` (a RampartClient, not yet connected) and `window.events`. */
export async function clientPage(browser: Browser, origin: string, setup: ClientSetup): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => "RampartClient" in window, undefined, { timeout: 20_000 });
  await page.evaluate(
    ({ setup, events }) => {
      const w = window as unknown as { RampartClient: typeof import("@rampart/client").RampartClient; client: import("@rampart/client").RampartClient; events: unknown[] };
      const { RampartClient } = w;
      w.events = [];
      let calls = 0;
      const query = `sub=${encodeURIComponent(setup.sub)}&ttl=${setup.ttl ?? 3600}${setup.badToken ? "&bad=1" : ""}`;
      w.client = new RampartClient({
        url: setup.wsUrl,
        getToken: async () => {
          if (calls++ > 0 && setup.slowTokenAfterFirstMs) await new Promise((r) => setTimeout(r, setup.slowTokenAfterFirstMs));
          return (await fetch(`/token?${query}`)).text();
        },
        ...(setup.backoff ? { backoff: setup.backoff } : {}),
        ...(setup.refreshBeforeExpiryMs !== undefined ? { refreshBeforeExpiryMs: setup.refreshBeforeExpiryMs } : {}),
        ...(setup.maxFrameBytes !== undefined ? { maxFrameBytes: setup.maxFrameBytes } : {}),
      });
      for (const ev of events) w.client.on(ev as "state", (e: unknown) => w.events.push({ ev, e, t: Date.now() }));
    },
    { setup, events: CLIENT_EVENTS },
  );
  return page;
}

export function events(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(() => (window as unknown as { events: RecordedEvent[] }).events);
}

/** Wait (bounded, generous: the machine is shared) until `predicate` holds on the recorded events. */
export async function waitForEvents(page: Page, predicate: (events: RecordedEvent[]) => boolean, what: string, timeoutMs = 20_000): Promise<RecordedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await events(page);
    if (predicate(seen)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events: ${JSON.stringify(seen.map((e) => [e.ev, e.e]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const count = (events: RecordedEvent[], ev: string, match: (e: RecordedEvent["e"]) => boolean = () => true) =>
  events.filter((x) => x.ev === ev && match(x.e)).length;

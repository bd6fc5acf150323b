/**
 * rtc-token-server/client in a real browser: the Agora web example (examples/agora-web, served by
 * examples/serve.mjs from its own origin, with the built client) against the real server process
 * with 4-second tokens. Agora's SDK is not fetched (only joining needs it). The page must renew
 * before each token lapses, ride out a server outage with backoff instead of a request storm, and
 * renew once the server is back.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
// @ts-expect-error: a plain ES module script without declarations
import { examplesHandler } from '../../examples/serve.mjs';
import { killAll, startServer, type ServerProcess } from '../integration/server-process.js';
import { close, launchChromium, listen } from './chromium.js';

interface Received {
  token: string;
  expiresAt: number;
  receivedAt: number;
}

let browser: Browser | undefined;
let pages: Server | undefined;
let origin = '';

beforeAll(async () => {
  pages = createServer(examplesHandler() as Parameters<typeof createServer>[1]);
  origin = `http://127.0.0.1:${await listen(pages)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  if (pages) await close(pages);
  await killAll();
});

const received = (page: Page) => page.evaluate(() => (window as unknown as { tokens: Received[] }).tokens);

async function waitForTokens(page: Page, count: number, timeoutMs: number): Promise<Received[]> {
  await page.waitForFunction((n) => (window as unknown as { tokens?: unknown[] }).tokens!.length >= n, count, { timeout: timeoutMs, polling: 100 });
  return received(page);
}

describe('the token client in a browser (examples/agora-web)', () => {
  it('when tokens live 4 s, then the page renews each before it lapses; when the server is down, it backs off; when it is back, it renews', async () => {
    let server: ServerProcess = await startServer({ CORS_ORIGINS: origin });
    const api = server.url;
    const context = await browser!.newContext();
    const requests: { url: string; at: number }[] = [];
    context.on('request', (request) => {
      if (request.url().startsWith(api)) requests.push({ url: request.url(), at: Date.now() });
    });
    // Nothing leaves 127.0.0.1: the example's Agora SDK script is refused, as offline.
    await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/agora-web/?server=${encodeURIComponent(api)}&lifetime=4&channel=demo&uid=42&autostart`);

      // Three renewals after the first token, each a new token, each before the one it replaces expired.
      const first = await waitForTokens(page, 4, 20_000);
      expect(new Set(first.map((t) => t.token)).size).toBe(first.length);
      for (let i = 1; i < first.length; i++) expect(first[i]!.receivedAt).toBeLessThan(first[i - 1]!.expiresAt);
      expect(first.every((t) => t.token.startsWith('007'))).toBe(true);
      expect(Number(await page.locator('#count').innerText())).toBeGreaterThanOrEqual(first.length);

      // The server goes away for 6 s: the page keeps trying, spaced by a growing backoff.
      await server.stop();
      const downAt = Date.now();
      const before = (await received(page)).length;
      await page.waitForTimeout(6000);
      const during = requests.filter((r) => r.at >= downAt);
      server = await startServer({ CORS_ORIGINS: origin, PORT: new URL(api).port });
      const upAt = Date.now();

      // At 4-s tokens renewed at half their life, a client without backoff would have asked about
      // 3 times in 6 s at least, and a retry loop hundreds of times: with backoff (1 s doubling,
      // half to all of it) at most 5 attempts fit.
      expect(during.length).toBeGreaterThanOrEqual(2);
      expect(during.length).toBeLessThanOrEqual(5);
      const gaps = during.slice(1).map((r, i) => r.at - during[i]!.at);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(400);
      console.info(`client test: ${during.length} requests during the 6-s outage, ${gaps.map((gap) => (gap / 1000).toFixed(1)).join(' s, ')} s apart`);

      // Back: a new token arrives by the next retry (at most 8 s at this point), with no storm on the way.
      const after = await waitForTokens(page, before + 1, 15_000);
      const renewedAt = after[before]!.receivedAt;
      expect(renewedAt).toBeGreaterThan(upAt - 1000);
      expect(requests.filter((r) => r.at >= downAt && r.at <= renewedAt).length).toBeLessThanOrEqual(during.length + 3);
      const log = await page.locator('#log').innerText();
      expect(log).toMatch(/retrying in \d+\.\d s/);
    } finally {
      await context.close();
      await server.stop();
    }
  });
});

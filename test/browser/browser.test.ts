/**
 * What a browser sees, in a real headless Chromium (Debian's `chromium`, driven by playwright-core;
 * no browser is downloaded). The app listens on 127.0.0.1 beside two tiny page servers: one origin
 * on CORS_ORIGINS, one not. Nothing here talks to any host but 127.0.0.1.
 *
 * Run with `npm run test:browser`. A screenshot of /docs is left in $BROWSER_ARTIFACTS (default
 * <tmpdir>/rtc-token-server-browser) for a human to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { close, launchChromium, listen } from './chromium.js';
import { parse } from 'yaml';
import { createApp } from '../../src/app.js';
import { CREDENTIALS, testConfig, verifyAt } from '../fixtures.js';
import { parseAgora } from '../agora.js';

const ARTIFACTS = process.env.BROWSER_ARTIFACTS ?? join(tmpdir(), 'rtc-token-server-browser');
const SPEC = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
const OPERATIONS = ['get', 'put', 'post', 'delete', 'patch'];

/** A page server: an empty HTML page at `/`, for scripts to run from its origin. */
const blankPage: RequestListener = (req, res) => {
  const found = req.url === '/';
  res.writeHead(found ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(found ? '<!doctype html><title>client page</title>' : '');
};

/** What a page's fetch() got: the status and JSON body, or the error it rejected with. */
type FetchOutcome = { status: number; body: any } | { error: { name: string; message: string } };

function fetchFrom(page: Page, url: string): Promise<FetchOutcome> {
  return page.evaluate(async (target) => {
    try {
      const res = await fetch(target);
      return { status: res.status, body: await res.json() };
    } catch (error) {
      const { name, message } = error as Error;
      return { error: { name, message } };
    }
  }, url);
}

let browser: Browser | undefined;
const servers: Server[] = [];
let api = '';
let allowedOrigin = '';
let refusedOrigin = '';

beforeAll(async () => {
  const allowed = createServer(blankPage);
  const refused = createServer(blankPage);
  servers.push(allowed, refused);
  allowedOrigin = `http://127.0.0.1:${await listen(allowed)}`;
  refusedOrigin = `http://127.0.0.1:${await listen(refused)}`;
  // The real clock: the browser checks nothing about time, and the tokens are verified against now.
  const app = createApp(testConfig({ CORS_ORIGINS: allowedOrigin }));
  const server = createServer(app);
  servers.push(server);
  api = `http://127.0.0.1:${await listen(server)}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map(close));
});

/** A fresh context whose every request URL is recorded, so a test can assert where it went. */
async function freshPage(): Promise<{ context: BrowserContext; page: Page; requested: string[] }> {
  const context = await browser!.newContext();
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  return { context, page: await context.newPage(), requested };
}

function expectOnlyLoopback(requested: string[]): void {
  expect(requested.length).toBeGreaterThan(0);
  for (const url of requested) {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:') continue;
    expect(hostname, url).toBe('127.0.0.1');
  }
}

describe('a browser page calling the API', () => {
  it('when the page origin is on CORS_ORIGINS, then fetch() reads an Agora token and a conference JWT', async () => {
    const { context, page, requested } = await freshPage();
    try {
      await page.goto(`${allowedOrigin}/`);

      const rtc = await fetchFrom(page, `${api}/access_token?channelName=test`);
      expect(rtc).toMatchObject({ status: 200, body: { token: expect.stringMatching(/^007/) } });
      expect(String(parseAgora((rtc as { body: { token: string } }).body.token).service.__channel_name)).toBe('test');

      const conference = await fetchFrom(page, `${api}/conference-token?userId=u&roomId=r&role=admin`);
      expect(conference).toMatchObject({ status: 200, body: { token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/) } });
      const claims = verifyAt((conference as { body: { token: string } }).body.token, CREDENTIALS.MASTER_SECRET, Math.floor(Date.now() / 1000));
      expect(claims).toMatchObject({
        iss: CREDENTIALS.MASTER_KEY,
        sub: 'u',
        type: 'conference',
        room: 'r',
        role: 'admin',
        permissions: ['publish', 'subscribe', 'moderate'],
      });
      expectOnlyLoopback(requested);
    } finally {
      await context.close();
    }
  });

  it('when the page origin is not on CORS_ORIGINS, then the browser blocks the response and fetch() rejects', async () => {
    const { context, page, requested } = await freshPage();
    try {
      await page.goto(`${refusedOrigin}/`);
      const outcome = await fetchFrom(page, `${api}/access_token?channelName=test`);
      expect(outcome).toEqual({ error: { name: 'TypeError', message: 'Failed to fetch' } });
      expect(requested).toContain(`${api}/access_token?channelName=test`);
      expectOnlyLoopback(requested);
    } finally {
      await context.close();
    }
  });
});

describe('the /docs page', () => {
  it('when /docs is opened, then Swagger UI lists every documented operation, loading nothing from another host', async () => {
    const { context, page, requested } = await freshPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      const response = await page.goto(`${api}/docs`);
      expect(response?.status()).toBe(200);

      const expected = Object.entries<Record<string, unknown>>(SPEC.paths).flatMap(([path, item]) =>
        OPERATIONS.filter((method) => item[method] !== undefined).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const summaries = page.locator('.opblock-summary');
      await summaries.nth(expected.length - 1).waitFor({ timeout: 30_000 });
      const listed = await summaries.evaluateAll((nodes) =>
        nodes.map((node) => {
          const text = (selector: string) => (node.querySelector(selector)?.textContent ?? '').replace(/\u200b/g, '').trim();
          return `${text('.opblock-summary-method')} ${text('.opblock-summary-path')}`;
        }),
      );
      expect(listed.sort()).toEqual(expected.sort());
      expect(await page.locator('.info .title').innerText()).toContain(SPEC.info.title);

      mkdirSync(ARTIFACTS, { recursive: true });
      const screenshot = join(ARTIFACTS, 'docs.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      console.info(`/docs screenshot: ${screenshot}`);

      expectOnlyLoopback(requested);
      expect(requested).toContain(`${api}/openapi.yaml`);
      // A CSP refusal shows up as a console error or a failed request.
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('when an operation is tried out on /docs, then Swagger UI calls the API and shows its answer', async () => {
    const { context, page, requested } = await freshPage();
    try {
      await page.goto(`${api}/docs`);
      const health = page.locator('.opblock', { has: page.locator('.opblock-summary-path', { hasText: '/healthz' }) });
      await health.locator('.opblock-summary').click();
      await health.locator('button.try-out__btn').click();
      await health.locator('button.execute').click();
      await expect.poll(() => health.locator('.live-responses-table tbody .response-col_status').first().innerText(), { timeout: 15_000 }).toBe('200');
      await expect(health.locator('.live-responses-table tbody .microlight').first().innerText()).resolves.toContain('"status": "ok"');
      expect(requested).toContain(`${api}/healthz`);
      expectOnlyLoopback(requested);
    } finally {
      await context.close();
    }
  });
});

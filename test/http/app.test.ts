import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { createTokenService } from '../../src/tokens/service.js';
import { CREDENTIALS, PRODUCTION_ENV, testApp, testConfig } from '../fixtures.js';

const TOKEN_ROUTES = [
  '/access_token?channelName=t',
  '/rtm_token?uid=u',
  '/get-token',
  '/hms/app-token?roomId=r&userId=u&role=host',
  '/conference-token?userId=u&roomId=r&role=admin',
  '/chat-token?userId=u&channelId=c',
];

describe('the middleware chain', () => {
  it('when /healthz is called, then it answers ok', async () => {
    const res = await request(testApp()).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('when an API route answers, then the API security headers are set, document-only ones and X-Powered-By are not', async () => {
    const res = await request(testApp()).get('/get-token');
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    for (const documentOnly of [
      'cross-origin-opener-policy',
      'origin-agent-cluster',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ]) {
      expect(res.headers[documentOnly], documentOnly).toBeUndefined();
    }
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it.each(TOKEN_ROUTES)('when %s is called, then the answer is a token that must not be cached', async (path) => {
    const res = await request(testApp()).get(path).expect(200);
    expect(res.body).toEqual({ token: expect.any(String), expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/) });
    expect([res.headers['cache-control'], res.headers.pragma, res.headers.expires]).toEqual(['no-store', 'no-cache', '0']);
  });
});

describe('CORS', () => {
  const allowList = testApp({ CORS_ORIGINS: 'https://app.example,http://localhost:3000' });

  it('when CORS_ORIGINS is unset, then any origin is allowed', async () => {
    const res = await request(testApp({ CORS_ORIGINS: undefined }))
      .get('/get-token')
      .set('Origin', 'https://anywhere.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('when the origin is on the allow-list, then it is echoed back with Vary: Origin', async () => {
    const res = await request(allowList).get('/get-token').set('Origin', 'http://localhost:3000').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('when the origin is not on the allow-list, then no CORS header is sent', async () => {
    const res = await request(allowList).get('/get-token').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when an allowed origin sends a preflight, then it is answered 204 with the methods', async () => {
    const res = await request(allowList)
      .options('/conference-token')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'x-request-id')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,POST');
    expect(res.headers['access-control-allow-headers']).toBe('x-request-id');
  });

  it('when the token client (rtc-token-server/client) preflights with its headers, then they are allowed and Date is readable', async () => {
    const preflight = await request(allowList)
      .options('/access_token')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization,x-api-key')
      .expect(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('authorization,x-api-key');
    const res = await request(allowList).get('/get-token').set('Origin', 'https://app.example').expect(200);
    // The client times renewals on the server's clock: a page can read Date only when it is exposed.
    expect(res.headers['access-control-expose-headers']?.split(',')).toEqual(expect.arrayContaining(['Date', 'Retry-After']));
  });

  it('when any answer leaves (token, problem, preflight, probe, 404), then it carries Date', async () => {
    const answers = await Promise.all([
      request(allowList).get('/get-token'),
      request(allowList).get('/access_token'),
      request(allowList).options('/access_token').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'GET'),
      request(allowList).get('/healthz'),
      request(allowList).get('/nowhere'),
    ]);
    expect(answers.map((res) => res.status)).toEqual([200, 400, 204, 200, 404]);
    for (const res of answers) expect(Number.isNaN(Date.parse(res.headers.date ?? ''))).toBe(false);
  });

  it('when a disallowed origin sends a preflight, then it gets no CORS headers', async () => {
    const res = await request(allowList).options('/conference-token').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('when a token route answers an error, then the allowed origin can still read it', async () => {
    const res = await request(allowList).get('/access_token').set('Origin', 'https://app.example').expect(400);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
  });
});

describe('errors', () => {
  it('when the path is unknown, then a JSON 404 problem', async () => {
    const res = await request(testApp()).get('/no/such/route').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({ type: 'urn:rtc-token-server:problem:not-found', title: 'Not found', status: 404, detail: 'no route for GET /no/such/route' });
  });

  it.each([
    ['post', '/conference-token', 'GET, HEAD, OPTIONS'],
    ['delete', '/access_token', 'GET, HEAD, OPTIONS'],
    ['put', '/healthz', 'GET, HEAD, OPTIONS'],
    ['get', '/hms/management-token', 'POST, OPTIONS'],
  ] as const)('when %s %s is called, then 405 with Allow', async (method, path, allow) => {
    const res = await request(testApp())[method](path).expect(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:method-not-allowed', status: 405 });
  });

  it('when OPTIONS comes without CORS, then 204 with Allow', async () => {
    const res = await request(testApp({ CORS_ORIGINS: 'https://app.example' }))
      .options('/get-token')
      .expect(204);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('when HEAD is sent to a token route, then it answers like GET without a body', async () => {
    const res = await request(testApp()).head('/get-token').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['/access_token?channelName=t', 'agora'],
    ['/rtm_token?uid=u', 'agora'],
    ['/get-token', 'videosdk'],
    ['/hms/app-token?roomId=r&userId=u&role=host', '100ms'],
    ['/conference-token?userId=u&roomId=r&role=admin', 'native'],
    ['/chat-token', 'native'],
  ])('when %s has no credentials in production, then 503 names the provider', async (path, provider) => {
    const app = createApp(testConfig({ ...PRODUCTION_ENV, ...Object.fromEntries(Object.keys(CREDENTIALS).map((k) => [k, undefined])) }));
    const res = await request(app).get(path).expect(503);
    expect(res.body).toEqual({
      type: 'urn:rtc-token-server:problem:provider-not-configured',
      title: 'Provider not configured',
      status: 503,
      detail: `provider not configured: ${provider}`,
    });
  });

  it('when a builder fails unexpectedly, then 500 with a generic body and no stack or secret', async () => {
    const config = testConfig();
    const tokens = createTokenService(config);
    const broken = {
      ...tokens,
      conference: {
        ...tokens.conference,
        issue: () => {
          throw new Error(`signing failed with ${CREDENTIALS.MASTER_SECRET}`);
        },
      },
    };
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const res = await request(createApp(config, { tokens: broken, logger }))
      .get('/conference-token?userId=u&roomId=r&role=admin')
      .expect(500);
    expect(res.body).toEqual({
      type: 'urn:rtc-token-server:problem:internal-error',
      title: 'Internal server error',
      status: 500,
      detail: 'an unexpected error occurred',
    });
    expect(res.text).not.toContain(CREDENTIALS.MASTER_SECRET);
    expect(res.text).not.toContain('at ');
    expect(lines.some((l) => JSON.parse(l).level === 50)).toBe(true);
  });

  it('when the path has bad percent-encoding, then 400, not 500', async () => {
    const res = await request(testApp()).get('/access_token?channelName=%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when a rate limit is configured and exceeded, then 429 with Retry-After and RateLimit headers', async () => {
    const app = testApp({ RATE_LIMIT_PER_MINUTE: '2' });
    await request(app).get('/get-token').expect(200);
    await request(app).get('/get-token').expect(200);
    const res = await request(app).get('/get-token').expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.ratelimit).toMatch(/r=0/);
    expect(res.body).toMatchObject({ type: 'urn:rtc-token-server:problem:rate-limited', status: 429 });
    await request(app).get('/healthz').expect(200);
  });
});

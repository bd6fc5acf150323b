import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { createLogger } from '../../src/logger.js';
import { CREDENTIALS, testApp } from '../fixtures.js';
import type { AppDeps } from '../../src/app.js';

/** An app whose log lines are captured, parsed. */
function captured(overrides: Record<string, string | undefined> = {}, deps: AppDeps = {}) {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const app = testApp(overrides, { logger, ...deps });
  return { app, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

/** The value of one metric sample in Prometheus text, or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('GET /metrics', () => {
  it('when requests and tokens have been served, then counts by route template and status, latency and tokens issued appear', async () => {
    const app = testApp();
    const auth = buildVideoSdkToken({}, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }).token;
    await request(app).get('/conference-token?userId=u&roomId=r&role=admin').expect(200);
    await request(app).get('/conference-token?userId=u&roomId=r&role=admin').expect(200);
    await request(app).get('/conference-token?userId=u').expect(400);
    await request(app).get('/access_token?channelName=t').expect(200);
    await request(app).post('/validate-meeting/abcd-efgh-ijkl').set('Authorization', auth).expect(404);
    await request(app).get('/no/such/path').expect(404);

    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/conference-token', status: '200' })).toBe(2);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/conference-token', status: '400' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'POST', route: '/validate-meeting/:meetingId', status: '404' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/conference-token', status: '200' })).toBe(2);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/conference-token",status="200"\}/);
    expect(sample(text, 'tokens_issued_total', { provider: 'native', kind: 'conference' })).toBe(2);
    expect(sample(text, 'tokens_issued_total', { provider: 'agora', kind: 'rtc' })).toBe(1);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).not.toContain('abcd-efgh-ijkl');
  });

  it('when a token request is refused, then no token is counted as issued', async () => {
    const app = testApp();
    await request(app).get('/chat-token?userId=u&channelId=c&read=0&write=0').expect(400);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(sample(text, 'tokens_issued_total', { provider: 'native', kind: 'chat' })).toBe(0);
  });
});

describe('request logs', () => {
  it('when requests are served, then each gets exactly one JSON line with its id, method, url, status and time', async () => {
    const { app, records } = captured();
    await request(app).get('/healthz').set('X-Request-Id', 'trace-123').expect(200);
    await request(app).get('/get-token').expect(200);
    const logs = records().filter((r) => r.req);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({
      level: 30,
      req: { id: 'trace-123', method: 'GET', url: '/healthz' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(Object.keys(logs[0]!.req).sort()).toEqual(['id', 'method', 'remoteAddress', 'url']);
  });

  it('when a client sends X-Request-Id, then it is echoed back; when it is unsafe or absent, then a UUID is used', async () => {
    const { app } = captured();
    expect((await request(app).get('/healthz').set('X-Request-Id', 'abc-DEF_1.2:3')).headers['x-request-id']).toBe('abc-DEF_1.2:3');
    expect((await request(app).get('/healthz').set('X-Request-Id', 'bad id\twith spaces')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await request(app).get('/healthz')).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when responses are 4xx, then they log at info; when a provider is not configured, then the 503 logs at info with its reason', async () => {
    const { app, records } = captured({ VIDEOSDK_API_KEY: undefined, VIDEOSDK_SECRET: undefined });
    await request(app).get('/access_token').expect(400);
    await request(app).get('/get-token').expect(503);
    const [bad, unavailable] = records().filter((r) => r.req);
    expect([bad!.level, bad!.res.statusCode]).toEqual([30, 400]);
    expect(unavailable).toMatchObject({
      level: 30,
      res: { statusCode: 503 },
      problem: 'provider-not-configured',
      reason: 'provider not configured: videosdk',
      msg: 'request refused',
    });
    expect(unavailable!.err).toBeUndefined();
  });

  it('when a request fails on a fault, then the 500 logs at error with the error', async () => {
    const broken = () => {
      throw new Error('clock failure');
    };
    const { app, records } = captured({}, { clock: broken });
    await request(app).get('/chat-token?userId=u&channelId=c').expect(500);
    const [line] = records().filter((r) => r.req);
    expect(line).toMatchObject({ level: 50, res: { statusCode: 500 }, msg: 'request errored', err: { message: 'clock failure' } });
  });

  it('when a client puts a credential in the query, then the logged URL keeps the name and hides the value', async () => {
    const { app, lines } = captured();
    const query = '?channelName=t&access_token=tok-1-secret&API_KEY=key-2-secret&apikey=k3s&Token=t4s&key=k5s&secret=s6s&password=p7s&monkey=kept';
    await request(app).get(`/access_token${query}`).expect(200);
    const log = lines.join('\n');
    for (const value of ['tok-1-secret', 'key-2-secret', 'k3s', 't4s', 'k5s', 's6s', 'p7s']) expect(log).not.toContain(value);
    expect(log).toContain(
      '"url":"/access_token?channelName=t&access_token=[redacted]&API_KEY=[redacted]&apikey=[redacted]&Token=[redacted]&key=[redacted]&secret=[redacted]&password=[redacted]&monkey=kept"',
    );
  });

  it('when credentials, tokens and cookies pass through, then none of them reaches the log', async () => {
    const { app, lines } = captured();
    const issued: string[] = [];
    for (const path of [
      '/get-token',
      '/conference-token?userId=u&roomId=r&role=admin',
      '/access_token?channelName=t',
      '/hms/app-token?roomId=r&userId=u&role=host',
    ]) {
      issued.push((await request(app).get(path).set('Cookie', 'session=cookie-secret-value').expect(200)).body.token);
    }
    const mgmt = await request(app).post('/hms/management-token').set('Authorization', `Bearer ${CREDENTIALS.ADMIN_API_KEY}`).expect(200);
    issued.push(mgmt.body.token);
    await request(app).post('/hms/management-token').set('Authorization', 'Bearer wrong-admin-key-guess').expect(401);
    await request(app).post('/create-meeting').set('Authorization', `Bearer ${issued[0]}`).expect(201);
    await request(app).post('/create-meeting').set('Authorization', 'Bearer forged.jwt.value').expect(401);

    const log = lines.join('\n');
    const secrets = [...Object.values(CREDENTIALS).filter((v) => v.length >= 16), 'cookie-secret-value', 'wrong-admin-key-guess', 'forged.jwt.value'];
    for (const secret of [...secrets, ...issued]) expect(log).not.toContain(secret);
    for (const token of issued) expect(log).not.toContain(token.split('.')[2] ?? token.slice(10, 40));
    expect(log).not.toMatch(/authorization/i);
    expect(lines.length).toBeGreaterThanOrEqual(8);
  });

  it('when a caller logs an object with a token or secret field, then pino redacts it', () => {
    const lines: string[] = [];
    createLogger('info', { write: (line: string) => void lines.push(line) }).info({ token: 'eyJ.secret.token', user: { secret: 's3cr3t' } }, 'x');
    expect(lines[0]).not.toContain('eyJ.secret.token');
    expect(lines[0]).not.toContain('s3cr3t');
    expect(JSON.parse(lines[0]!)).toMatchObject({ token: '[redacted]', user: { secret: '[redacted]' } });
  });
});

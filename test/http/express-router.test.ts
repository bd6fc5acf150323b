/**
 * `rtc-token-server/express`: the token routes mounted in a host app under a prefix, with the
 * service's rules (schemas, caller auth, headers, CORS, rate limit, problem+json), and the host's
 * own routes left alone.
 */
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createTokenRouter } from '../../src/express.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { CLAIMS } from '../claims.js';
import { CREDENTIALS, expectInvalid, expectProblem } from '../fixtures.js';

const KEY = 'embedded-client-key-0123456789abcdef0';
const ENV = { NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', ...CREDENTIALS };

/** A host app with its own routes around the mounted token router. */
function host(env: Record<string, string> = {}) {
  const app = express();
  app.get('/rtc/own', (_req, res) => void res.json({ own: true }));
  app.use('/rtc', createTokenRouter({ ...ENV, ...env }, { logger: createLogger('silent') }));
  app.get('/rtc/after', (_req, res) => void res.json({ after: true }));
  return app;
}

describe('createTokenRouter mounted under /rtc', () => {
  it('when a token route is asked, then it answers as the service does: the token, its claims and no-store', async () => {
    const res = await request(host()).get('/rtc/chat-token?userId=alice&channelId=general&write=0').expect(200);
    expect([res.headers['cache-control'], res.headers.pragma, res.headers.expires]).toEqual(['no-store', 'no-cache', '0']);
    const lifetime = CLAIMS.chat(
      res.body.token,
      { userId: 'alice', channelId: 'general', read: true, write: false, ttlMinutes: 60 },
      Math.floor(Date.parse(res.body.expiresAt) / 1000) - 3600,
    );
    expect(lifetime).toBe(3600);
  });

  it('when an argument is bad, then the 400 problem+json names it', async () => {
    expectInvalid(
      await request(host()).get('/rtc/access_token?channelName=a&uid=4294967296'),
      'uid',
      'uid must be a whole number from 0 to 4294967295, or a user account',
    );
  });

  it("when escapes are not UTF-8, then they are refused whatever the host app's query parser does", async () => {
    const res = await request(host()).get('/rtc/chat-token?userId=%E9&channelId=general');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'userId', message: 'userId must be valid Unicode text' }]);
  });

  it('when callers must present a key, then a request without one is 401 with the challenge', async () => {
    const app = host({ CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: KEY });
    const res = await request(app).get('/rtc/conference-token?userId=u&roomId=r&role=admin');
    expectProblem(res, 401, 'unauthorized', 'an X-API-Key header is required');
    expect(res.headers['www-authenticate']).toBe('ApiKey realm="rtc-token-server"');
    await request(app).get('/rtc/conference-token?userId=u&roomId=r&role=admin').set('X-API-Key', KEY).expect(200);
  });

  it('when a browser on an origin off CORS_ORIGINS asks, then it gets no CORS grant; an allowed one does', async () => {
    const app = host({ CORS_ORIGINS: 'https://app.example.com' });
    expect((await request(app).get('/rtc/get-token').set('Origin', 'https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(app).get('/rtc/get-token').set('Origin', 'https://app.example.com')).headers['access-control-allow-origin']).toBe(
      'https://app.example.com',
    );
  });

  it('when the rate limit is reached, then 429 problem+json', async () => {
    const app = host({ RATE_LIMIT_PER_MINUTE: '1' });
    await request(app).get('/rtc/get-token').expect(200);
    expect((await request(app).get('/rtc/get-token')).status).toBe(429);
  });

  it("when a path is the host's own, then the router leaves it alone: no token headers, the host answers", async () => {
    const app = host();
    const own = await request(app).get('/rtc/own').expect(200, { own: true });
    expect(own.headers['cache-control']).toBeUndefined();
    await request(app).get('/rtc/after').expect(200, { after: true });
  });

  it("when the community servers' routes are asked under the prefix, then they answer in those servers' shapes", async () => {
    await request(host()).get('/rtc/ping').expect(200, { message: 'pong' });
    const res = await request(host()).get('/rtc/rtc/test/publisher/uid/1').expect(200);
    expect(Object.keys(res.body)).toEqual(['rtcToken']);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('when the environment is invalid, then building the router throws a ConfigError naming it', () => {
    expect(() => createTokenRouter({ NODE_ENV: 'production', MASTER_KEY: 'k', MASTER_SECRET: CREDENTIALS.MASTER_SECRET })).toThrow(ConfigError);
  });
});

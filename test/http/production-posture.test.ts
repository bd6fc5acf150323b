/**
 * The production posture as a client sees it: what a caller without roles can mint under
 * ROLE_POLICY=claims, what a foreign origin gets in production, whose X-Forwarded-For counts with
 * docker-compose.yml's TRUST_PROXY, a misspelt NODE_ENV, and identities in canonical form.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { parse } from 'yaml';
import { SignJWT, type JWTPayload } from 'jose';
import { parseAgora } from '../agora.js';
import { CREDENTIALS, expectProblem, NOW_S, PRODUCTION_ENV, testApp, verifyAt } from '../fixtures.js';

const SECRET = 'client-jwt-secret-for-posture-tests-0123';

function callerToken(claims: JWTPayload): Promise<string> {
  return new SignJWT({ iat: NOW_S, exp: NOW_S + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
}
const bearer = async (claims: JWTPayload) => `Bearer ${await callerToken(claims)}`;

describe('ROLE_POLICY=claims covers VideoSDK server-API tokens', () => {
  const app = testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: SECRET, ROLE_POLICY: 'claims' });

  it('when a caller without roles asks for roles=crawler, then 403 names the role it lacks', async () => {
    const res = await request(app)
      .get('/get-token?roles=crawler')
      .set('Authorization', await bearer({ sub: 'alice' }));
    expectProblem(res, 403, 'forbidden', "roles crawler needs the crawler role, which your token's roles claim does not list");
  });

  it('when a caller without roles omits roles, then the token is rtc-only and /create-meeting refuses it', async () => {
    const res = await request(app)
      .get('/get-token')
      .set('Authorization', await bearer({ sub: 'alice' }))
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.VIDEOSDK_SECRET)).toMatchObject({ participantId: 'alice', roles: ['rtc'] });
    const meeting = await request(app).post('/create-meeting').set('Authorization', res.body.token);
    expectProblem(meeting, 403, 'forbidden', 'this token lacks the crawler role: rtc-only tokens cannot call meeting APIs');
  });

  it('when a caller holding crawler omits roles, then the token has no roles claim (as VideoSDK mints it) and creates meetings', async () => {
    const res = await request(app)
      .get('/get-token')
      .set('Authorization', await bearer({ sub: 'svc', roles: ['crawler'] }))
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.VIDEOSDK_SECRET).roles).toBeUndefined();
    await request(app).post('/create-meeting').set('Authorization', res.body.token).expect(201);
  });

  it('when a caller holding crawler asks for roles=crawler,rtc, then it gets them', async () => {
    const res = await request(app)
      .get('/get-token?roles=crawler,rtc')
      .set('Authorization', await bearer({ sub: 'svc', roles: 'crawler' }))
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.VIDEOSDK_SECRET).roles).toEqual(['crawler', 'rtc']);
  });

  it('when a caller asks for roles=rtc explicitly, then no role is needed', async () => {
    const res = await request(app)
      .get('/get-token?roles=rtc')
      .set('Authorization', await bearer({ sub: 'alice' }))
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.VIDEOSDK_SECRET).roles).toEqual(['rtc']);
  });

  it('when a caller with crawler but not allow_mod asks for allow_mod, then 403 still names allow_mod', async () => {
    const res = await request(app)
      .get('/get-token?permissions=allow_mod&roles=crawler')
      .set('Authorization', await bearer({ sub: 'svc', roles: ['crawler'] }));
    expectProblem(res, 403, 'forbidden', "permissions allow_mod needs the allow_mod role, which your token's roles claim does not list");
  });

  it('when ROLE_POLICY is open, then an omitted roles stays omitted (nothing changes for open deployments)', async () => {
    const open = testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: SECRET });
    const res = await request(open)
      .get('/get-token')
      .set('Authorization', await bearer({ sub: 'alice' }))
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.VIDEOSDK_SECRET).roles).toBeUndefined();
  });
});

describe('production with explicit CORS_ORIGINS and CLIENT_AUTH', () => {
  const app = testApp({
    ...PRODUCTION_ENV,
    CORS_ORIGINS: 'https://app.example.com',
    CLIENT_AUTH: 'api-key',
    CLIENT_API_KEYS: 'posture-client-key-0123456789abcdef0123',
  });
  const adminToken = '/conference-token?userId=ceo&roomId=board&role=admin';

  it('when a page on another origin asks for an admin token, then it gets no CORS grant and no token', async () => {
    const res = await request(app).get(adminToken).set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.status).toBe(401);
  });

  it('when the allowed origin preflights, then it is granted that origin only', async () => {
    const res = await request(app).options(adminToken).set('Origin', 'https://app.example.com').set('Access-Control-Request-Method', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
});

describe("docker-compose.yml's TRUST_PROXY", () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
  const trustProxy: string = compose['x-app'].environment.TRUST_PROXY;

  it('when a client that is not the proxy forges X-Forwarded-For, then it cannot leave its rate-limit bucket', async () => {
    expect(trustProxy).toBe(compose.services.proxy.networks.backend.ipv4_address);
    const app = testApp({ RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: trustProxy });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await request(app).get('/get-token').set('X-Forwarded-For', `203.0.113.${i}`)).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });
});

describe('a production NODE_ENV in any spelling', () => {
  it.each(['Production', 'PRODUCTION', 'prod'])(
    'when NODE_ENV=%s and no credentials are set, then tokens are 503, never minted with generated credentials',
    async (nodeEnv) => {
      const none = Object.fromEntries(Object.keys(CREDENTIALS).map((name) => [name, undefined]));
      const app = testApp({ ...PRODUCTION_ENV, NODE_ENV: nodeEnv, ...none });
      const res = await request(app).get('/conference-token?userId=ceo&roomId=board&role=admin');
      expectProblem(res, 503, 'provider-not-configured', 'provider not configured: native');
      expect((await request(app).get('/readyz')).status).toBe(503);
    },
  );
});

describe('identity binding compares canonical forms', () => {
  const app = testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: SECRET });

  it.each(['012345', '0000012345'])('when the caller sub is %s, then it binds no numeric uid (12345 is someone else)', async (sub) => {
    const detail = `your identity (the token's sub) "${sub}" is not a canonical uid: a number with leading zeros names no single uid`;
    for (const query of ['channelName=lobby', 'channelName=lobby&uid=12345']) {
      expectProblem(
        await request(app)
          .get(`/access_token?${query}`)
          .set('Authorization', await bearer({ sub })),
        403,
        'forbidden',
        detail,
      );
    }
  });

  it('when the caller sub is 12345, then it binds uid 12345 however the request spells it', async () => {
    for (const query of ['channelName=lobby', 'channelName=lobby&uid=12345', 'channelName=lobby&uid=012345']) {
      const res = await request(app)
        .get(`/access_token?${query}`)
        .set('Authorization', await bearer({ sub: '12345' }))
        .expect(200);
      expect(String(parseAgora(res.body.token).service.__uid)).toBe('12345');
    }
  });

  it('when the caller sub is 012345, then the RTM user id (a string) is 012345 itself', async () => {
    await request(app)
      .get('/rtm_token')
      .set('Authorization', await bearer({ sub: '012345' }))
      .expect(200);
  });
});

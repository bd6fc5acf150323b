/**
 * Caller authentication on the token routes (CLIENT_AUTH=api-key and jwt with an HS256 secret),
 * identity binding and ROLE_POLICY=claims. JWKS-backed jwt is in caller-auth-jwks.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { parse } from 'yaml';
import { SignJWT, UnsecuredJWT, generateKeyPair, type JWTPayload } from 'jose';
import { CREDENTIALS, expectProblem, NOW_S, testApp, verifyAt } from '../fixtures.js';
import { ROUTES } from '../caller-fixtures.js';
import { parseAgora } from '../agora.js';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { API_KEY_CHALLENGE, BEARER_CHALLENGE } from '../../src/http/middleware/caller-auth.js';

const API_KEYS = ['first-client-api-key-0123', 'second-client-api-key-4567'];
const SECRET = 'client-jwt-secret-for-tests-0123456789';
const BEARER = 'Bearer realm="rtc-token-server"';
const INVALID = `${BEARER}, error="invalid_token"`;

/** A caller token: sub alice, issued at the pinned clock, for 10 minutes, unless `claims` say otherwise. */
function callerToken(claims: JWTPayload = {}, secret = SECRET): Promise<string> {
  return new SignJWT({ sub: 'alice', iat: NOW_S, exp: NOW_S + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

const bearer = async (claims?: JWTPayload) => ({ Authorization: `Bearer ${await callerToken(claims)}` });
const apiKeyApp = testApp({ CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: API_KEYS.join(', ') });
const jwtApp = (env: Record<string, string> = {}) => testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: SECRET, ...env });
const app = jwtApp();
const claimsApp = jwtApp({ ROLE_POLICY: 'claims' });

const agoraService = (token: string) => parseAgora(token).service;

describe('CLIENT_AUTH=none (the default)', () => {
  it('when no credentials are sent, then a wildcard Agora token is still issued as before', async () => {
    const res = await request(testApp()).get('/access_token?channelName=lobby').expect(200);
    expect(String(agoraService(res.body.token).__uid)).toBe('');
  });
});

describe('CLIENT_AUTH=api-key', () => {
  it.each(ROUTES)('when %s is called without X-API-Key, then 401 with an ApiKey challenge', async (path, query) => {
    const res = await request(apiKeyApp)
      .get(path)
      .query({ ...query, uid: '42', userId: 'bob' });
    expectProblem(res, 401, 'unauthorized', 'an X-API-Key header is required');
    expect(res.headers['www-authenticate']).toBe('ApiKey realm="rtc-token-server"');
  });

  it.each([
    ['a wrong key', { 'X-API-Key': 'not-a-client-api-key-000' }],
    ['a prefix of a key', { 'X-API-Key': API_KEYS[0]!.slice(0, -1) }],
    ['the key as a bearer token', { Authorization: `Bearer ${API_KEYS[0]}` }],
    ['the admin key', { 'X-API-Key': CREDENTIALS.ADMIN_API_KEY }],
  ])('when %s is sent, then 401', async (_name, headers) => {
    const res = await request(apiKeyApp).get('/chat-token?userId=bob&channelId=c').set(headers);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('ApiKey realm="rtc-token-server"');
  });

  it.each(API_KEYS)('when listed key %s is sent, then the token is issued for the user asked for', async (key) => {
    const res = await request(apiKeyApp).get('/conference-token?userId=bob&roomId=r&role=admin').set('X-API-Key', key).expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.MASTER_SECRET)).toMatchObject({ sub: 'bob', role: 'admin' });
  });

  it('when the key is valid but the query is bad, then 400 names the field', async () => {
    const res = await request(apiKeyApp).get('/conference-token?roomId=r&role=admin').set('X-API-Key', API_KEYS[0]!).expect(400);
    expect(res.body.detail).toBe('userId is required');
  });

  it.each([
    ['omitted', 'channelName=lobby'],
    ['0', 'channelName=lobby&uid=0'],
    ['00', 'channelName=lobby&uid=00'],
  ])('when the Agora uid is %s, then 403: the wildcard is refused', async (_name, query) => {
    const res = await request(apiKeyApp).get(`/access_token?${query}`).set('X-API-Key', API_KEYS[1]!);
    expectProblem(
      res,
      403,
      'forbidden',
      "uid 0 is Agora's wildcard, which joins as any user, and is refused when callers authenticate: ask for a specific uid (an omitted uid means 0)",
    );
  });

  it('when a specific Agora uid is asked for, then the token carries it', async () => {
    const res = await request(apiKeyApp).get('/access_token?channelName=lobby&uid=42&role=publisher').set('X-API-Key', API_KEYS[1]!).expect(200);
    expect(String(agoraService(res.body.token).__uid)).toBe('42');
  });

  it('when routes outside the token routes are called without a client key, then they answer as before', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.yaml', '/docs']) await request(apiKeyApp).get(path).expect(200);
    await request(apiKeyApp).post('/hms/management-token').set('Authorization', `Bearer ${CREDENTIALS.ADMIN_API_KEY}`).expect(200);
    const videosdk = { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) };
    const meetingToken = buildVideoSdkToken({ roles: ['crawler'] }, videosdk).token;
    await request(apiKeyApp).post('/create-meeting').set('Authorization', meetingToken).expect(201);
  });

  it('when a browser preflights a token route, then it is answered without a key', async () => {
    const res = await request(apiKeyApp)
      .options('/get-token')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'x-api-key')
      .expect(204);
    expect(res.headers['access-control-allow-headers']).toBe('x-api-key');
  });
});

describe('CLIENT_AUTH=jwt with CLIENT_JWT_SECRET', () => {
  it.each(ROUTES)('when %s is called without a token, then 401 with a Bearer challenge', async (path, query) => {
    const res = await request(app).get(path).query(query);
    expectProblem(res, 401, 'unauthorized', 'an Authorization: Bearer <token> header carrying a token from your identity provider is required');
    expect(res.headers['www-authenticate']).toBe(BEARER);
  });

  it('when Authorization is not a bearer token, then 401', async () => {
    const res = await request(app)
      .get('/chat-token?channelId=c')
      .set('Authorization', `Basic ${Buffer.from('alice:pw').toString('base64')}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(BEARER);
  });

  it.each<[string, () => Promise<string>, string]>([
    ['signed with another secret', () => callerToken({}, 'another-secret-of-enough-length-0123456'), "the token's signature does not verify"],
    ['expired beyond the 30 s tolerance', () => callerToken({ exp: NOW_S - 31 }), 'the token has expired'],
    ['not valid for another 31 s', () => callerToken({ nbf: NOW_S + 31 }), 'the token is not valid yet (nbf)'],
    ['without exp', () => callerToken({ exp: undefined }), 'the token has no exp claim'],
    ['without sub', () => callerToken({ sub: undefined }), 'the token has no sub claim'],
    ['with an empty sub', () => callerToken({ sub: '' }), "the token's sub claim must be a non-empty string"],
    ['with a numeric sub', () => callerToken({ sub: 42 as unknown as string }), "the token's sub claim must be a non-empty string"],
    ['unsecured (alg none)', async () => new UnsecuredJWT({ sub: 'alice', exp: NOW_S + 600 }).encode(), "the token's alg must be HS256"],
    ['signed RS256', async () => rs256Token(), "the token's alg must be HS256"],
    ['not a JWT', async () => 'abc.def.ghi', 'the token is not a well-formed JWT'],
  ])('when the token is %s, then 401 invalid_token', async (_name, token, detail) => {
    const res = await request(app)
      .get('/chat-token?channelId=c')
      .set('Authorization', `Bearer ${await token()}`);
    expectProblem(res, 401, 'unauthorized', detail);
    expect(res.headers['www-authenticate']).toBe(INVALID);
  });

  it('when exp or nbf is off by less than 30 s, then the clock tolerance lets the token through', async () => {
    await request(app)
      .get('/chat-token?channelId=c')
      .set(await bearer({ exp: NOW_S - 29 }))
      .expect(200);
    await request(app)
      .get('/chat-token?channelId=c')
      .set(await bearer({ nbf: NOW_S + 29 }))
      .expect(200);
  });

  it('when CLIENT_JWT_ISSUER and CLIENT_JWT_AUDIENCE are set, then only tokens carrying both are accepted', async () => {
    const strict = jwtApp({ CLIENT_JWT_ISSUER: 'https://id.example', CLIENT_JWT_AUDIENCE: 'rtc-tokens' });
    const call = async (claims: JWTPayload) =>
      request(strict)
        .get('/chat-token?channelId=c')
        .set(await bearer(claims));
    expect((await call({ iss: 'https://id.example', aud: 'rtc-tokens' })).status).toBe(200);
    expect((await call({ iss: 'https://id.example', aud: ['other', 'rtc-tokens'] })).status).toBe(200);
    expect((await call({ iss: 'https://evil.example', aud: 'rtc-tokens' })).body.detail).toBe('the token was not issued by the expected issuer (iss)');
    expect((await call({ iss: 'https://id.example', aud: 'other' })).body.detail).toBe('the token is not meant for this server (aud)');
    expect((await call({ aud: 'rtc-tokens' })).body.detail).toBe('the token has no iss claim');
  });

  it.each(ROUTES)("when %s is asked for another user's id, then 403 names the field", async (path, query, field) => {
    const res = await request(app)
      .get(path)
      .query({ ...query, [field]: 'mallory' })
      .set(await bearer());
    expectProblem(res, 403, 'forbidden', `${field} must be your own identity (the token's sub) or omitted`);
  });

  it.each(ROUTES)("when %s is asked for the caller's own id, then the token is issued", async (path, query, field) => {
    await request(app)
      .get(path)
      .query({ ...query, [field]: 'alice' })
      .set(await bearer())
      .expect(200);
  });

  it('when the ids are omitted, then each token is issued for the caller (sub)', async () => {
    const headers = await bearer();
    const get = async (path: string) => (await request(app).get(path).set(headers).expect(200)).body.token as string;
    expect(verifyAt(await get('/conference-token?roomId=r&role=publisher'), CREDENTIALS.MASTER_SECRET)).toMatchObject({ sub: 'alice', role: 'publisher' });
    expect(verifyAt(await get('/chat-token?channelId=c'), CREDENTIALS.MASTER_SECRET)).toMatchObject({ sub: 'alice', channel: 'c' });
    expect(verifyAt(await get('/hms/app-token?roomId=r&role=guest'), CREDENTIALS.HMS_APP_SECRET)).toMatchObject({ user_id: 'alice', role: 'guest' });
    expect(verifyAt(await get('/get-token?permissions=allow_join'), CREDENTIALS.VIDEOSDK_SECRET)).toMatchObject({ participantId: 'alice' });
    expect(String(agoraService(await get('/access_token?channelName=lobby')).__uid)).toBe('alice');
    expect(String(agoraService(await get('/rtm_token')).__user_id)).toBe('alice');
  });

  it('when an identity is given empty (?userId=), then it counts as omitted', async () => {
    const res = await request(app)
      .get('/chat-token?userId=&channelId=c')
      .set(await bearer())
      .expect(200);
    expect(verifyAt(res.body.token, CREDENTIALS.MASTER_SECRET).sub).toBe('alice');
  });

  it('when sub is digits, then it is the numeric Agora uid, and the same number asked for matches it', async () => {
    const headers = await bearer({ sub: '12345' });
    for (const query of ['channelName=lobby', 'channelName=lobby&uid=12345', 'channelName=lobby&uid=0012345']) {
      const res = await request(app).get(`/access_token?${query}`).set(headers).expect(200);
      expect(String(agoraService(res.body.token).__uid)).toBe('12345');
    }
    const other = await request(app).get('/access_token?channelName=lobby&uid=12346').set(headers);
    expectProblem(other, 403, 'forbidden', "uid must be your own identity (the token's sub) or omitted");
  });

  it.each([
    ['uid=0 is asked for', 'channelName=lobby&uid=0', 'alice'],
    ['sub is "0"', 'channelName=lobby', '0'],
  ])('when %s, then 403: the Agora wildcard is refused', async (_name, query, sub) => {
    const res = await request(app)
      .get(`/access_token?${query}`)
      .set(await bearer({ sub }));
    expectProblem(
      res,
      403,
      'forbidden',
      "uid 0 is Agora's wildcard, which joins as any user, and is refused when callers authenticate: ask for your own uid or omit it",
    );
  });

  it('when sub cannot be a userId, then 403 says why', async () => {
    const res = await request(app)
      .get('/chat-token?channelId=c')
      .set(await bearer({ sub: 'x'.repeat(129) }));
    expectProblem(res, 403, 'forbidden', "your identity (the token's sub) cannot be used as userId: userId must be at most 128 bytes");
  });

  it('when the query is also bad, then the 400 comes before the 403', async () => {
    const res = await request(app)
      .get('/conference-token?userId=mallory&roomId=r&role=owner')
      .set(await bearer())
      .expect(400);
    expect(res.body.errors).toEqual([{ field: 'role', message: 'role must be one of: admin, publisher, subscriber' }]);
    const twice = await request(app)
      .get('/chat-token?userId=alice&userId=mallory&channelId=c')
      .set(await bearer())
      .expect(400);
    expect(twice.body.detail).toBe('userId must be given once');
    const missing = await request(app)
      .get('/hms/app-token?role=guest')
      .set(await bearer())
      .expect(400);
    expect(missing.body.detail).toBe('roomId is required');
  });

  it('when ROLE_POLICY is open, then any role may be asked for', async () => {
    await request(app)
      .get('/conference-token?roomId=r&role=admin')
      .set(await bearer())
      .expect(200);
    await request(app)
      .get('/access_token?channelName=lobby&role=publisher')
      .set(await bearer())
      .expect(200);
  });
});

describe('ROLE_POLICY=claims', () => {
  const refused = (field: string, value: string, claim = 'roles') =>
    `${field} ${value} needs the ${value} role, which your token's ${claim} claim does not list`;

  it.each([
    ['/access_token?channelName=lobby&role=publisher', 'role', 'publisher'],
    ['/conference-token?roomId=r&role=admin', 'role', 'admin'],
    ['/conference-token?roomId=r&role=publisher', 'role', 'publisher'],
    ['/get-token?permissions=allow_join,allow_mod', 'permissions', 'allow_mod'],
    ['/hms/app-token?roomId=r&role=host', 'role', 'host'],
  ])('when %s is asked for without the role, then 403; with it, the token', async (path, field, role) => {
    expectProblem(
      await request(claimsApp)
        .get(path)
        .set(await bearer({ roles: ['other'] })),
      403,
      'forbidden',
      refused(field, role),
    );
    await request(claimsApp)
      .get(path)
      .set(await bearer({ roles: ['other', role] }))
      .expect(200);
  });

  it('when the roles claim grants publisher, then the Agora token carries the publish privileges', async () => {
    const res = await request(claimsApp)
      .get('/access_token?channelName=lobby&role=publisher')
      .set(await bearer({ roles: ['publisher'] }))
      .expect(200);
    expect(agoraService(res.body.token).__privileges).toEqual({ 1: 3600, 2: 3600, 3: 3600, 4: 3600 });
  });

  it.each(['/access_token?channelName=lobby', '/conference-token?roomId=r&role=subscriber', '/get-token', '/chat-token?channelId=c', '/rtm_token'])(
    'when %s needs no role, then a caller without roles gets it',
    async (path) => {
      await request(claimsApp)
        .get(path)
        .set(await bearer())
        .expect(200);
    },
  );

  it('when the roles claim is a string or not a list, then it is read as space-separated roles or none', async () => {
    const path = '/conference-token?roomId=r&role=admin';
    await request(claimsApp)
      .get(path)
      .set(await bearer({ roles: 'publisher admin' }))
      .expect(200);
    expect(
      (
        await request(claimsApp)
          .get(path)
          .set(await bearer({ roles: { admin: true } }))
      ).status,
    ).toBe(403);
  });

  it('when CLIENT_ROLES_CLAIM names another claim, then roles come from it, nested names included', async () => {
    const path = '/conference-token?roomId=r&role=admin';
    const custom = jwtApp({ ROLE_POLICY: 'claims', CLIENT_ROLES_CLAIM: 'https://app.example/roles' });
    await request(custom)
      .get(path)
      .set(await bearer({ 'https://app.example/roles': ['admin'] }))
      .expect(200);
    expectProblem(
      await request(custom)
        .get(path)
        .set(await bearer({ roles: ['admin'] })),
      403,
      'forbidden',
      refused('role', 'admin', 'https://app.example/roles'),
    );
    const keycloak = jwtApp({ ROLE_POLICY: 'claims', CLIENT_ROLES_CLAIM: 'realm_access.roles' });
    await request(keycloak)
      .get(path)
      .set(await bearer({ realm_access: { roles: ['admin'] } }))
      .expect(200);
  });

  it('when the role is refused, then no token is counted as issued', async () => {
    const before = await request(claimsApp).get('/metrics');
    await request(claimsApp)
      .get('/conference-token?roomId=r&role=admin')
      .set(await bearer())
      .expect(403);
    const after = await request(claimsApp).get('/metrics');
    const count = (text: string) => /tokens_issued_total\{provider="native",kind="conference"\} (\d+)/.exec(text)?.[1] ?? '0';
    expect(count(after.text)).toBe(count(before.text));
  });
});

describe('openapi.yaml', () => {
  it('when the token routes are documented, then each names both caller schemes and the 401, 403 and 503 it can answer', () => {
    const spec = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
    for (const [path] of ROUTES) {
      const op = spec.paths[path].get;
      expect(op.security, path).toEqual([{}, { clientApiKey: [] }, { clientJwt: [] }]);
      expect([op.responses['401'].$ref, op.responses['403'].$ref, op.responses['503'].$ref], path).toEqual([
        '#/components/responses/CallerUnauthorized',
        '#/components/responses/CallerForbidden',
        '#/components/responses/TokenRouteUnavailable',
      ]);
    }
    expect(spec.components.securitySchemes.clientApiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(spec.components.securitySchemes.clientJwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const challenge = new RegExp(spec.components.headers.CallerChallenge.schema.pattern);
    for (const sent of [BEARER_CHALLENGE, INVALID, API_KEY_CHALLENGE]) expect(sent).toMatch(challenge);
  });
});

async function rs256Token(): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({ sub: 'alice', exp: NOW_S + 600 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
}

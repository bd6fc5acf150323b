/**
 * CLIENT_AUTH=jwt with CLIENT_JWKS_URL: RS256/ES256 caller tokens verified with keys served by a
 * local JWKS endpoint on 127.0.0.1, cached, refetched for a rotated-in key, and a 503 (never a
 * hang, never a 500) while the endpoint is unreachable.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { CREDENTIALS, expectProblem, NOW_S, testApp, verifyAt } from '../fixtures.js';
import { JWKS_DEFAULTS, type JwksOptions } from '../../src/auth/jwt.js';
import { createLogger } from '../../src/logger.js';

type Mode = 'keys' | 'hang' | 'error' | 'garbage';

/** A JWKS endpoint whose keys and behaviour a test changes, counting the fetches it answers. */
class JwksServer {
  keys: JWK[] = [];
  mode: Mode = 'keys';
  fetches = 0;
  readonly url: string;
  private constructor(private readonly server: Server) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  static async start(): Promise<JwksServer> {
    const server = createServer((_req, res) => {
      instance.fetches += 1;
      if (instance.mode === 'hang') return;
      if (instance.mode === 'error') res.writeHead(500).end();
      else
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(instance.mode === 'garbage' ? '{"keys":"nope"}' : JSON.stringify({ keys: instance.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const instance = new JwksServer(server);
    return instance;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function signed(key: SigningKey, sub = 'alice'): Promise<string> {
  return new SignJWT({ sub, iat: NOW_S, exp: NOW_S + 600 }).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

const PATH = '/conference-token?roomId=r&role=publisher';
let jwks: JwksServer;
let rs1: SigningKey;
let es1: SigningKey;
let rs2: SigningKey;

const appFor = (options: JwksOptions = {}, deps = {}) =>
  testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWKS_URL: jwks.url }, { jwks: { cooldownDuration: 1000, ...options }, ...deps });
const call = async (app: ReturnType<typeof appFor>, token: string) => request(app).get(PATH).set('Authorization', `Bearer ${token}`);

beforeAll(async () => {
  [rs1, es1, rs2] = await Promise.all([signingKey('RS256', 'rs-1'), signingKey('ES256', 'es-1'), signingKey('RS256', 'rs-2')]);
  jwks = await JwksServer.start();
});
afterEach(() => {
  jwks.keys = [rs1.jwk, es1.jwk];
  jwks.mode = 'keys';
  jwks.fetches = 0;
});
afterAll(() => jwks.stop());

describe('CLIENT_AUTH=jwt with CLIENT_JWKS_URL', () => {
  beforeAll(() => {
    jwks.keys = [rs1.jwk, es1.jwk];
  });

  it('when tokens are signed RS256 and ES256 with published keys, then each caller gets a token for its sub, from one fetch', async () => {
    const app = appFor();
    const rs = await call(app, await signed(rs1, 'alice'));
    const es = await call(app, await signed(es1, 'bob'));
    expect(verifyAt(rs.body.token, CREDENTIALS.MASTER_SECRET)).toMatchObject({ sub: 'alice', role: 'publisher' });
    expect(verifyAt(es.body.token, CREDENTIALS.MASTER_SECRET)).toMatchObject({ sub: 'bob', role: 'publisher' });
    await call(app, await signed(rs1)).then((res) => expect(res.status).toBe(200));
    expect(jwks.fetches).toBe(1);
  });

  it('when no token is sent, then 401 with a Bearer challenge and the key set is not fetched', async () => {
    const res = await request(appFor()).get(PATH);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server"');
    expect(jwks.fetches).toBe(0);
  });

  it('when an HS256 token is signed with the RSA public key (PEM or JWK bytes), then 401 before any key is fetched', async () => {
    const app = appFor();
    for (const material of [await exportSPKI(rs1.publicKey), JSON.stringify(rs1.jwk)]) {
      const forged = await new SignJWT({ sub: 'mallory', exp: NOW_S + 600 })
        .setProtectedHeader({ alg: 'HS256', kid: rs1.kid })
        .sign(new TextEncoder().encode(material));
      const res = await call(app, forged);
      expectProblem(res, 401, 'unauthorized', "the token's alg must be RS256 or ES256");
      expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server", error="invalid_token"');
    }
    expect(jwks.fetches).toBe(0);
  });

  it('when the token is unsecured (alg none), then 401', async () => {
    const res = await call(appFor(), new UnsecuredJWT({ sub: 'mallory', exp: NOW_S + 600 }).encode());
    expectProblem(res, 401, 'unauthorized', "the token's alg must be RS256 or ES256");
  });

  it('when a token claims a published kid but another key signed it, then 401', async () => {
    const impostor = await signingKey('RS256', rs1.kid);
    expectProblem(await call(appFor(), await signed(impostor)), 401, 'unauthorized', "the token's signature does not verify");
  });

  it('when a token names a kid that is not published, then 401', async () => {
    expectProblem(await call(appFor(), await signed(rs2)), 401, 'unauthorized', 'no key published by the identity provider matches the token (kid)');
  });

  it('when a token has no kid and two published keys could verify it, then 401 asks for a kid', async () => {
    jwks.keys = [rs1.jwk, rs2.jwk];
    const token = await new SignJWT({ sub: 'alice', exp: NOW_S + 600 }).setProtectedHeader({ alg: 'RS256' }).sign(rs1.privateKey);
    expectProblem(await call(appFor(), token), 401, 'unauthorized', 'several published keys match the token: it must name its key (kid)');
  });

  it('when the identity provider rotates a key in, then its tokens are accepted once the cooldown lets the set be refetched', async () => {
    // jose times its cooldown on the system clock: a short one keeps the wait short.
    const app = appFor({ cooldownDuration: 300 });
    expect((await call(app, await signed(rs1))).status).toBe(200);
    jwks.keys = [rs1.jwk, rs2.jwk];
    // Within the cooldown an unknown kid does not refetch: the cached set lacks rs-2.
    expect((await call(app, await signed(rs2))).status).toBe(401);
    expect(jwks.fetches).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const res = await call(app, await signed(rs2, 'carol'));
    expect(res.status).toBe(200);
    expect(verifyAt(res.body.token, CREDENTIALS.MASTER_SECRET).sub).toBe('carol');
    expect((await call(app, await signed(rs1))).status).toBe(200);
    expect(jwks.fetches).toBe(2);
  });

  it('when the keys are cached and the endpoint goes down, then callers are still verified', async () => {
    const app = appFor();
    expect((await call(app, await signed(rs1))).status).toBe(200);
    jwks.mode = 'error';
    expect((await call(app, await signed(es1))).status).toBe(200);
  });

  it.each<[string, Mode]>([
    ['answers 500', 'error'],
    ['answers something that is not a key set', 'garbage'],
  ])('when the endpoint %s, then 503 identity-provider-unavailable', async (_name, mode) => {
    jwks.mode = mode;
    const res = await call(appFor(), await signed(rs1));
    expectProblem(res, 503, 'identity-provider-unavailable', "the identity provider's signing keys cannot be fetched; retry later");
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('when the endpoint refuses connections, then 503 and the log says why', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const closed = await JwksServer.start();
    await closed.stop();
    const app = testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWKS_URL: closed.url }, { logger: createLogger('info', sink) });
    const res = await call(app, await signed(rs1));
    expectProblem(res, 503, 'identity-provider-unavailable', "the identity provider's signing keys cannot be fetched; retry later");
    expect(lines.some((line) => line.includes('"level":40') && line.includes('CLIENT_JWKS_URL key set cannot be fetched'))).toBe(true);
  });

  it('when the endpoint fails under traffic, then one fetch and one warning per cooldown, and one line when it is back', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const app = appFor({ cooldownDuration: 60_000 }, { logger: createLogger('info', sink) });
    jwks.mode = 'error';
    const token = await signed(rs1);
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => call(app, token)));
      statuses.push(...answers.map((res) => res.status));
    }
    expect(statuses).toEqual(Array(200).fill(503));
    expect(jwks.fetches).toBe(1);
    // Each 503 has its own request line (at info, with its reason); the outage is warned about once.
    expect(lines.filter((line) => line.includes('"msg":"request refused"') && line.includes('"reason":"the identity provider'))).toHaveLength(200);
    expect(lines.filter((line) => line.includes('"level":40'))).toHaveLength(1);
    const outage = lines.filter((line) => line.includes('CLIENT_JWKS_URL key set'));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toContain('"level":40');
    expect(outage[0]).toContain('CLIENT_JWKS_URL key set cannot be fetched');
  });

  it('when the cooldown after a failure ends and the endpoint is back, then callers are verified again and the log says so', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    const app = appFor({ cooldownDuration: 300 }, { logger: createLogger('info', sink) });
    jwks.mode = 'error';
    expect((await call(app, await signed(rs1))).status).toBe(503);
    jwks.mode = 'keys';
    // Still within the cooldown: failed at once, without a fetch.
    expect((await call(app, await signed(rs1))).status).toBe(503);
    expect(jwks.fetches).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await call(app, await signed(rs1))).status).toBe(200);
    expect(jwks.fetches).toBe(2);
    expect(lines.filter((line) => line.includes('key set can be fetched again'))).toHaveLength(1);
  });

  it('when the endpoint never answers, then 503 after the default 2 s timeout, not a hang', async () => {
    expect(JWKS_DEFAULTS.timeoutDuration).toBe(2000);
    jwks.mode = 'hang';
    const started = Date.now();
    const res = await call(testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWKS_URL: jwks.url }), await signed(rs1));
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

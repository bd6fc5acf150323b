import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { buildConferenceToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openPostgresStore } from '../../src/meetings/postgres.js';
import type { MeetingStore } from '../../src/meetings/store.js';
import { createLogger } from '../../src/logger.js';
import { CREDENTIALS, NOW, NOW_S, testApp } from '../fixtures.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';

const ADMIN = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;
const videosdk = () => buildVideoSdkToken({}, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }, { now: NOW }).token;
const conference = () =>
  buildConferenceToken(
    { userId: 'alice', roomId: 'room1', role: 'admin' },
    { key: CREDENTIALS.MASTER_KEY, secret: secretKey(CREDENTIALS.MASTER_SECRET) },
    { now: NOW },
  ).token;
const jtiOf = (token: string) => (jwt.decode(token) as jwt.JwtPayload).jti!;

describe.skipIf(!TEST_DATABASE_URL)(`revocation across two instances on one PostgreSQL database${PG_SKIP_NOTE}`, () => {
  let schema: Awaited<ReturnType<typeof isolatedSchema>>;
  let storeA: MeetingStore;
  let storeB: MeetingStore;
  let a: ReturnType<typeof testApp>;
  let b: ReturnType<typeof testApp>;
  const rows = async () => {
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      return (await client.query<{ jti: string; expires_at: Date }>('SELECT jti, expires_at FROM revoked_tokens ORDER BY jti')).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    schema = await isolatedSchema();
    const logger = createLogger('silent');
    [storeA, storeB] = await Promise.all([openPostgresStore(schema.url, logger), openPostgresStore(schema.url, logger)]);
    a = testApp({}, { store: storeA });
    b = testApp({}, { store: storeB });
  });
  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
    await schema?.drop();
  });

  it('when a VideoSDK token is revoked on A, then B introspects it inactive, refuses it on /create-meeting, and one row holds it', async () => {
    const token = videosdk();
    await request(b).post('/create-meeting').set('Authorization', token).expect(201);
    const revoked = await request(a).post('/revoke').set('Authorization', ADMIN).send({ token }).expect(200);
    const until = new Date((NOW_S + 7200 + 30) * 1000);
    expect(revoked.body).toEqual({ revoked: true, jti: jtiOf(token), until: until.toISOString() });

    expect((await request(b).post('/introspect').set('Authorization', ADMIN).send({ token }).expect(200)).body).toEqual({ active: false });
    const refused = await request(b).post('/create-meeting').set('Authorization', token).expect(401);
    expect(refused.body.detail).toBe('the token has been revoked');
    expect(await rows()).toContainEqual({ jti: jtiOf(token), expires_at: until });
  });

  it('when a conference token is revoked by jti on B, then A introspects it inactive while another stays active', async () => {
    const [token, other] = [conference(), conference()];
    await request(b)
      .post('/revoke')
      .set('Authorization', ADMIN)
      .send({ jti: jtiOf(token) })
      .expect(200);
    expect((await request(a).post('/introspect').set('Authorization', ADMIN).send({ token }).expect(200)).body).toEqual({ active: false });
    expect((await request(a).post('/introspect').set('Authorization', ADMIN).send({ token: other }).expect(200)).body.active).toBe(true);
  });

  it('when A and B revoke the same token at once, then both answer 200 with the same end and one row is stored', async () => {
    const token = conference();
    const answers = await Promise.all([a, b, a, b].map((app) => request(app).post('/revoke').set('Authorization', ADMIN).send({ token }).expect(200)));
    expect(new Set(answers.map((r) => r.body.until)).size).toBe(1);
    expect((await rows()).filter((r) => r.jti === jtiOf(token))).toHaveLength(1);
  });

  it('when B purges after every revocation has ended, then the rows are gone for A too', async () => {
    const later = new Date(NOW.getTime() + 2 * 86_400_000);
    const stored = (await rows()).length;
    expect(stored).toBe(3);
    expect(await storeB.purgeExpired(later)).toBe(stored);
    expect(await rows()).toEqual([]);
    expect(await storeA.purgeExpired(later)).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openPostgresStore } from '../../src/meetings/postgres.js';
import type { MeetingStore } from '../../src/meetings/store.js';
import { createLogger } from '../../src/logger.js';
import { CREDENTIALS, testApp } from '../fixtures.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';

describe.skipIf(!TEST_DATABASE_URL)(`two instances on one PostgreSQL database${PG_SKIP_NOTE}`, () => {
  let schema: Awaited<ReturnType<typeof isolatedSchema>>;
  let storeA: MeetingStore;
  let storeB: MeetingStore;
  const auth = () => `Bearer ${buildVideoSdkToken({}, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }).token}`;

  beforeAll(async () => {
    schema = await isolatedSchema();
    const logger = createLogger('silent');
    [storeA, storeB] = await Promise.all([openPostgresStore(schema.url, logger), openPostgresStore(schema.url, logger)]);
  });
  afterAll(async () => {
    await storeA?.close();
    await storeB?.close();
    await schema?.drop();
  });

  it('when a meeting is created on A, then B validates it with the same createdAt', async () => {
    const a = testApp({}, { store: storeA, clock: () => new Date() });
    const b = testApp({}, { store: storeB, clock: () => new Date() });
    const created = await request(a).post('/create-meeting').set('Authorization', auth()).expect(201);
    const validated = await request(b).post(`/validate-meeting/${created.body.meetingId}`).set('Authorization', auth()).expect(200);
    expect(validated.body).toEqual({ meetingId: created.body.meetingId, roomId: created.body.meetingId, valid: true, createdAt: created.body.createdAt });
    await request(b).post('/validate-meeting/zzzz-zzzz-zzzz').set('Authorization', auth()).expect(404);
    expect((await request(a).get('/readyz').expect(200)).body).toMatchObject({ status: 'ready', store: 'postgres' });
  });

  it('when both instances create 100 meetings at once, then all 200 ids differ and each validates on the other', async () => {
    const a = testApp({}, { store: storeA, clock: () => new Date() });
    const b = testApp({}, { store: storeB, clock: () => new Date() });
    const create = (app: typeof a) =>
      request(app)
        .post('/create-meeting')
        .set('Authorization', auth())
        .expect(201)
        .then((r) => r.body.meetingId as string);
    const fromA = await Promise.all(Array.from({ length: 100 }, () => create(a)));
    const fromB = await Promise.all(Array.from({ length: 100 }, () => create(b)));
    expect(new Set([...fromA, ...fromB]).size).toBe(200);
    for (const id of fromA) await request(b).post(`/validate-meeting/${id}`).set('Authorization', auth()).expect(200);
    for (const id of fromB) await request(a).post(`/validate-meeting/${id}`).set('Authorization', auth()).expect(200);
  });
});

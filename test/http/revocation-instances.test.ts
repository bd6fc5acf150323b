/**
 * Revocation rules across two instances sharing one store, each with its own store connection and
 * its own in-memory rules kept current as the server keeps them (RevocationRules.start): a rule
 * added on A is enforced on B within 1 s (measured), lifting it on B frees A, and the stored rows
 * are what both see. PostgreSQL spreads rules with LISTEN/NOTIFY, SQLite with data_version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { buildConferenceToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { openPostgresStore } from '../../src/meetings/postgres.js';
import { openSqliteStore } from '../../src/meetings/sqlite.js';
import type { MeetingStore } from '../../src/meetings/store.js';
import { createLogger } from '../../src/logger.js';
import { RevocationRules } from '../../src/revocation/rules.js';
import { CREDENTIALS, testApp } from '../fixtures.js';
import { isolatedSchema, PG_SKIP_NOTE, TEST_DATABASE_URL } from '../pg.js';

const ADMIN = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;
const logger = createLogger('silent');
const videosdk = (participantId: string) =>
  buildVideoSdkToken({ participantId, roles: ['crawler'] }, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) }).token;
const conference = (userId: string) =>
  buildConferenceToken({ userId, roomId: 'room1', role: 'admin' }, { key: CREDENTIALS.MASTER_KEY, secret: secretKey(CREDENTIALS.MASTER_SECRET) }).token;

/** An instance as the server runs one: its own store object, its rules loaded and following the store. */
async function instance(store: MeetingStore) {
  const revocations = new RevocationRules(store, logger, () => new Date());
  await revocations.start();
  return { store, revocations, app: testApp({}, { store, revocations, clock: () => new Date() }) };
}
type Instance = Awaited<ReturnType<typeof instance>>;

/** Milliseconds until `check` holds, polling every 10 ms; fails after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function twoInstances(name: string, open: () => Promise<{ open: () => Promise<MeetingStore>; cleanup: () => Promise<void> }>, skip = false) {
  describe.skipIf(skip)(`revocation rules across two instances on one ${name}${skip ? PG_SKIP_NOTE : ''}`, () => {
    let a: Instance;
    let b: Instance;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const backing = await open();
      cleanup = backing.cleanup;
      [a, b] = await Promise.all([instance(await backing.open()), instance(await backing.open())]);
    });
    afterAll(async () => {
      for (const i of [a, b]) {
        i?.revocations.stop();
        await i?.store.close();
      }
      await cleanup?.();
    });

    const mints = async (i: Instance, user: string) => (await request(i.app).get(`/conference-token?userId=${user}&roomId=room1&role=publisher`)).status;

    it('when a subject rule is added on A, then B refuses to mint for the user within 1 s, and lifting it on B frees A within 1 s', async () => {
      expect(await mints(b, 'alice')).toBe(200);
      const { id } = (await request(a.app).post('/revoke').set('Authorization', ADMIN).send({ subject: 'alice' }).expect(201)).body as { id: string };
      expect(await mints(a, 'alice')).toBe(403);
      const spread = await within(1000, async () => (await mints(b, 'alice')) === 403);
      console.info(`${name}: a rule added on A was enforced on B after ${spread} ms`);
      expect(await mints(b, 'bob')).toBe(200);
      await request(b.app).delete(`/revocations/${id}`).set('Authorization', ADMIN).expect(204);
      const lifted = await within(1000, async () => (await mints(a, 'alice')) === 200);
      console.info(`${name}: a rule lifted on B was lifted on A after ${lifted} ms`);
    });

    it('when a room rule is added on B, then A refuses VideoSDK tokens for that room on the meeting routes within 1 s', async () => {
      const token = buildVideoSdkToken(
        { roomId: 'room-9', roles: ['crawler'] },
        { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) },
      ).token;
      await request(a.app).post('/create-meeting').set('Authorization', token).expect(201);
      await request(b.app).post('/revoke').set('Authorization', ADMIN).send({ room: 'room-9' }).expect(201);
      await within(1000, async () => (await request(a.app).post('/create-meeting').set('Authorization', token)).status === 401);
      await request(a.app).post('/create-meeting').set('Authorization', videosdk('carol')).expect(201);
    });

    it('when a token is revoked by jti on B, then A introspects it inactive within 1 s while another stays active', async () => {
      const [token, other] = [conference('dave'), conference('dave')];
      await request(b.app)
        .post('/revoke')
        .set('Authorization', ADMIN)
        .send({ jti: (jwt.decode(token) as jwt.JwtPayload).jti })
        .expect(201);
      const introspect = async (t: string) =>
        ((await request(a.app).post('/introspect').set('Authorization', ADMIN).send({ token: t })).body as { active: boolean }).active;
      await within(1000, async () => !(await introspect(token)));
      expect(await introspect(other)).toBe(true);
    });

    it('when both add rules at once, then both lists hold every rule, and the store holds them once each', async () => {
      await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          request((n % 2 ? a : b).app)
            .post('/revoke')
            .set('Authorization', ADMIN)
            .send({ subject: `burst-${n}` })
            .expect(201),
        ),
      );
      const burst = async (i: Instance) =>
        ((await request(i.app).get('/revocations').set('Authorization', ADMIN)).body as { revocations: { value: string }[] }).revocations
          .map((r) => r.value)
          .filter((v) => v.startsWith('burst-')).length;
      await within(1000, async () => (await burst(a)) === 10 && (await burst(b)) === 10);
      expect((await a.store.rules(new Date())).filter((r) => r.value.startsWith('burst-'))).toHaveLength(10);
    });
  });
}

twoInstances(
  'PostgreSQL database',
  async () => {
    const schema = await isolatedSchema();
    return { open: () => openPostgresStore(schema.url, logger), cleanup: () => schema.drop() };
  },
  !TEST_DATABASE_URL,
);

twoInstances('SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rts-rules-'));
  const file = join(dir, 'meetings.db');
  return { open: async () => openSqliteStore(file), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

/**
 * Key rotation: a deployment moves VIDEOSDK_SECRET / MASTER_SECRET to a new value and keeps the
 * old one as *_PREVIOUS until the tokens it signed have expired; then drops it.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { buildConferenceToken, buildVideoSdkToken, secretKey } from '../../src/index.js';
import { keyId } from '../../src/tokens/jwt.js';
import { CREDENTIALS, NOW, NOW_S, testApp, verifyAt } from '../fixtures.js';

const ADMIN = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;
const VSDK_OLD = 'videosdk-old-secret-0123456789abcdef';
const VSDK_NEW = 'videosdk-new-secret-0123456789abcdef';
const MASTER_OLD = 'master-old-secret-0123456789abcdef0123456789';
const MASTER_NEW = 'master-new-secret-0123456789abcdef0123456789';

/** During rotation: the new secrets sign, the old ones still verify. */
const rotating = () =>
  testApp({ VIDEOSDK_SECRET: VSDK_NEW, VIDEOSDK_SECRET_PREVIOUS: VSDK_OLD, MASTER_SECRET: MASTER_NEW, MASTER_SECRET_PREVIOUS: MASTER_OLD });
/** After rotation: the old secrets are gone. */
const rotated = () => testApp({ VIDEOSDK_SECRET: VSDK_NEW, MASTER_SECRET: MASTER_NEW });

const oldVideoSdk = () => buildVideoSdkToken({ roles: ['crawler'] }, { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(VSDK_OLD) }, { now: NOW }).token;
const oldConference = () =>
  buildConferenceToken({ userId: 'alice', roomId: 'room1', role: 'admin' }, { key: CREDENTIALS.MASTER_KEY, secret: secretKey(MASTER_OLD) }, { now: NOW }).token;
const introspect = (app: ReturnType<typeof testApp>, token: string) => request(app).post('/introspect').set('Authorization', ADMIN).send({ token }).expect(200);

describe('VideoSDK key rotation', () => {
  it('when VIDEOSDK_SECRET_PREVIOUS holds the old secret, then a token it signed creates a meeting and introspects active', async () => {
    const app = rotating();
    const token = oldVideoSdk();
    const created = await request(app).post('/create-meeting').set('Authorization', `Bearer ${token}`).expect(201);
    await request(app).post(`/validate-meeting/${created.body.meetingId}`).set('Authorization', token).expect(200);
    expect((await introspect(app, token)).body).toMatchObject({ active: true, token_type: 'videosdk', jti: (jwt.decode(token) as jwt.JwtPayload).jti });
  });

  it('when the previous secret is removed, then the same token is refused and introspects inactive', async () => {
    const app = rotated();
    const token = oldVideoSdk();
    const res = await request(app).post('/create-meeting').set('Authorization', `Bearer ${token}`).expect(401);
    expect(res.body.detail).toBe('the token is not a valid VideoSDK token from this server');
    expect((await introspect(app, token)).body).toEqual({ active: false });
  });

  it('when a token is issued during rotation, then the new secret signs it and its kid names the new key', async () => {
    const res = await request(rotating()).get('/get-token').expect(200);
    expect(verifyAt(res.body.token, VSDK_NEW).apikey).toBe(CREDENTIALS.VIDEOSDK_API_KEY);
    expect(() => verifyAt(res.body.token, VSDK_OLD)).toThrow();
    expect(jwt.decode(res.body.token, { complete: true })!.header.kid).toBe(keyId(secretKey(VSDK_NEW)));
    await request(rotated()).post('/create-meeting').set('Authorization', res.body.token).expect(201);
  });

  it('when a token signed with the old secret carries no kid (issued before kids), then rotation still accepts it', async () => {
    const legacy = jwt.sign({ apikey: CREDENTIALS.VIDEOSDK_API_KEY, permissions: ['allow_join'], version: 2, iat: NOW_S, exp: NOW_S + 600 }, VSDK_OLD, {
      algorithm: 'HS256',
    });
    await request(rotating()).post('/create-meeting').set('Authorization', legacy).expect(201);
    await request(rotated()).post('/create-meeting').set('Authorization', legacy).expect(401);
  });
});

describe('native key rotation', () => {
  it('when MASTER_SECRET_PREVIOUS holds the old secret, then a conference token it signed introspects active', async () => {
    const token = oldConference();
    expect((await introspect(rotating(), token)).body).toEqual({ active: true, token_type: 'conference', ...(jwt.decode(token) as jwt.JwtPayload) });
  });

  it('when the previous secret is removed, then the same token introspects inactive', async () => {
    expect((await introspect(rotated(), oldConference())).body).toEqual({ active: false });
  });

  it('when a token is issued during rotation, then the new master secret signs it with its kid', async () => {
    const res = await request(rotating()).get('/conference-token').query({ userId: 'u', roomId: 'r', role: 'admin' }).expect(200);
    expect(verifyAt(res.body.token, MASTER_NEW).iss).toBe(CREDENTIALS.MASTER_KEY);
    expect(jwt.decode(res.body.token, { complete: true })!.header.kid).toBe(keyId(secretKey(MASTER_NEW)));
  });

  it('when a token signed with the old secret is revoked during rotation, then it is stored and turns inactive', async () => {
    const app = rotating();
    const token = oldConference();
    await request(app).post('/revoke').set('Authorization', ADMIN).send({ token }).expect(201);
    expect((await introspect(app, token)).body).toEqual({ active: false });
  });
});

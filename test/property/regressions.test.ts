/**
 * Examples the property tests found, each pinned as a plain test: before the fix each of these was
 * a 500, a token for a value the client never sent, or a 400 that named nothing.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createHmac } from 'node:crypto';
import { BUILDER_CREDENTIALS, CREDENTIALS, NOW, expectInvalid, testApp } from '../fixtures.js';
import { parseAgora } from '../agora.js';
import { InvalidTokenError, buildVideoSdkToken, verifyNativeToken, verifyVideoSdkToken } from '../../src/index.js';
import { serve, type Served } from './harness.js';

const app = testApp();
const ADMIN = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;
const crawler = buildVideoSdkToken({ roles: ['crawler'] }, BUILDER_CREDENTIALS.videosdk, { now: NOW }).token;

/** A JWT whose header says typ JWT and whose payload is not JSON, correctly signed with `secret`. */
function notJsonPayload(secret: string): string {
  const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('not json').toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('query values whose percent-escapes are not UTF-8', () => {
  it.each([
    ['/conference-token?userId=%ED%A0%80&roomId=r&role=admin', 'userId', 'userId must be valid Unicode text'],
    ['/chat-token?userId=alice&channelId=%E9', 'channelId', 'channelId must be valid Unicode text'],
    ['/access_token?channelName=room&uid=%C3', 'uid', 'uid must be valid Unicode text'],
    ['/rtm_token?uid=a%F4%90%80%80', 'uid', 'uid must be valid Unicode text'],
  ])('when %s is asked, then 400 names %s instead of a token for U+FFFD', async (path, field, message) => {
    expectInvalid(await request(app).get(path), field, message);
  });

  it('when escapes are valid UTF-8 or a % stands alone, then they are read as before', async () => {
    const res = await request(app).get('/access_token?channelName=100%&uid=%C3%A9l%C3%A8ve').expect(200);
    const { service } = parseAgora(res.body.token);
    expect([String(service.__channel_name), service.__uid.toString('utf8')]).toEqual(['100%', 'élève']);
  });
});

describe('POST bodies', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(app);
  });
  afterAll(() => served.close());
  const post = (path: string, headers: Record<string, string>, body: Buffer) =>
    served.send({ method: 'POST', path, headers: { Authorization: ADMIN, 'Content-Type': 'application/json', ...headers }, body });

  it('when a JSON body holds bytes that are not UTF-8, then 400 malformed-json instead of revoking a U+FFFD jti', async () => {
    const res = await post('/revoke', {}, Buffer.concat([Buffer.from('{"jti":"a'), Buffer.from([0xff]), Buffer.from('"}')]));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'urn:rtc-token-server:problem:malformed-json',
      title: 'Malformed JSON body',
      status: 400,
      detail: 'the request body is not valid JSON: it is not UTF-8',
    });
  });

  it("when a gzip body does not decompress, then 400 malformed-json from the catalogue, not about:blank with zlib's message", async () => {
    const res = await post('/hms/management-token', { 'Content-Encoding': 'gzip' }, Buffer.from('not gzip at all'));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      type: 'urn:rtc-token-server:problem:malformed-json',
      title: 'Malformed JSON body',
      status: 400,
      detail: 'the request body does not decompress as its Content-Encoding says',
    });
  });

  it('when a gzip body decompresses, then it is read as JSON', async () => {
    const res = await post('/hms/management-token', { 'Content-Encoding': 'gzip' }, gzipSync('{"expiresIn":60}'));
    expect(res.status).toBe(200);
    expect(res.body.expiresAt).toBe('2026-11-23T17:01:00.000Z');
  });
});

describe('a meeting id whose escapes do not decode', () => {
  it.each(['%E0%A4%A', '%ED%A0%80', 'abcd-efgh-ijk%', '%zz'])('when /validate-meeting/%s is asked, then 400 names meetingId', async (id) => {
    const res = await request(app).post(`/validate-meeting/${id}`).set('Authorization', crawler);
    expectInvalid(res, 'meetingId', 'meetingId must look like abcd-efgh-ijkl: three groups of four lowercase letters or digits');
  });
});

describe('a signed JWT whose header says typ JWT and whose payload is not JSON', () => {
  it('when it authorizes /create-meeting, then 401, not 500', async () => {
    const res = await request(app)
      .post('/create-meeting')
      .set('Authorization', `Bearer ${notJsonPayload(CREDENTIALS.VIDEOSDK_SECRET)}`)
      .expect(401);
    expect(res.body.detail).toBe('the token is not a valid VideoSDK token from this server');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server", error="invalid_token"');
  });

  it('when it is introspected, then it is inactive; when it is revoked, then 400 names token', async () => {
    const token = notJsonPayload(CREDENTIALS.MASTER_SECRET);
    expect((await request(app).post('/introspect').set('Authorization', ADMIN).send({ token }).expect(200)).body).toEqual({ active: false });
    expectInvalid(await request(app).post('/revoke').set('Authorization', ADMIN).send({ token }), 'token', 'token is not a valid token from this server');
  });

  it('when the library verifies it, then InvalidTokenError, not SyntaxError', () => {
    expect(() => verifyNativeToken(notJsonPayload(CREDENTIALS.MASTER_SECRET), BUILDER_CREDENTIALS.native)).toThrow(InvalidTokenError);
    expect(() => verifyVideoSdkToken(notJsonPayload(CREDENTIALS.VIDEOSDK_SECRET), BUILDER_CREDENTIALS.videosdk)).toThrow(InvalidTokenError);
  });
});

describe('a token of ours whose exp no Date can hold', () => {
  /** Signed with our VideoSDK secret, so only a holder of that secret could send it. */
  function signedPayload(payloadJson: string): string {
    const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(payloadJson).toString('base64url')}`;
    return `${input}.${createHmac('sha256', CREDENTIALS.VIDEOSDK_SECRET).update(input).digest('base64url')}`;
  }

  it('when it is revoked, then a rule on its jti is stored with the default end, not a 500 for an invalid date', async () => {
    const token = signedPayload(`{"apikey":"${CREDENTIALS.VIDEOSDK_API_KEY}","jti":"far-future-exp","iat":${Math.floor(NOW.getTime() / 1000)},"exp":1e309}`);
    const res = await request(app).post('/revoke').set('Authorization', ADMIN).send({ token }).expect(201);
    expect(res.body).toMatchObject({ kind: 'jti', value: 'far-future-exp', until: new Date(NOW.getTime() + (86400 + 30) * 1000).toISOString() });
  });

  it('when it is inspected, then its claims are shown and nothing fails on the exp', async () => {
    const token = signedPayload(`{"apikey":"${CREDENTIALS.VIDEOSDK_API_KEY}","jti":"far-future-exp","iat":${Math.floor(NOW.getTime() / 1000)},"exp":1e309}`);
    const res = await request(app).post('/inspect').set('Authorization', ADMIN).send({ token }).expect(200);
    expect(res.body).toMatchObject({ kind: 'videosdk', signature: 'valid', claims: { jti: 'far-future-exp' } });
  });
});

describe('JSON bodies in a charset other than UTF-8', () => {
  it.each(['utf-16', 'utf-16le', 'utf-32', 'utf-7'])('when a body declares charset=%s, then 415 instead of decoding it', async (charset) => {
    const res = await request(app)
      .post('/revoke')
      .set('Authorization', ADMIN)
      .set('Content-Type', `application/json; charset=${charset}`)
      .send(Buffer.from('{"jti":"abc"}'));
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('urn:rtc-token-server:problem:unsupported-media-type');
  });

  it('when a request declares charset=ascii but carries no body, then there is nothing to decode and the defaults apply', async () => {
    const res = await request(app)
      .post('/hms/management-token')
      .set('Authorization', ADMIN)
      .set('Content-Type', 'application/json; charset=ascii')
      .set('Content-Length', '0');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.any(String), expiresAt: expect.any(String) });
  });
});

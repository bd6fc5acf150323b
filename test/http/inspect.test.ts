/**
 * The token doctor (POST /inspect), fed tokens built independently of the service: Agora's with
 * agora-token's own builders, the JWTs with jsonwebtoken. Each problem code, each kind, the
 * signature verdicts, and no secret in any answer.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import jwt from 'jsonwebtoken';
import { ChatTokenBuilder, RtcRole, RtcTokenBuilder, RtmTokenBuilder } from 'agora-token';
import { CREDENTIALS, testApp } from '../fixtures.js';

const ADMIN = `Bearer ${CREDENTIALS.ADMIN_API_KEY}`;
const APP_ID = CREDENTIALS.AGORA_APP_ID;
const CERT = CREDENTIALS.AGORA_APP_CERTIFICATE;
const OTHER_HEX = '0123456789abcdef0123456789abcdef';
const PREVIOUS_VIDEOSDK = 'a-previous-videosdk-secret-0123456789abcdef';

/** agora-token's builders read the real clock: the server inspects on the real clock too, offset by `offsetS`. */
function inspector(offsetS = 0, env: Record<string, string | undefined> = {}) {
  const app = testApp({ VIDEOSDK_SECRET_PREVIOUS: PREVIOUS_VIDEOSDK, ...env }, { clock: () => new Date(Date.now() + offsetS * 1000) });
  return (token: unknown) => request(app).post('/inspect').set('Authorization', ADMIN).send({ token });
}
const codes = (body: { problems: { code: string }[] }) => body.problems.map((p) => p.code);
const nowS = () => Math.floor(Date.now() / 1000);
const rtc = (uid: number, expire = 3600, privilege = expire, cert: string = CERT, appId: string = APP_ID) =>
  RtcTokenBuilder.buildTokenWithUid(appId, cert, 'room-1', uid, RtcRole.PUBLISHER, expire, privilege);

const sign = (payload: object, secret: string) => jwt.sign(payload, secret, { algorithm: 'HS256' });
const life = () => ({ iat: nowS(), exp: nowS() + 600 });
const videosdk = (secret: string = CREDENTIALS.VIDEOSDK_SECRET, apikey: string = CREDENTIALS.VIDEOSDK_API_KEY) =>
  sign({ apikey, permissions: ['allow_join'], version: 2, jti: 'j-1', participantId: 'alice', ...life() }, secret);

describe('POST /inspect: Agora tokens (built with agora-token)', () => {
  it('when an RTC token of this server is sent, then agora-rtc, valid, signature valid, with every decoded field', async () => {
    const res = await inspector()(rtc(42));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'agora-rtc', valid: true, signature: 'valid', problems: [] });
    expect(res.body.claims).toMatchObject({ appId: APP_ID, expiresIn: 3600, salt: expect.any(Number) });
    expect(Date.parse(res.body.claims.expiresAt) - Date.parse(res.body.claims.issuedAt)).toBe(3_600_000);
    expect(res.body.claims.services).toEqual([
      {
        service: 'rtc',
        channel: 'room-1',
        uid: '42',
        privileges: Object.fromEntries(
          ['joinChannel', 'publishAudioStream', 'publishVideoStream', 'publishDataStream'].map((p) => [
            p,
            { expiresIn: 3600, expiresAt: res.body.claims.expiresAt },
          ]),
        ),
      },
    ]);
  });

  it.each([
    ['an RTM token', () => RtmTokenBuilder.buildToken(APP_ID, CERT, 'alice', 600), 'agora-rtm'],
    [
      'an RTC+RTM token (buildTokenWithRtm)',
      () => RtcTokenBuilder.buildTokenWithRtm(APP_ID, CERT, 'room-1', 'alice', RtcRole.PUBLISHER, 600, 600),
      'agora-rte',
    ],
    ['a Chat user token', () => ChatTokenBuilder.buildUserToken(APP_ID, CERT, 'alice', 600), 'agora-chat'],
  ])('when %s is sent, then its kind is %s and it is valid', async (_label, make, kind) => {
    expect((await inspector()(make())).body).toMatchObject({ kind, valid: true, signature: 'valid', problems: [] });
  });

  it('when it was signed with another app certificate, then signature invalid and the problem says so', async () => {
    const { body } = await inspector()(rtc(42, 3600, 3600, OTHER_HEX));
    expect(body).toMatchObject({ kind: 'agora-rtc', valid: false, signature: 'invalid' });
    expect(body.problems).toEqual([
      {
        code: 'signature-invalid',
        message: "signed with a different app certificate than this server's: the minting server has another AGORA_APP_CERTIFICATE for this App ID",
      },
    ]);
  });

  it('when it was made for another App ID, then foreign-credentials naming both ids, and the signature is not checked', async () => {
    const { body } = await inspector()(rtc(42, 3600, 3600, CERT, OTHER_HEX));
    expect(body).toMatchObject({ valid: false, signature: 'unverifiable' });
    expect(codes(body)).toEqual(['foreign-credentials']);
    expect(body.problems[0].message).toContain(OTHER_HEX);
  });

  it('when it has expired, then expired with how long ago, and the signature is still valid', async () => {
    const { body } = await inspector(7200)(rtc(42, 3600));
    expect(body).toMatchObject({ valid: false, signature: 'valid' });
    expect(codes(body)).toEqual(['expired']);
    expect(body.problems[0].message).toMatch(/^expired 360\d s ago, at .*: ask for a new token$/);
  });

  it("when the minting server's clock is ahead, then not-yet-valid saying for how long", async () => {
    const { body } = await inspector(-42)(rtc(42));
    expect(codes(body)).toEqual(['not-yet-valid']);
    expect(body.problems[0].message).toMatch(/^not valid for another 4[123] s: the minting server's clock is ahead/);
  });

  it('when uid is 0, then wildcard-uid in plain words', async () => {
    const { body } = await inspector()(rtc(0));
    expect(body.problems).toEqual([{ code: 'wildcard-uid', message: 'uid 0 is the wildcard: any user can join with this token, as any uid' }]);
  });

  it('when a privilege ends before the token, then privilege-expires-early for each such privilege', async () => {
    const { body } = await inspector()(rtc(42, 3600, 600));
    expect(codes(body)).toEqual(Array(4).fill('privilege-expires-early'));
    expect(body.problems[0].message).toBe(
      'the rtc privilege joinChannel ends after 600 s, before the token (3600 s): the SDK loses that right while the token still looks valid',
    );
  });

  it("when it lives longer than Agora's 24 h, then lifetime-over-provider-max", async () => {
    expect(codes((await inspector()(rtc(42, 172_800))).body)).toEqual(['lifetime-over-provider-max']);
  });

  it('when this server has no Agora credentials, then unverifiable with foreign-credentials', async () => {
    const { body } = await inspector(0, { AGORA_APP_ID: undefined, AGORA_APP_CERTIFICATE: undefined })(rtc(42));
    expect(body).toMatchObject({ signature: 'unverifiable', valid: false });
    expect(codes(body)).toEqual(['foreign-credentials']);
  });

  it('when the user or channel is revoked, then revoked', async () => {
    const app = testApp({}, { clock: () => new Date() });
    await request(app).post('/revoke').set('Authorization', ADMIN).send({ room: 'room-1' }).expect(201);
    const { body } = await request(app)
      .post('/inspect')
      .set('Authorization', ADMIN)
      .send({ token: rtc(42) });
    expect(codes(body)).toEqual(['revoked']);
    expect(body.signature).toBe('valid');
  });
});

describe('POST /inspect: JWTs (built with jsonwebtoken)', () => {
  it.each([
    ['a VideoSDK token', () => videosdk(), 'videosdk'],
    [
      'a 100ms app token',
      () =>
        sign(
          { access_key: CREDENTIALS.HMS_APP_ACCESS_KEY, room_id: 'r', user_id: 'u', role: 'host', type: 'app', version: 2, jti: 'j', ...life() },
          CREDENTIALS.HMS_APP_SECRET,
        ),
      'hms-app',
    ],
    [
      'a 100ms management token',
      () => sign({ access_key: CREDENTIALS.HMS_APP_ACCESS_KEY, type: 'management', version: 2, jti: 'j', ...life() }, CREDENTIALS.HMS_APP_SECRET),
      'hms-management',
    ],
    [
      'a native conference token',
      () => sign({ iss: CREDENTIALS.MASTER_KEY, sub: 'alice', type: 'conference', room: 'r', role: 'publisher', ...life() }, CREDENTIALS.MASTER_SECRET),
      'native-conference',
    ],
    [
      'a native chat token',
      () => sign({ iss: CREDENTIALS.MASTER_KEY, sub: 'alice', type: 'chat', channel: 'c', ...life() }, CREDENTIALS.MASTER_SECRET),
      'native-chat',
    ],
  ])('when %s of this server is sent, then its kind is %s, valid, with its claims', async (_label, make, kind) => {
    const token = make();
    const { body } = await inspector()(token);
    expect(body).toEqual({ kind, valid: true, signature: 'valid', claims: jwt.decode(token), problems: [] });
  });

  it('when a VideoSDK token was signed with the previous secret, then valid-previous and still valid', async () => {
    expect((await inspector()(videosdk(PREVIOUS_VIDEOSDK))).body).toMatchObject({ signature: 'valid-previous', valid: true });
  });

  it("when it carries this server's key but another secret signed it, then signature-invalid", async () => {
    const { body } = await inspector()(videosdk('some-other-secret-0123456789abcdef0123'));
    expect(body).toMatchObject({ kind: 'videosdk', signature: 'invalid', valid: false });
    expect(codes(body)).toEqual(['signature-invalid']);
  });

  it('when it was issued for another API key, then foreign-credentials', async () => {
    const { body } = await inspector()(videosdk('x'.repeat(40), 'another-api-key'));
    expect(body).toMatchObject({ signature: 'unverifiable', valid: false });
    expect(codes(body)).toEqual(['foreign-credentials']);
  });

  it('when nbf is in the future, then not-yet-valid; when exp has passed, then expired (signature still valid)', async () => {
    const future = sign(
      { iss: CREDENTIALS.MASTER_KEY, sub: 'a', type: 'chat', channel: 'c', iat: nowS(), nbf: nowS() + 120, exp: nowS() + 600 },
      CREDENTIALS.MASTER_SECRET,
    );
    const { body } = await inspector()(future);
    expect(codes(body)).toEqual(['not-yet-valid']);
    expect(body.problems[0].message).toMatch(/^not valid for another 1[12]\d s/);
    const { body: old } = await inspector(3600)(videosdk());
    expect(old).toMatchObject({ signature: 'valid', valid: false });
    expect(codes(old)).toEqual(['expired']);
  });

  it('when it is a JWT of nobody this server mints for, then kind jwt, unverifiable, foreign-credentials', async () => {
    const { body } = await inspector()(sign({ hello: 'world' }, 'whatever-secret'));
    expect(body).toMatchObject({ kind: 'jwt', signature: 'unverifiable', valid: false, claims: { hello: 'world' } });
    expect(codes(body)).toEqual(['foreign-credentials']);
  });
});

describe('POST /inspect: garbage and the answer itself', () => {
  it.each([
    ['text', 'not a token at all'],
    ['a cut Agora token', '007eJxTYBBb'],
    ['three parts that are not JSON', 'abc.def.ghi'],
  ])('when it is %s, then unknown and malformed, still a 200', async (_label, token) => {
    const { status, body } = await inspector()(token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'unknown', valid: false, signature: 'unverifiable', claims: {} });
    expect(codes(body)).toEqual(['malformed']);
  });

  it('when no token is sent, then 400 names it', async () => {
    const res = await inspector()(undefined);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'token', message: 'token is required' }]);
  });

  it('when any kind is inspected, then no secret of the server appears in the answer', async () => {
    const inspect = inspector();
    const secrets = [CERT, CREDENTIALS.VIDEOSDK_SECRET, CREDENTIALS.HMS_APP_SECRET, CREDENTIALS.MASTER_SECRET, PREVIOUS_VIDEOSDK, CREDENTIALS.ADMIN_API_KEY];
    for (const token of [rtc(42), rtc(42, 3600, 3600, OTHER_HEX), videosdk(), 'garbage']) {
      const text = JSON.stringify((await inspect(token)).body);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});

/**
 * Drop-in for Agora's community token servers: the requests their READMEs document (the Go
 * agora-token-service and the Node token server tutorial), replayed against this service, and the
 * answers their frontends read, checked with Agora's own parser. Same rules as every token route.
 */
import request from 'supertest';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseAgora } from '../agora.js';
import { expectInvalid, expectProblem, NOW_S, testApp } from '../fixtures.js';

const app = testApp();

describe('GET /ping', () => {
  it('when pinged, then pong', async () => {
    await request(app).get('/ping').expect(200, { message: 'pong' });
  });
});

describe('GET /rtc/:channelName/:role/:tokentype/:uid', () => {
  it('when a publisher uid token is asked with ?expiry=, then { rtcToken } with join and publish privileges for that long', async () => {
    const res = await request(app).get('/rtc/test/publisher/uid/1/?expiry=600').expect(200);
    expect(Object.keys(res.body)).toEqual(['rtcToken']);
    expect(res.headers['cache-control']).toBe('no-store');
    const { parsed, service } = parseAgora(res.body.rtcToken);
    expect([parsed.issueTs, parsed.expire, String(service.__channel_name), String(service.__uid)]).toEqual([NOW_S, 600, 'test', '1']);
    expect(service.__privileges).toEqual({ 1: 600, 2: 600, 3: 600, 4: 600 });
  });

  it('when an audience userAccount token is asked, then a subscriber token for the account, for the default lifetime', async () => {
    const { parsed, service } = parseAgora((await request(app).get('/rtc/test/audience/userAccount/alice').expect(200)).body.rtcToken);
    expect([parsed.expire, String(service.__uid), service.__privileges]).toEqual([3600, 'alice', { 1: 3600 }]);
  });

  it('when tokentype=uid has a uid that is not a number, then 400 names uid (never silently an account token)', async () => {
    expectInvalid(await request(app).get('/rtc/test/publisher/uid/alice'), 'uid', 'uid must be a whole number when tokentype is uid');
  });

  it.each([
    ['/rtc/test/host/uid/1', 'role', 'role must be one of: publisher, subscriber, audience'],
    ['/rtc/test/publisher/account/1', 'tokentype', 'tokentype must be one of: uid, userAccount'],
    ['/rtc/test/publisher/uid/1?expiry=0', 'expiry', 'expiry must be a whole number from 1 to 86400'],
    ['/rtc/test/publisher/uid/4294967296', 'uid', 'uid must be a whole number from 0 to 4294967295, or a user account'],
    [
      '/rtc/bad%2Fname/publisher/uid/1',
      'channelName',
      'channelName may only contain letters, digits, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,',
    ],
  ])('when %s is asked, then 400 names %s', async (path, field, message) => {
    expectInvalid(await request(app).get(path), field, message);
  });
});

describe('GET /rtm/:uid and /rte/...', () => {
  it('when an RTM token is asked, then { rtmToken } with the login privilege', async () => {
    const { service } = parseAgora((await request(app).get('/rtm/alice?expireTime=120').expect(200)).body.rtmToken);
    expect([String(service.__user_id), service.__privileges]).toEqual(['alice', { 1: 120 }]);
  });

  it('when RTE is asked, then { rtcToken, rtmToken } for the same user', async () => {
    const res = await request(app).get('/rte/test/subscriber/uid/42').expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['rtcToken', 'rtmToken']);
    expect(String(parseAgora(res.body.rtcToken).service.__uid)).toBe('42');
    expect(String(parseAgora(res.body.rtmToken).service.__user_id)).toBe('42');
  });
});

describe('POST /getToken', () => {
  const post = (body: unknown) =>
    request(app)
      .post('/getToken')
      .set('Content-Type', 'application/json')
      .send(body as object);

  it('when an rtc token is asked with numbers for uid and expire, then the bare token as text/plain', async () => {
    const res = await post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 42, expire: 600 }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const { parsed, service } = parseAgora(res.text);
    expect([parsed.expire, String(service.__channel_name), String(service.__uid)]).toEqual([600, 'test', '42']);
  });

  it('when rtm and chat tokens are asked, then an RTM login and a Chat user token for the uid', async () => {
    expect(String(parseAgora((await post({ tokenType: 'rtm', uid: 'alice' }).expect(200)).text).service.__user_id)).toBe('alice');
    const chat = parseAgora((await post({ tokenType: 'chat', uid: 'alice' }).expect(200)).text).service;
    expect([chat.__type, String(chat.__user_id)]).toEqual([5, 'alice']);
  });

  it('when a field is missing or wrong, then 400 problem+json names the body field', async () => {
    expectInvalid(await post({ tokenType: 'rtc', uid: 1 }), 'channel', 'channel is required');
    expectInvalid(await post({ tokenType: 'video' }), 'tokenType', 'tokenType must be one of: rtc, rtm, chat');
    expectInvalid(await post({ tokenType: 'rtm', uid: 'alice', expire: 0 }), 'expire', 'expire must be a whole number from 1 to 86400');
    expectInvalid(await post({}), 'tokenType', 'tokenType is required');
  });
});

describe('the community routes under CLIENT_AUTH', () => {
  const secret = 'client-jwt-secret-for-community-tests-0';
  const jwtApp = testApp({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: secret });
  const bearer = async (sub: string) =>
    `Bearer ${await new SignJWT({ sub, exp: NOW_S + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret))}`;

  it('when no caller token is sent, then 401; when the uid is not the caller, then 403; the caller gets its own', async () => {
    expect((await request(jwtApp).get('/rtc/test/publisher/uid/42')).status).toBe(401);
    expectProblem(
      await request(jwtApp)
        .get('/rtc/test/publisher/uid/42')
        .set('Authorization', await bearer('7')),
      403,
      'forbidden',
      "uid must be your own identity (the token's sub) or omitted",
    );
    await request(jwtApp)
      .get('/rtc/test/publisher/uid/7')
      .set('Authorization', await bearer('7'))
      .expect(200);
    expect(
      (
        await request(jwtApp)
          .post('/getToken')
          .send({ tokenType: 'rtm', uid: 'bob' })
          .set('Authorization', await bearer('alice'))
      ).status,
    ).toBe(403);
  });
});

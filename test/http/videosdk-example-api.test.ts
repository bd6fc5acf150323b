/**
 * Drop-in for VideoSDK's example API servers, which VideoSDK's docs point frontends to: the token
 * travels in the JSON body, an optional region comes with it, and the answers carry `roomId`. The
 * requests are the ones those servers document: get a token, create a meeting with
 * `{ token, region }`, validate it with `{ token }`.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { expectInvalid, expectProblem, NOW, testApp } from '../fixtures.js';

const app = testApp();
const json = { 'Content-Type': 'application/json' };

async function crawlerToken(): Promise<string> {
  return (await request(app).get('/get-token?roles=crawler').expect(200)).body.token as string;
}

describe("VideoSDK's example API shapes", () => {
  it('when the token and a region come in the JSON body, then the meeting is created and validates, with roomId in both answers', async () => {
    const token = await crawlerToken();
    const created = await request(app).post('/create-meeting').set(json).send({ token, region: 'sg001' }).expect(201);
    expect(created.body).toEqual({
      meetingId: expect.stringMatching(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/),
      roomId: created.body.meetingId,
      createdAt: NOW.toISOString(),
    });
    const validated = await request(app).post(`/validate-meeting/${created.body.roomId}`).set(json).send({ token }).expect(200);
    expect(validated.body).toEqual({ meetingId: created.body.meetingId, roomId: created.body.meetingId, valid: true, createdAt: NOW.toISOString() });
  });

  it('when a region is not 1-32 of a-z, 0-9 and -, then 400 names region', async () => {
    const token = await crawlerToken();
    expectInvalid(
      await request(app).post('/create-meeting').set(json).send({ token, region: 'Singapore 1' }),
      'region',
      'region may only contain a-z, 0-9 and -',
    );
    expectInvalid(
      await request(app)
        .post('/create-meeting')
        .set('Authorization', token)
        .set(json)
        .send({ region: 'x'.repeat(33) }),
      'region',
      'region must be at most 32 bytes',
    );
  });

  it('when the body token is not a token of this server, then 401; when it is not text, then 400 names token', async () => {
    const res = await request(app).post('/create-meeting').set(json).send({ token: 'not.a.token' });
    expectProblem(res, 401, 'unauthorized', 'the token is not a valid VideoSDK token from this server');
    expectInvalid(await request(app).post('/create-meeting').set(json).send({ token: 42 }), 'token', 'token must be a string');
  });

  it('when an Authorization header is sent, then it decides, whatever token the body carries', async () => {
    const token = await crawlerToken();
    await request(app).post('/create-meeting').set('Authorization', `Bearer ${token}`).set(json).send({ token: 'not.a.token' }).expect(201);
    const res = await request(app).post('/create-meeting').set('Authorization', 'Bearer not.a.token').set(json).send({ token });
    expect(res.status).toBe(401);
  });

  it('when there is neither a header nor a body token, then 401 says where the token goes', async () => {
    const res = await request(app).post('/create-meeting').set(json).send({ region: 'sg001' });
    expectProblem(res, 401, 'unauthorized', 'an Authorization header, or a JSON body with a token, carrying a token from /get-token is required');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rtc-token-server"');
  });
});

import { describe, expect, it } from 'vitest';
import express from 'express';
import request from 'supertest';
import { sendJson, sendToken } from '../../src/http/respond.js';

const issued = { token: 'eyJ"quoted"\\back\u2028slash', expiresAt: new Date('2026-11-23T18:00:00.000Z') };

describe('sendToken and sendJson', () => {
  it("when a token is written directly, then status, headers and bytes equal res.json's with ETag off (as the app runs)", async () => {
    const app = express();
    app.set('etag', false);
    app.get('/direct', (_req, res) => sendToken(res, issued));
    app.get('/json', (_req, res) => void res.json({ token: issued.token, expiresAt: issued.expiresAt.toISOString() }));
    // The community routes' shapes go through sendJson.
    app.get('/direct-pair', (_req, res) => sendJson(res, { rtcToken: issued.token, rtmToken: 'ü\u0000' }));
    app.get('/json-pair', (_req, res) => void res.json({ rtcToken: issued.token, rtmToken: 'ü\u0000' }));
    for (const [method, pair] of [
      ['get', ''],
      ['head', ''],
      ['get', '-pair'],
      ['head', '-pair'],
    ] as const) {
      const [direct, json] = await Promise.all([request(app)[method](`/direct${pair}`), request(app)[method](`/json${pair}`)]);
      expect(direct.status).toBe(json.status);
      for (const header of ['content-type', 'content-length', 'etag', 'cache-control']) expect(direct.headers[header], header).toBe(json.headers[header]);
      expect(direct.text).toBe(json.text);
    }
  });
});

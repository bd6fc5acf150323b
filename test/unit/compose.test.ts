import { describe, expect, it } from 'vitest';
import express from 'express';
import request from 'supertest';
import { compose, type SyncHandler } from '../../src/http/middleware/compose.js';

const tag =
  (name: string): SyncHandler =>
  (_req, res, next) => {
    res.append('X-Steps', name);
    next();
  };

function app(...steps: SyncHandler[]) {
  const server = express();
  server.use(compose(...steps));
  server.get('/', (_req, res) => void res.send('ok'));
  server.use(((error, _req, res, _next) => void res.status(500).send(String((error as Error).message))) as express.ErrorRequestHandler);
  return server;
}

describe('compose', () => {
  it('when every step calls next, then they run in order and the route answers', async () => {
    const res = await request(app(tag('a'), tag('b'), tag('c')))
      .get('/')
      .expect(200, 'ok');
    expect(res.headers['x-steps']).toBe('a, b, c');
  });

  it('when a step throws or passes an error to next, then later steps are skipped and the error handler answers', async () => {
    const throws: SyncHandler = () => {
      throw new Error('thrown');
    };
    const passes: SyncHandler = (_req, _res, next) => next(new Error('passed'));
    const thrown = await request(app(tag('a'), throws, tag('b')))
      .get('/')
      .expect(500, 'thrown');
    expect(thrown.headers['x-steps']).toBe('a');
    await request(app(passes, tag('b')))
      .get('/')
      .expect(500, 'passed');
  });

  it('when a step answers without calling next, then the chain stops there', async () => {
    const answers: SyncHandler = (_req, res) => void res.status(204).end();
    const res = await request(app(tag('a'), answers, tag('b')))
      .get('/')
      .expect(204);
    expect(res.headers['x-steps']).toBe('a');
  });

  it('when a step is an async function, then building the chain fails', () => {
    const asyncStep = async (_req: unknown, _res: unknown, next: () => void) => next();
    expect(() => compose(asyncStep as unknown as SyncHandler)).toThrow(new TypeError('compose() takes synchronous middleware only; asyncStep is async'));
  });
});

import type { RequestHandler } from 'express';
import { describe, expect, it } from 'vitest';
import { headersSetBy } from '../../src/http/middleware/security-headers.js';

describe('headers read once from a header-only middleware', () => {
  it('when it sets, replaces and removes headers, then the list holds what a response would end up with', () => {
    const middleware: RequestHandler = (_req, res, next) => {
      res.setHeader('X-One', '1');
      res.setHeader('X-Two', 2);
      res.setHeader('x-one', 'one');
      res.setHeader('X-Gone', 'g');
      res.removeHeader('x-gone');
      next();
    };
    expect(headersSetBy(middleware)).toEqual([
      ['x-one', 'one'],
      ['X-Two', '2'],
    ]);
  });

  it('when it does not call next synchronously, or passes an error, or touches anything else, then reading it fails at start-up', () => {
    expect(() => headersSetBy((_req, _res, next) => void setImmediate(next))).toThrow(/synchronously/);
    expect(() => headersSetBy((_req, _res, next) => next(new Error('nope')))).toThrow('nope');
    expect(() => headersSetBy((_req, res, next) => (res.status(200), next()))).toThrow(TypeError);
  });
});

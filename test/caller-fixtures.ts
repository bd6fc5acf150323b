/** Shared by the caller-authentication tests: the six client-facing token routes and a problem check. */
import { expect } from 'vitest';
import type { Response } from 'supertest';
import { PROBLEMS, type ProblemCode } from '../src/errors.js';

/** Each client-facing token route, a query complete but for the identity, and the identity's name. */
export const ROUTES: readonly (readonly [string, Record<string, string>, string])[] = [
  ['/access_token', { channelName: 'lobby' }, 'uid'],
  ['/rtm_token', {}, 'uid'],
  ['/get-token', {}, 'participantId'],
  ['/hms/app-token', { roomId: 'room1', role: 'guest' }, 'userId'],
  ['/conference-token', { roomId: 'room1', role: 'subscriber' }, 'userId'],
  ['/chat-token', { channelId: 'general' }, 'userId'],
];

/** Asserts an uncached problem+json answer with exactly this code and detail. */
export function expectProblem(res: Response, status: number, code: ProblemCode, detail: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect([res.headers['cache-control'], res.headers.pragma, res.headers.expires]).toEqual(['no-store', 'no-cache', '0']);
  expect(res.body).toEqual({ type: `urn:rtc-token-server:problem:${code}`, title: PROBLEMS[code].title, status, detail });
}

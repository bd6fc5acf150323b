/** Shared test fixtures: fixed credentials, a pinned clock and an app built from them. */
import type { MeetingStore } from '../src/meetings/store.js';
import jwt from 'jsonwebtoken';
import { expect } from 'vitest';
import type { Response } from 'supertest';
import { loadConfig, type Config } from '../src/config/index.js';
import { ConfigError, PROBLEMS, type FieldProblem, type ProblemCode } from '../src/errors.js';
import { createApp, type AppDeps } from '../src/app.js';
import { secretKey } from '../src/index.js';

export const CREDENTIALS = {
  AGORA_APP_ID: '970ca35de60c44645bbae8a215061b33',
  AGORA_APP_CERTIFICATE: '5cfd2fd1755d40ecb72977518be15d3b',
  VIDEOSDK_API_KEY: 'vsdk-test-key',
  VIDEOSDK_SECRET: 'videosdk-test-secret-0123456789abcdef',
  HMS_APP_ACCESS_KEY: 'hms-test-access-key',
  HMS_APP_SECRET: 'hms-test-secret-0123456789abcdef0123',
  MASTER_KEY: 'master-test-key',
  MASTER_SECRET: 'master-test-secret-0123456789abcdef0123456789',
  ADMIN_API_KEY: 'admin-test-key-0123456789abcdef01234',
} as const;

/** {@link CREDENTIALS} in the shapes the library's builders and verifiers take, secrets as KeyObjects made once. */
export const BUILDER_CREDENTIALS = {
  native: { key: CREDENTIALS.MASTER_KEY, secret: secretKey(CREDENTIALS.MASTER_SECRET) },
  videosdk: { apiKey: CREDENTIALS.VIDEOSDK_API_KEY, secret: secretKey(CREDENTIALS.VIDEOSDK_SECRET) },
  hms: { accessKey: CREDENTIALS.HMS_APP_ACCESS_KEY, secret: secretKey(CREDENTIALS.HMS_APP_SECRET) },
  agora: { appId: CREDENTIALS.AGORA_APP_ID, appCertificate: CREDENTIALS.AGORA_APP_CERTIFICATE },
} as const;

/** The least a production start accepts: NODE_ENV=production with its two required choices made. */
export const PRODUCTION_ENV = { NODE_ENV: 'production', CLIENT_AUTH: 'none', CORS_ORIGINS: '*' } as const;

/** 2026-11-23T17:00:00Z: every token in the HTTP tests is issued at this instant. */
export const NOW = new Date('2026-11-23T17:00:00.000Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

/** The problems loadConfig reports for `env`; fails the test when it loads. */
export function configProblems(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw');
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', ...CREDENTIALS, ...overrides });
}

export function testApp(overrides: Record<string, string | undefined> = {}, deps: AppDeps = {}) {
  return createApp(testConfig(overrides), { clock: () => NOW, ...deps });
}

/** Verifies an HS256 JWT at the pinned clock and returns its claims. */
export function verifyAt(token: string, secret: string, now = NOW_S): jwt.JwtPayload {
  return jwt.verify(token, secret, { algorithms: ['HS256'], clockTimestamp: now }) as jwt.JwtPayload;
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Asserts an uncached problem+json answer with exactly this code, detail and (for a 400) field errors. */
export function expectProblem(res: Response, status: number, code: ProblemCode, detail: string, errors?: readonly FieldProblem[]): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect([res.headers['cache-control'], res.headers.pragma, res.headers.expires]).toEqual(['no-store', 'no-cache', '0']);
  expect(res.body).toEqual({ type: `urn:rtc-token-server:problem:${code}`, title: PROBLEMS[code].title, status, detail, ...(errors ? { errors } : {}) });
}

/** Asserts a 400 problem+json whose detail and only error name `field` with `message`. */
export function expectInvalid(res: Response, field: string, message: string): void {
  expectProblem(res, 400, 'invalid-request', message, [{ field, message }]);
}

/** A store whose every call fails, as a store does when its database is down. */
export function brokenStore(message = 'connect ECONNREFUSED 127.0.0.1:5432'): MeetingStore {
  const fail = async (): Promise<never> => {
    throw new Error(message);
  };
  return {
    kind: 'postgres',
    insert: fail,
    find: fail,
    addRule: fail,
    deleteRule: fail,
    rules: fail,
    watchRules: () => () => {},
    purgeExpired: fail,
    ping: fail,
    close: async () => {},
  };
}

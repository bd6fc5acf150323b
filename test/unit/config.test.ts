import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { digest } from '../../src/auth/api-key.js';
import { configProblems as problemsOf, CREDENTIALS } from '../fixtures.js';

/** Production with its two required choices made (the least a production start accepts). */
const PRODUCTION = { NODE_ENV: 'production', CLIENT_AUTH: 'none', CORS_ORIGINS: '*' } as const;

describe('loadConfig', () => {
  it('when nothing is set outside production, then development credentials are generated for every provider', () => {
    const config = loadConfig({});
    expect(config.devCredentials).toBe(true);
    expect(config.credentials.agora?.appId).toMatch(/^[0-9a-f]{32}$/);
    expect(config.credentials.agora?.appCertificate).toMatch(/^[0-9a-f]{32}$/);
    expect(config.credentials.videosdk?.secret.type).toBe('secret');
    expect(config.credentials.hms?.secret.type).toBe('secret');
    expect(config.credentials.native?.secret.type).toBe('secret');
    expect(loadConfig({}).credentials.agora?.appCertificate).not.toBe(config.credentials.agora?.appCertificate);
  });

  it('when no credentials are set in production, then none exist and nothing is generated', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.devCredentials).toBe(false);
    expect(config.credentials).toEqual({});
  });

  it('when one provider is set, then only it is configured', () => {
    const config = loadConfig({ MASTER_KEY: CREDENTIALS.MASTER_KEY, MASTER_SECRET: CREDENTIALS.MASTER_SECRET });
    expect(config.devCredentials).toBe(false);
    expect(Object.keys(config.credentials)).toEqual(['native']);
  });

  it('when defaults apply, then they match the documented values', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      corsOrigins: '*',
      rateLimitPerMinute: 600,
      ttl: { max: 86400, agora: 3600, videosdk: 7200, hms: 86400 },
    });
    expect(config.adminKeyDigest).toBeUndefined();
  });

  it('when the result is returned, then it is frozen all the way down', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ttl)).toBe(true);
    expect(Object.isFrozen(config.corsOrigins)).toBe(true);
    expect(Object.isFrozen(config.credentials)).toBe(true);
  });

  it('when several variables are bad, then one error names every one of them', () => {
    const problems = problemsOf({
      AGORA_APP_ID: CREDENTIALS.AGORA_APP_ID,
      VIDEOSDK_SECRET: 'only-the-secret',
      HMS_APP_ACCESS_KEY: 'k',
      HMS_APP_SECRET: 's',
      TOKEN_MAX_TTL: 'abc',
      PORT: '70000',
      LOG_LEVEL: 'loud',
      CORS_ORIGINS: 'https://ok.example,not a url,https://x.example/path',
      MASTER_KEY: 'k',
      MASTER_SECRET: 'short',
      ADMIN_API_KEY: 'short',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AGORA_APP_CERTIFICATE must be set when AGORA_APP_ID is set/),
        expect.stringMatching(/^VIDEOSDK_API_KEY must be set when VIDEOSDK_SECRET is set/),
        expect.stringMatching(/^TOKEN_MAX_TTL must be a whole number from 60 to 604800 \(got "abc"\)/),
        expect.stringMatching(/^PORT must be a whole number/),
        expect.stringMatching(/^LOG_LEVEL must be one of/),
        expect.stringMatching(/^CORS_ORIGINS entry "not a url"/),
        expect.stringMatching(/^CORS_ORIGINS entry "https:\/\/x.example\/path"/),
        expect.stringMatching(/^MASTER_SECRET must be at least 32 characters/),
        expect.stringMatching(/^ADMIN_API_KEY must be at least 16 characters/),
        'MASTER_SECRET and ADMIN_API_KEY hold the same value: every secret must be different',
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it('when the Agora certificate is not 32 hex characters, then the variable is named', () => {
    expect(problemsOf({ AGORA_APP_ID: CREDENTIALS.AGORA_APP_ID, AGORA_APP_CERTIFICATE: 'zz'.repeat(16) })).toEqual([
      'AGORA_APP_CERTIFICATE must be 32 hex characters',
    ]);
    expect(problemsOf({ AGORA_APP_ID: 'abc', AGORA_APP_CERTIFICATE: CREDENTIALS.AGORA_APP_CERTIFICATE })).toEqual(['AGORA_APP_ID must be 32 hex characters']);
  });

  it('when an error is thrown, then its message never repeats a secret value', () => {
    try {
      loadConfig({ MASTER_KEY: 'k', MASTER_SECRET: 'hunter2-secret', AGORA_APP_ID: CREDENTIALS.AGORA_APP_ID, AGORA_APP_CERTIFICATE: 'cert-that-is-wrong' });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2-secret');
      expect(String(error)).not.toContain('cert-that-is-wrong');
      return;
    }
    throw new Error('expected a ConfigError');
  });

  it('when TOKEN_MAX_TTL is lowered, then unset default lifetimes follow it and set ones must fit', () => {
    expect(loadConfig({ ...PRODUCTION, TOKEN_MAX_TTL: '1800' }).ttl).toEqual({ max: 1800, agora: 1800, videosdk: 1800, hms: 1800 });
    expect(problemsOf({ TOKEN_MAX_TTL: '1800', VIDEOSDK_TOKEN_TTL: '3600' })).toEqual([
      'VIDEOSDK_TOKEN_TTL must be a whole number from 1 to 1800 (got "3600")',
    ]);
  });

  it('when CORS_ORIGINS lists origins, then they are kept exactly; * anywhere allows all', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example, http://localhost:3000/' }).corsOrigins).toEqual(['https://app.example', 'http://localhost:3000']);
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example,*' }).corsOrigins).toBe('*');
  });

  it('when a variable is set to an empty string, then it counts as unset', () => {
    expect(loadConfig({ ...PRODUCTION, PORT: '', AGORA_APP_ID: '' })).toMatchObject({ port: 8080, credentials: {} });
  });
});

describe('loadConfig: callers of the token routes', () => {
  const SECRET = 'client-jwt-secret-0123456789abcdef';

  it('when nothing is set outside production, then CLIENT_AUTH is none and ROLE_POLICY open', () => {
    expect(loadConfig({ NODE_ENV: 'test' })).toMatchObject({ clientAuth: { mode: 'none' }, rolePolicy: 'open' });
  });

  it('when CLIENT_AUTH=api-key, then each trimmed key of CLIENT_API_KEYS is kept as its digest only', () => {
    const config = loadConfig({ CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: ' first-client-key-0123 ,second-client-key-4567,' });
    expect(config.clientAuth).toEqual({ mode: 'api-key', keyDigests: [digest('first-client-key-0123'), digest('second-client-key-4567')] });
    expect(JSON.stringify(config)).not.toContain('first-client-key-0123');
  });

  it('when CLIENT_API_KEYS is missing or holds a short key, then the variable is named and the key not echoed', () => {
    expect(problemsOf({ CLIENT_AUTH: 'api-key' })).toEqual(['CLIENT_API_KEYS must list at least one key when CLIENT_AUTH=api-key']);
    const problems = problemsOf({ CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: 'long-enough-client-key,short-key' });
    expect(problems).toEqual(['CLIENT_API_KEYS entry 2 must be at least 16 characters']);
    expect(problems.join()).not.toContain('short-key');
  });

  it('when CLIENT_AUTH=jwt has a secret, then it is a KeyObject and the roles claim defaults to roles', () => {
    const { clientAuth } = loadConfig({ CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: SECRET });
    expect(clientAuth).toEqual({ mode: 'jwt', secret: expect.objectContaining({ type: 'secret' }), rolesClaim: 'roles' });
  });

  it('when CLIENT_AUTH=jwt has a JWKS URL, issuer, audience and roles claim, then all are kept', () => {
    const env = {
      CLIENT_AUTH: 'jwt',
      CLIENT_JWKS_URL: 'https://id.example/.well-known/jwks.json',
      CLIENT_JWT_ISSUER: 'https://id.example/',
      CLIENT_JWT_AUDIENCE: 'rtc-token-server',
      CLIENT_ROLES_CLAIM: 'realm_access.roles',
      ROLE_POLICY: 'claims',
    };
    expect(loadConfig(env)).toMatchObject({
      clientAuth: {
        mode: 'jwt',
        jwksUrl: 'https://id.example/.well-known/jwks.json',
        issuer: 'https://id.example/',
        audience: 'rtc-token-server',
        rolesClaim: 'realm_access.roles',
      },
      rolePolicy: 'claims',
    });
  });

  it.each([
    [{}, 'CLIENT_AUTH=jwt needs exactly one of CLIENT_JWT_SECRET (HS256) or CLIENT_JWKS_URL (RS256/ES256)'],
    [{ CLIENT_JWT_SECRET: SECRET, CLIENT_JWKS_URL: 'https://id.example/jwks' }, 'CLIENT_AUTH=jwt needs exactly one of'],
    [{ CLIENT_JWT_SECRET: 'too-short-secret' }, 'CLIENT_JWT_SECRET must be at least 32 characters'],
    [{ CLIENT_JWKS_URL: 'file:///etc/keys.json' }, 'CLIENT_JWKS_URL must be an http(s) URL'],
  ])('when CLIENT_AUTH=jwt with %o, then the problem is named', (env, problem) => {
    const problems = problemsOf({ CLIENT_AUTH: 'jwt', ...env });
    expect(problems).toEqual([expect.stringContaining(problem)]);
    expect(problems.join()).not.toContain('too-short-secret');
  });

  it('when CLIENT_AUTH or ROLE_POLICY has an unknown value, or claims lacks jwt, then each is named', () => {
    expect(problemsOf({ CLIENT_AUTH: 'oauth' })).toEqual(['CLIENT_AUTH must be none, api-key or jwt (got "oauth")']);
    expect(problemsOf({ ROLE_POLICY: 'strict' })).toEqual(['ROLE_POLICY must be open or claims (got "strict")']);
    expect(problemsOf({ ROLE_POLICY: 'claims' })).toEqual(["ROLE_POLICY=claims needs CLIENT_AUTH=jwt: roles come from the caller's token"]);
    expect(problemsOf({ CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: 'long-enough-client-key', ROLE_POLICY: 'claims' })).toHaveLength(1);
  });
});

describe('loadConfig: slow-client timeouts', () => {
  it('when none is set, then headers must arrive within 10 s, a whole request within 30 s, and idle keep-alive connections close after 5 s', () => {
    expect(loadConfig(PRODUCTION)).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
  });

  it('when HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS and KEEP_ALIVE_TIMEOUT_MS are set, then they are kept in milliseconds', () => {
    const config = loadConfig({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: ' 2000 ', KEEP_ALIVE_TIMEOUT_MS: '65000' });
    expect(config).toMatchObject({ headersTimeoutMs: 1000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 65_000 });
    // Equal is allowed: the whole request then has no time beyond its headers.
    expect(loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '5000' })).toMatchObject({ headersTimeoutMs: 5000, requestTimeoutMs: 5000 });
    expect(loadConfig({ HEADERS_TIMEOUT_MS: '100', REQUEST_TIMEOUT_MS: '600000', KEEP_ALIVE_TIMEOUT_MS: '100' })).toMatchObject({
      headersTimeoutMs: 100,
      requestTimeoutMs: 600_000,
      keepAliveTimeoutMs: 100,
    });
  });

  it.each([
    ['HEADERS_TIMEOUT_MS', '0'],
    ['HEADERS_TIMEOUT_MS', '99'],
    ['REQUEST_TIMEOUT_MS', '600001'],
    ['KEEP_ALIVE_TIMEOUT_MS', '0'],
    ['KEEP_ALIVE_TIMEOUT_MS', '5s'],
    ['REQUEST_TIMEOUT_MS', '1e4'],
    ['HEADERS_TIMEOUT_MS', '-1'],
  ])('when %s=%s (0 would mean never; units and signs are not accepted), then the variable is named with its range', (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([`${name} must be a whole number from 100 to 600000 (got "${value}")`]);
  });

  it('when REQUEST_TIMEOUT_MS is shorter than HEADERS_TIMEOUT_MS, then the configuration is refused with both values named', () => {
    expect(problemsOf({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '15000' })).toEqual([
      'REQUEST_TIMEOUT_MS (15000) must be at least HEADERS_TIMEOUT_MS (20000): the whole request includes its headers',
    ]);
    // Against a default: raising the headers timeout alone past the 30 s request default is refused too.
    expect(problemsOf({ HEADERS_TIMEOUT_MS: '45000' })).toEqual([
      'REQUEST_TIMEOUT_MS (30000) must be at least HEADERS_TIMEOUT_MS (45000): the whole request includes its headers',
    ]);
  });

  it('when a timeout is out of range, then the comparison is not reported on top of the range problem', () => {
    expect(problemsOf({ HEADERS_TIMEOUT_MS: '45000', REQUEST_TIMEOUT_MS: 'soon' })).toEqual([
      'REQUEST_TIMEOUT_MS must be a whole number from 100 to 600000 (got "soon")',
    ]);
  });
});

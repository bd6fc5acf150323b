/**
 * The production posture of the configuration: what counts as production, the two choices it
 * must make explicitly, secrets, URLs with credentials, and mistyped settings. HTTP- and
 * process-level checks of the same rules are in test/http/production-posture.test.ts and
 * test/integration/production-start.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { editDistance, isProduction, misspeltSettings, SETTINGS } from '../../src/config/settings.js';
import { serializeError } from '../../src/logger.js';
import { configProblems as problemsOf, PRODUCTION_ENV } from '../fixtures.js';

const LONG = (tag: string) => `${tag}-0123456789abcdef0123456789abcdef`;
/** Production with every provider set to long, distinct secrets. */
const PROD = {
  ...PRODUCTION_ENV,
  AGORA_APP_ID: '970ca35de60c44645bbae8a215061b33',
  AGORA_APP_CERTIFICATE: '5cfd2fd1755d40ecb72977518be15d3b',
  VIDEOSDK_API_KEY: 'videosdk-key',
  VIDEOSDK_SECRET: LONG('videosdk'),
  HMS_APP_ACCESS_KEY: 'hms-key',
  HMS_APP_SECRET: LONG('hms'),
  MASTER_KEY: 'master-key',
  MASTER_SECRET: LONG('master'),
};

describe('production is any NODE_ENV but unset, development or test', () => {
  it.each(['production', 'Production', 'PRODUCTION', 'prod', 'PROD', 'staging', 'live'])('when NODE_ENV=%s, then it is production', (value) => {
    expect(isProduction(value)).toBe(true);
  });

  it.each([undefined, '', 'development', 'Development', 'test', 'TEST'])('when NODE_ENV=%s, then it is not production', (value) => {
    expect(isProduction(value)).toBe(false);
  });

  it.each(['Production', 'PRODUCTION', 'prod'])('when NODE_ENV=%s and no credentials are set, then none are generated', (value) => {
    const config = loadConfig({ ...PRODUCTION_ENV, NODE_ENV: value });
    expect(config.production).toBe(true);
    expect(config.devCredentials).toBe(false);
    expect(config.credentials).toEqual({});
  });
});

describe('production must choose who may call and from which origin', () => {
  it('when CLIENT_AUTH and CORS_ORIGINS are both missing in production, then the start stops naming each', () => {
    expect(problemsOf({ NODE_ENV: 'production', MASTER_KEY: PROD.MASTER_KEY, MASTER_SECRET: PROD.MASTER_SECRET })).toEqual([
      'CORS_ORIGINS must be set in production: the browser origins allowed to call, like https://app.example.com (or * for any)',
      'CLIENT_AUTH must be set in production: api-key or jwt (or none, to let anyone who reaches the server mint tokens)',
    ]);
  });

  it('when an empty CORS_ORIGINS= is given in production, then it counts as missing', () => {
    expect(problemsOf({ ...PROD, CORS_ORIGINS: '' })).toEqual([expect.stringMatching(/^CORS_ORIGINS must be set in production/)]);
  });

  it('when CLIENT_AUTH=none and CORS_ORIGINS=* are chosen explicitly, then it starts with one warning for each', () => {
    const config = loadConfig(PROD);
    expect(config.warnings).toEqual([
      "CORS_ORIGINS=*: any web page, on any origin, may call the token routes from its visitors' browsers",
      'CLIENT_AUTH=none: anyone who can reach this server can mint tokens for any user and room',
    ]);
  });

  it('when safe choices are made, then there is no warning', () => {
    const config = loadConfig({ ...PROD, CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: LONG('client'), CORS_ORIGINS: 'https://app.example.com' });
    expect(config.warnings).toEqual([]);
    expect(config.corsOrigins).toEqual(['https://app.example.com']);
  });

  it('when the same settings are used outside production, then nothing is required and nothing warned', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).warnings).toEqual([]);
    expect(loadConfig({}).corsOrigins).toBe('*');
  });

  it('when the CLI loads the configuration (it never serves), then CLIENT_AUTH and CORS_ORIGINS are not asked for', () => {
    const config = loadConfig({ NODE_ENV: 'production', MASTER_KEY: PROD.MASTER_KEY, MASTER_SECRET: PROD.MASTER_SECRET }, { serving: false });
    expect(config.warnings).toEqual([]);
    expect(Object.keys(config.credentials)).toEqual(['native']);
  });

  it.each([
    ['1', '1'],
    ['true', 'true'],
  ])('when TRUST_PROXY=%s in production, then a warning says a direct client picks its own rate-limit key', (value, shown) => {
    const config = loadConfig({
      ...PROD,
      CLIENT_AUTH: 'api-key',
      CLIENT_API_KEYS: LONG('client'),
      CORS_ORIGINS: 'https://app.example.com',
      TRUST_PROXY: value,
    });
    expect(config.warnings).toEqual([expect.stringContaining(`TRUST_PROXY=${shown} trusts X-Forwarded-For from whoever connects`)]);
  });

  it('when TRUST_PROXY names the proxy, then there is no warning', () => {
    const config = loadConfig({
      ...PROD,
      CLIENT_AUTH: 'api-key',
      CLIENT_API_KEYS: LONG('client'),
      CORS_ORIGINS: 'https://app.example.com',
      TRUST_PROXY: '172.28.0.2',
    });
    expect(config.warnings).toEqual([]);
  });
});

describe('secrets', () => {
  it.each(['VIDEOSDK_SECRET', 'HMS_APP_SECRET', 'MASTER_SECRET', 'VIDEOSDK_SECRET_PREVIOUS', 'MASTER_SECRET_PREVIOUS', 'ADMIN_API_KEY', 'CLIENT_JWT_SECRET'])(
    'when %s is shorter than 32 characters in production, then the start stops naming it and not its value',
    (name) => {
      const env: Record<string, string> = { ...PROD, [name]: 'a-short-secret-a1b2c3d4e5f6' };
      if (name === 'CLIENT_JWT_SECRET') env.CLIENT_AUTH = 'jwt';
      const problems = problemsOf(env);
      // Our own HS256 keys need 32 characters everywhere, so their message needs no "in production".
      const always = name === 'MASTER_SECRET' || name === 'CLIENT_JWT_SECRET';
      expect(problems).toEqual([`${name} must be at least 32 characters${always ? '' : ' in production'}`]);
      expect(problems.join('\n')).not.toContain('a-short-secret');
    },
  );

  it('when VIDEOSDK_SECRET=a in production, then the start stops', () => {
    expect(problemsOf({ ...PROD, VIDEOSDK_SECRET: 'a' })).toEqual(['VIDEOSDK_SECRET must be at least 32 characters in production']);
  });

  it('when a CLIENT_API_KEYS entry is short in production, then that entry is named', () => {
    const problems = problemsOf({ ...PROD, CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: `${LONG('one')},only-sixteen-chars` });
    expect(problems).toEqual(['CLIENT_API_KEYS entry 2 must be at least 32 characters in production']);
  });

  it('when the same short secret is used outside production, then only the length rules of old apply', () => {
    expect(() => loadConfig({ VIDEOSDK_API_KEY: 'k', VIDEOSDK_SECRET: 'a' })).not.toThrow();
  });

  it('when CLIENT_JWT_SECRET equals MASTER_SECRET, then the start stops naming both (a chat token would pass as a caller JWT)', () => {
    const problems = problemsOf({ ...PROD, CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: PROD.MASTER_SECRET });
    expect(problems).toEqual(['MASTER_SECRET and CLIENT_JWT_SECRET hold the same value: every secret must be different']);
    expect(problems.join('\n')).not.toContain(PROD.MASTER_SECRET);
    // Outside production too: the hole does not depend on NODE_ENV.
    expect(problemsOf({ ...PROD, NODE_ENV: 'test', CLIENT_AUTH: 'jwt', CLIENT_JWT_SECRET: PROD.MASTER_SECRET })).toEqual([
      'MASTER_SECRET and CLIENT_JWT_SECRET hold the same value: every secret must be different',
    ]);
  });

  it('when a retired secret equals the current one, or an API key the admin key, then both are named', () => {
    expect(problemsOf({ ...PROD, MASTER_SECRET_PREVIOUS: PROD.MASTER_SECRET })).toEqual([
      'MASTER_SECRET and MASTER_SECRET_PREVIOUS hold the same value: every secret must be different',
    ]);
    expect(problemsOf({ ...PROD, CLIENT_AUTH: 'api-key', ADMIN_API_KEY: LONG('shared'), CLIENT_API_KEYS: `${LONG('other')},${LONG('shared')}` })).toEqual([
      'ADMIN_API_KEY and CLIENT_API_KEYS entry 2 hold the same value: every secret must be different',
    ]);
  });

  it.each([
    ['a space', 'correct horse battery staple'],
    ['a tab', 'correct\thorse-battery-staple-0123'],
    ['a non-ASCII letter', 'correct-hörse-battery-staple-0123'],
  ])('when ADMIN_API_KEY holds %s, then the start stops, in production or not (no client could send it)', (_name, value) => {
    const message = 'ADMIN_API_KEY must be visible ASCII characters without spaces: a client cannot send it in a header as it is';
    expect(problemsOf({ ADMIN_API_KEY: value })).toContain(message);
    expect(problemsOf({ ...PROD, ADMIN_API_KEY: value })).toContain(message);
  });

  it('when a CLIENT_API_KEYS entry holds a space, then that entry is named', () => {
    expect(problemsOf({ CLIENT_AUTH: 'api-key', CLIENT_API_KEYS: 'first-key-0123456789, second key 0123456789' })).toEqual([
      'CLIENT_API_KEYS entry 2 must be visible ASCII characters without spaces: a client cannot send it in a header as it is',
    ]);
  });
});

describe('URLs that carry credentials', () => {
  it.each([
    ['REDIS_URL', 'redis://:hunter2-pass@redis:abc'],
    ['REDIS_URL', 'redis://user:hunter2-pass@red is:6379'],
    ['REDIS_URL', 'http://user:hunter2-pass@redis:6379'],
    ['DATABASE_URL', 'postgres://rtc:hunter2-pass@db:port/rtc'],
  ])('when %s is malformed, then the start stops naming it, with the password redacted', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name} must be`))]);
    expect(problems[0]).toContain('[redacted]@');
    expect(problems[0]).not.toContain('hunter2');
  });

  it('when CLIENT_JWKS_URL carries a user and password, then the start stops without repeating them', () => {
    const problems = problemsOf({ CLIENT_AUTH: 'jwt', CLIENT_JWKS_URL: 'https://svc:hunter2-pass@id.example.com/jwks.json' });
    expect(problems).toEqual(['CLIENT_JWKS_URL must not carry a user name or password: publish the key set without credentials']);
  });

  it('when an error quotes a URL with credentials, then the logged error has them redacted', () => {
    let thrown: Error | undefined;
    try {
      new URL('redis://:hunter2-pass@redis:abc');
    } catch (error) {
      thrown = error as Error;
    }
    const serialized = JSON.stringify(serializeError(thrown!));
    expect(serialized).toContain('ERR_INVALID_URL');
    expect(serialized).toContain('redis://[redacted]@redis:abc');
    expect(serialized).not.toContain('hunter2');
  });
});

describe('variables that look like mistyped settings', () => {
  it('when CORS_ORIGIN is set, then one warning names it and the setting it resembles', () => {
    const config = loadConfig({ CORS_ORIGIN: 'https://app.example.com' });
    expect(config.warnings).toEqual(['CORS_ORIGIN is not a setting and is ignored: did you mean CORS_ORIGINS?']);
    expect(config.corsOrigins).toBe('*');
  });

  it.each([
    ['LOG_LEVL', 'LOG_LEVEL'],
    ['PROT', 'PORT'],
    ['cors_origins', 'CORS_ORIGINS'],
    ['RATE_LIMIT', 'RATE_LIMIT_PER_MINUTE'],
    ['AGORA_APP_CERT', 'AGORA_APP_CERTIFICATE'],
    ['CLIENT_API_KEY', 'CLIENT_API_KEYS'],
    ['MASTER_SECERT', 'MASTER_SECRET'],
    ['TOKEN_TTL', 'TOKEN_MAX_TTL'],
    ['ADMIN_KEY', 'ADMIN_API_KEY'],
  ])('when %s is set, then the warning suggests %s', (name, nearest) => {
    expect(misspeltSettings([name])).toEqual([`${name} is not a setting and is ignored: did you mean ${nearest}?`]);
  });

  it("when a machine's own variables are set, then none of them warns", () => {
    const machine = ['HOME', 'PATH', 'PWD', 'OLDPWD', 'USER', 'SHELL', 'TERM', 'LANG', 'HOSTNAME', 'SHLVL', 'TZ', 'CI', 'NODE_VERSION', 'YARN_VERSION'];
    const kubernetes = ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_PORT', 'POSTGRES_PASSWORD', 'NODE_OPTIONS', 'TEST_DATABASE_URL', 'TEST_REDIS_URL'];
    expect(misspeltSettings([...machine, ...kubernetes, ...SETTINGS])).toEqual([]);
  });

  it('when distances are computed, then a transposition is one edit', () => {
    expect(editDistance('PROT', 'PORT')).toBe(1);
    expect(editDistance('HOME', 'HOST')).toBe(2);
    expect(editDistance('CORS_ORIGIN', 'CORS_ORIGINS')).toBe(1);
  });
});

/**
 * Secrets given as <NAME>_FILE (Docker and Kubernetes secrets): read at start, one trailing newline
 * trimmed, held to the same rules as the variable, and refused with the variable and path named,
 * never the content.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { FILE_SETTINGS } from '../../src/config/files.js';
import { keyId } from '../../src/tokens/jwt.js';
import { secretKey } from '../../src/index.js';
import { CREDENTIALS, PRODUCTION_ENV, configProblems } from '../fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rts-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A secret file holding `content`; answers its path. */
const file = (content: string) => {
  const path = join(dir, `secret-${++n}`);
  writeFileSync(path, content);
  return path;
};
const base = { NODE_ENV: 'test', ...CREDENTIALS };

describe('<NAME>_FILE', () => {
  it('when MASTER_SECRET comes from a file ending in a newline, then the value is the content without it and signs as the variable would', () => {
    const secret = 'a-master-secret-from-a-file-0123456789ab';
    const { MASTER_SECRET: _, ...rest } = base;
    const config = loadConfig({ ...rest, MASTER_SECRET_FILE: file(`${secret}\n`) });
    expect(keyId(config.credentials.native!.secret)).toBe(keyId(secretKey(secret)));
  });

  it('when the file ends in CRLF or two newlines, then exactly one line ending is trimmed (and the value keeps its inner text)', () => {
    const { ADMIN_API_KEY: _, ...rest } = base;
    const crlf = loadConfig({ ...rest, ADMIN_API_KEY_FILE: file('admin-key-from-a-file-0123456789\r\n') });
    const plain = loadConfig({ ...rest, ADMIN_API_KEY: 'admin-key-from-a-file-0123456789' });
    expect(crlf.adminKeyDigest).toEqual(plain.adminKeyDigest);
  });

  it('when DATABASE_URL and REDIS_URL come from files, then they are used', () => {
    const config = loadConfig({ ...base, DATABASE_URL_FILE: file('postgres://app:pw@db:5432/tokens\n'), REDIS_URL_FILE: file('redis://:pw@cache:6379\n') });
    expect([config.databaseUrl, config.redisUrl]).toEqual(['postgres://app:pw@db:5432/tokens', 'redis://:pw@cache:6379']);
  });

  it('when both the variable and its _FILE are set, then the start is refused naming both', () => {
    expect(configProblems({ ...base, MASTER_SECRET_FILE: file('x'.repeat(40)) })).toContain(
      'MASTER_SECRET and MASTER_SECRET_FILE are both set: give the value one way',
    );
  });

  it('when the file is missing or unreadable, then the problem names the variable and the path, and no content', () => {
    const missing = join(dir, 'nope');
    const locked = file('a-secret-nobody-may-read-0123456789abcdef');
    chmodSync(locked, 0o000);
    const { VIDEOSDK_SECRET: _, HMS_APP_SECRET: __, ...rest } = base;
    const problems = configProblems({ ...rest, VIDEOSDK_SECRET_FILE: missing, HMS_APP_SECRET_FILE: locked });
    expect(problems).toContain(`VIDEOSDK_SECRET_FILE names ${missing}, which cannot be read (ENOENT)`);
    // root reads any file: then the locked one is read, which is also fine for this test.
    if (process.getuid?.() !== 0) expect(problems).toContain(`HMS_APP_SECRET_FILE names ${locked}, which cannot be read (EACCES)`);
    expect(problems.join('\n')).not.toContain('a-secret-nobody-may-read');
  });

  it('when the file is empty, then the problem says so', () => {
    const { MASTER_SECRET: _, ...rest } = base;
    const path = file('\n');
    expect(configProblems({ ...rest, MASTER_SECRET_FILE: path })).toContain(`MASTER_SECRET_FILE names ${path}, which is empty`);
  });

  it("when production gets a short secret or a malformed URL from a file, then the production rules refuse it as they refuse the variable's, without the value", () => {
    const problems = configProblems({
      ...PRODUCTION_ENV,
      ...CREDENTIALS,
      ADMIN_API_KEY: undefined,
      ADMIN_API_KEY_FILE: file('short-admin-key-0123\n'),
      REDIS_URL_FILE: file('redis://user:hunter2-password@\n'),
    });
    expect(problems).toContain('ADMIN_API_KEY must be at least 32 characters in production');
    expect(problems.find((p) => p.startsWith('REDIS_URL must be'))).toContain('[redacted]');
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('when a _FILE variable is set, then it is not taken for a mistyped setting', () => {
    const { warnings } = loadConfig({ ...base, ...Object.fromEntries(FILE_SETTINGS.map((name) => [`${name}_FILE`, ''])) });
    expect(warnings).toEqual([]);
  });
});

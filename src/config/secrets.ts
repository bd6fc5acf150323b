/**
 * The rules of every secret variable, in one place: no two hold the same value (a chat token
 * signed with a MASTER_SECRET that is also CLIENT_JWT_SECRET would pass as a caller's JWT), keys
 * sent in headers are visible ASCII, and each is long enough (in production, at least 32
 * characters). Messages name variables, never values.
 */

/** One secret as configured: the variable (or `CLIENT_API_KEYS entry 2`) and its value. */
export interface NamedSecret {
  readonly name: string;
  readonly value: string;
}

/** The shortest secret production accepts: 32 characters, a full HS256 key of text. */
export const PRODUCTION_SECRET_MIN_LENGTH = 32;

/**
 * Minimum lengths that hold everywhere. Our own HS256 keys (MASTER_SECRET, CLIENT_JWT_SECRET) are
 * full 256-bit keys from the start; keys a client sends must not be guessable even in a test
 * deployment. The providers' secrets are the providers' to choose, so they are held to the
 * production minimum only in production.
 */
const MIN_LENGTH: Readonly<Record<string, number>> = { MASTER_SECRET: 32, CLIENT_JWT_SECRET: 32, ADMIN_API_KEY: 16, CLIENT_API_KEYS: 16 };

// What a client can send in a header and compare: no spaces, tabs or characters outside ASCII.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** Secrets a client sends in a header, and so must be visible ASCII everywhere. */
export const HEADER_SECRETS = ['ADMIN_API_KEY', 'CLIENT_API_KEYS'] as const;

/** Checks the set secrets together; pushes one problem per broken rule. */
export function checkSecrets(secrets: readonly NamedSecret[], production: boolean, problems: string[]): void {
  for (const { name, value } of secrets) {
    const variable = name.split(' ')[0]!;
    if ((HEADER_SECRETS as readonly string[]).includes(variable) && !VISIBLE_ASCII.test(value)) {
      problems.push(`${name} must be visible ASCII characters without spaces: a client cannot send it in a header as it is`);
    }
    const always = MIN_LENGTH[variable] ?? 0;
    const minimum = production ? Math.max(always, PRODUCTION_SECRET_MIN_LENGTH) : always;
    if (value.length < minimum) problems.push(`${name} must be at least ${minimum} characters${minimum > always ? ' in production' : ''}`);
  }
  const holders = new Map<string, string[]>();
  for (const { name, value } of secrets) holders.set(value, [...(holders.get(value) ?? []), name]);
  for (const names of holders.values()) {
    if (names.length > 1) problems.push(`${names.join(' and ')} hold the same value: every secret must be different`);
  }
}

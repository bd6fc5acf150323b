/**
 * Provider credentials from the environment: each provider's pair is both-or-neither, secrets
 * become KeyObjects once, retired `*_PREVIOUS` secrets still verify; with none set outside
 * production, fresh development credentials for every provider.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { HEX32 } from '../tokens/agora.js';
import { secretKey } from '../tokens/jwt.js';
import type { Credentials } from '../tokens/service.js';
import type { Env, Get } from './env.js';
import type { NamedSecret } from './secrets.js';

/** The variables of the providers' credentials: none of them set means "no credentials at all". */
export const PROVIDER_VARIABLES = [
  'AGORA_APP_ID',
  'AGORA_APP_CERTIFICATE',
  'VIDEOSDK_API_KEY',
  'VIDEOSDK_SECRET',
  'HMS_APP_ACCESS_KEY',
  'HMS_APP_SECRET',
  'MASTER_KEY',
  'MASTER_SECRET',
] as const;

export function readCredentials(get: Get, problems: string[]): Credentials {
  // Each provider needs both of its variables: one without the other is a mistake, not "off".
  const pair = (idName: string, secretName: string): [string, string] | undefined => {
    const id = get(idName);
    const secret = get(secretName);
    if (id === undefined && secret === undefined) return undefined;
    if (id === undefined || secret === undefined) {
      problems.push(`${id === undefined ? idName : secretName} must be set when ${id === undefined ? secretName : idName} is set`);
      return undefined;
    }
    return [id, secret];
  };
  const credentials: { -readonly [K in keyof Credentials]: Credentials[K] } = {};
  // Key rotation: the secret being retired still verifies tokens it signed until they expire.
  const previous = (name: string): { previous?: KeyObject } => {
    const value = get(`${name}_PREVIOUS`);
    return value === undefined ? {} : { previous: secretKey(value) };
  };
  for (const name of ['VIDEOSDK_SECRET', 'MASTER_SECRET']) {
    if (get(`${name}_PREVIOUS`) !== undefined && get(name) === undefined) problems.push(`${name}_PREVIOUS is set but ${name} is not`);
  }

  const agora = pair('AGORA_APP_ID', 'AGORA_APP_CERTIFICATE');
  if (agora) {
    const [appId, appCertificate] = agora;
    if (!HEX32.test(appId)) problems.push('AGORA_APP_ID must be 32 hex characters');
    if (!HEX32.test(appCertificate)) problems.push('AGORA_APP_CERTIFICATE must be 32 hex characters');
    credentials.agora = { appId, appCertificate };
  }
  const videosdk = pair('VIDEOSDK_API_KEY', 'VIDEOSDK_SECRET');
  if (videosdk) credentials.videosdk = { apiKey: videosdk[0], secret: secretKey(videosdk[1]), ...previous('VIDEOSDK_SECRET') };
  const hms = pair('HMS_APP_ACCESS_KEY', 'HMS_APP_SECRET');
  if (hms) credentials.hms = { accessKey: hms[0], secret: secretKey(hms[1]) };
  const native = pair('MASTER_KEY', 'MASTER_SECRET');
  if (native) credentials.native = { key: native[0], secret: secretKey(native[1]), ...previous('MASTER_SECRET') };
  return credentials;
}

/** Fresh random credentials for every provider, for local development only. */
export function generatedCredentials(): Env {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  return {
    AGORA_APP_ID: hex(16),
    AGORA_APP_CERTIFICATE: hex(16),
    VIDEOSDK_API_KEY: `dev-${hex(8)}`,
    VIDEOSDK_SECRET: hex(32),
    HMS_APP_ACCESS_KEY: `dev-${hex(8)}`,
    HMS_APP_SECRET: hex(32),
    MASTER_KEY: `dev-${hex(8)}`,
    MASTER_SECRET: hex(32),
  };
}

/** Every secret variable that is set, CLIENT_API_KEYS one entry at a time (see secrets.ts). */
export function secretsIn(get: Get): NamedSecret[] {
  const single = [
    'AGORA_APP_CERTIFICATE',
    'VIDEOSDK_SECRET',
    'VIDEOSDK_SECRET_PREVIOUS',
    'HMS_APP_SECRET',
    'MASTER_SECRET',
    'MASTER_SECRET_PREVIOUS',
    'CLIENT_JWT_SECRET',
    'ADMIN_API_KEY',
  ].flatMap((name) => {
    const value = get(name);
    return value === undefined ? [] : [{ name, value }];
  });
  const keys = listOf(get('CLIENT_API_KEYS'));
  return [...single, ...keys.map((value, i) => ({ name: keys.length === 1 ? 'CLIENT_API_KEYS' : `CLIENT_API_KEYS entry ${i + 1}`, value }))];
}

/** A comma list, entries trimmed, empty ones dropped. */
export function listOf(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

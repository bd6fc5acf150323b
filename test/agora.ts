/** Agora tokens read back with agora-token's own parser: the one way every test opens one. */
import agora from 'agora-token/src/AccessToken2.js';
import { expect } from 'vitest';
import { CREDENTIALS } from './fixtures.js';

/** One service inside an AccessToken2, as agora-token keeps it (fields of the service's kind are set). */
export interface AgoraService {
  readonly __type: number;
  readonly __channel_name: Buffer;
  readonly __uid: Buffer;
  readonly __user_id: Buffer;
  readonly __privileges: Record<string, number>;
}

/**
 * Parses `token` (it must parse) and checks its signature with `certificate` (the fixtures' unless
 * told otherwise; null skips the check). Returns the token and its first service.
 */
export function parseAgora(token: string, certificate: string | null = CREDENTIALS.AGORA_APP_CERTIFICATE) {
  const parsed = new agora.AccessToken2();
  expect(parsed.from_string(token)).toBe(true);
  if (certificate !== null) expect(parsed.verifySignature(certificate)).toBe(true);
  const services = parsed.services as unknown as AgoraService[];
  return { parsed, service: services[0]!, services };
}

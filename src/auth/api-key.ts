import { createHash, timingSafeEqual } from 'node:crypto';

/** The SHA-256 digest used to compare presented secrets in constant time. */
export function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * True when `presented` is one of the keys whose SHA-256 digests are `keyDigests`. Digests are
 * compared in constant time and every key is compared, so neither a key's content, its length nor
 * its place in CLIENT_API_KEYS leaks through timing.
 */
export function isKnownApiKey(presented: string, keyDigests: readonly Buffer[]): boolean {
  const presentedDigest = digest(presented);
  let known = false;
  for (const keyDigest of keyDigests) known = timingSafeEqual(presentedDigest, keyDigest) || known;
  return known;
}

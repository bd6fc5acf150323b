import { timingSafeEqual } from 'node:crypto';
import { digest } from '../config.js';

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

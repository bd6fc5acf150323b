/**
 * Recognises this server's own verifiable tokens: native conference/chat tokens and VideoSDK
 * tokens, signed with the current or the previous secret. /introspect and /revoke use it; the
 * meeting routes verify VideoSDK tokens directly. 100ms and Agora tokens are checked by their
 * providers, never here, so they are not recognised.
 */
import type { Credentials } from './service.js';
import { InvalidTokenError } from '../errors.js';
import { verifyNativeToken, type NativeClaims } from './native.js';
import { verifyVideoSdkToken, type VideoSdkClaims } from './videosdk.js';

/** The kinds of token this server can verify (the `token_type` of an introspection answer). */
export type VerifiableTokenType = 'conference' | 'chat' | 'videosdk';

/** A token this server issued, with its claims as they are in the token. */
export interface VerifiedToken {
  readonly type: VerifiableTokenType;
  readonly claims: NativeClaims | VideoSdkClaims;
}

/**
 * Verifies `token` as a native token, then as a VideoSDK token, with the providers configured in
 * `credentials`. `ignoreExpiration` also accepts an expired token of ours.
 * @throws InvalidTokenError with reason `expired` when it is ours but expired, else `invalid`
 */
export function verifyIssuedToken(
  token: string,
  credentials: Pick<Credentials, 'native' | 'videosdk'>,
  options: { now: Date; ignoreExpiration?: boolean },
): VerifiedToken {
  const { native, videosdk } = credentials;
  const verifiers: (() => VerifiedToken)[] = [];
  if (native)
    verifiers.push(() => {
      const claims = verifyNativeToken(token, native, options);
      return { type: claims.type, claims };
    });
  if (videosdk) verifiers.push(() => ({ type: 'videosdk', claims: verifyVideoSdkToken(token, videosdk, options) }));
  let expired: InvalidTokenError | undefined;
  for (const verify of verifiers) {
    try {
      return verify();
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      if (error.reason === 'expired') expired = error;
    }
  }
  throw expired ?? new InvalidTokenError('the token is not a valid token from this server');
}

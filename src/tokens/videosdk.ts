/**
 * VideoSDK access tokens: HS256 JWTs signed with the VideoSDK secret, in the payload shape
 * VideoSDK's servers read (`apikey`, `permissions`, `version: 2`, optional room/participant/roles),
 * plus a `jti` so one token can be revoked, and a `kid` header naming the signing secret.
 */
import type { KeyObject } from 'node:crypto';
import { checkArgs, integer, listOf, noted, optional, text, type Values } from './args.js';
import { InvalidTokenError } from '../errors.js';
import { lifetime, MAX_TTL_SECONDS, signHs256, verifyHs256, type BuildOptions, type IssuedToken } from './jwt.js';

export const VIDEOSDK_PERMISSIONS = ['allow_join', 'ask_join', 'allow_mod'] as const;
export type VideoSdkPermission = (typeof VIDEOSDK_PERMISSIONS)[number];
export const VIDEOSDK_ROLES = ['crawler', 'rtc'] as const;
export type VideoSdkRole = (typeof VIDEOSDK_ROLES)[number];

/** Default VideoSDK token lifetime, in seconds. */
export const VIDEOSDK_DEFAULT_TTL = 7200;

/** VideoSDK credentials from its dashboard: the API key (public) and the secret that signs. */
export interface VideoSdkCredentials {
  readonly apiKey: string;
  readonly secret: KeyObject;
  /** A retired secret that still verifies the tokens it signed (key rotation); never signs. */
  readonly previous?: KeyObject;
}

const identifier = text({ maxBytes: 128 });

/** The /get-token arguments; `maxTtl` and `defaultTtl` come from the deployment's configuration. */
export function videoSdkSchema(maxTtl = MAX_TTL_SECONDS, defaultTtl = Math.min(VIDEOSDK_DEFAULT_TTL, maxTtl)) {
  return {
    permissions: noted(
      optional(
        listOf(VIDEOSDK_PERMISSIONS, (list) =>
          list.includes('allow_join') && list.includes('ask_join') ? 'cannot hold both allow_join and ask_join' : undefined,
        ),
        ['allow_join'] as VideoSdkPermission[],
      ),
      '`allow_join` together with `ask_join` is a 400',
    ),
    roomId: noted(optional(identifier), 'In the payload only when given'),
    participantId: noted(optional(identifier), 'In the payload only when given'),
    roles: noted(optional(listOf(VIDEOSDK_ROLES)), 'Absent from the payload when not given'),
    expiresIn: noted(optional(integer(1, maxTtl), defaultTtl), 'Seconds; default `VIDEOSDK_TOKEN_TTL`, at most `TOKEN_MAX_TTL`'),
  };
}

export type VideoSdkInput = Values<ReturnType<typeof videoSdkSchema>>;

const defaultSchema = videoSdkSchema();

/** Builds a VideoSDK token. Throws TypeError/RangeError naming a bad argument. */
export function buildVideoSdkToken(input: Partial<VideoSdkInput>, credentials: VideoSdkCredentials, options?: BuildOptions): IssuedToken {
  const args = checkArgs(defaultSchema, input);
  const t = lifetime(options, args.expiresIn);
  const payload: Record<string, unknown> = { apikey: credentials.apiKey, permissions: args.permissions, version: 2 };
  if (args.roomId !== undefined) payload.roomId = args.roomId;
  if (args.participantId !== undefined) payload.participantId = args.participantId;
  if (args.roles !== undefined) payload.roles = args.roles;
  payload.jti = t.jti;
  payload.iat = t.iat;
  payload.exp = t.exp;
  return { token: signHs256(payload, credentials.secret, { withKeyId: true }), expiresAt: t.expiresAt };
}

/** The claims of a VideoSDK token this server verified. */
export interface VideoSdkClaims {
  readonly apikey: string;
  readonly permissions: readonly string[];
  readonly version?: number;
  readonly roomId?: string;
  readonly participantId?: string;
  readonly roles?: readonly string[];
  /** The token id, by which it can be revoked; absent from tokens issued before jti was added. */
  readonly jti?: string;
  readonly iat?: number;
  readonly exp: number;
}

/**
 * Verifies a VideoSDK token issued with `credentials`: HS256 only, signed with the current or the
 * previous secret (see {@link verifyHs256}), `exp` (required) and `nbf` with a small tolerance,
 * and `apikey` this deployment's key. `ignoreExpiration` accepts an expired token of ours.
 * Revocation is the caller's to check: it needs the store.
 * @throws InvalidTokenError saying why
 */
export function verifyVideoSdkToken(token: string, credentials: VideoSdkCredentials, options: { now?: Date; ignoreExpiration?: boolean } = {}): VideoSdkClaims {
  const claims = verifyHs256(
    token,
    { current: credentials.secret, previous: credentials.previous },
    { now: options.now ?? new Date(), ignoreExpiration: options.ignoreExpiration, invalidMessage: 'the token is not a valid VideoSDK token from this server' },
  ) as Partial<VideoSdkClaims>;
  if (typeof claims.exp !== 'number') throw new InvalidTokenError('the token has no expiry');
  if (claims.apikey !== credentials.apiKey) throw new InvalidTokenError('the token was issued for another API key');
  if (claims.roles !== undefined && !Array.isArray(claims.roles)) throw new InvalidTokenError('the token roles are malformed');
  return claims as VideoSdkClaims;
}

/**
 * The token service the HTTP routes call: one issuer per token kind, each holding the
 * deployment's credentials, its argument schema (bounded by the configured lifetimes) and the
 * builder that the library exports too. Schemas are built once here, never per request.
 */
import type { Credentials, TokenLifetimes } from '../config.js';
import { providerNotConfigured } from '../errors.js';
import type { Schema, Values } from './args.js';
import type { BuildOptions, IssuedToken } from './jwt.js';
import { buildAgoraRtcToken, buildAgoraRtmToken, rtcSchema, rtmSchema } from './agora.js';
import { buildVideoSdkToken, videoSdkSchema } from './videosdk.js';
import { buildHmsAppToken, buildHmsManagementToken, hmsAppSchema, hmsManagementSchema } from './hms.js';
import { buildChatToken, buildConferenceToken, chatSchema, conferenceSchema } from './native.js';

/** Which provider and which kind of token an issuer mints (the labels of `tokens_issued_total`). */
export interface TokenKind {
  readonly provider: 'agora' | 'videosdk' | '100ms' | 'native';
  readonly kind: string;
}

/** Mints one kind of token. `issue` throws 503 `provider not configured` when credentials are absent. */
export interface Issuer<S extends Schema> extends TokenKind {
  readonly schema: S;
  readonly configured: boolean;
  /** Throws the 503 when this provider has no credentials. */
  assertConfigured(): void;
  issue(args: Values<S>): IssuedToken;
}

/** Called after each token is issued (metrics hook). */
export type IssuedListener = (kind: TokenKind) => void;

function issuer<C, S extends Schema>(
  kind: TokenKind,
  credentials: C | undefined,
  schema: S,
  build: (args: Values<S>, credentials: C, options: BuildOptions) => IssuedToken,
  clock: () => Date,
  onIssued: IssuedListener,
): Issuer<S> {
  const assertConfigured = () => {
    if (credentials === undefined) throw providerNotConfigured(kind.provider);
  };
  return {
    ...kind,
    schema,
    configured: credentials !== undefined,
    assertConfigured,
    issue(args) {
      assertConfigured();
      const issued = build(args, credentials as C, { now: clock() });
      onIssued(kind);
      return issued;
    },
  };
}

/** Builds every issuer from the configuration. */
export function createTokenService(
  config: { readonly credentials: Credentials; readonly ttl: TokenLifetimes },
  options: { clock?: () => Date; onIssued?: IssuedListener } = {},
) {
  const { credentials: c, ttl } = config;
  const clock = options.clock ?? (() => new Date());
  const onIssued = options.onIssued ?? (() => {});
  const maxMinutes = Math.min(1440, Math.floor(ttl.max / 60));
  return {
    credentials: c,
    clock,
    agoraRtc: issuer({ provider: 'agora', kind: 'rtc' }, c.agora, rtcSchema(ttl.max, ttl.agora), buildAgoraRtcToken, clock, onIssued),
    agoraRtm: issuer({ provider: 'agora', kind: 'rtm' }, c.agora, rtmSchema(ttl.max, ttl.agora), buildAgoraRtmToken, clock, onIssued),
    videosdk: issuer({ provider: 'videosdk', kind: 'access' }, c.videosdk, videoSdkSchema(ttl.max, ttl.videosdk), buildVideoSdkToken, clock, onIssued),
    hmsApp: issuer({ provider: '100ms', kind: 'app' }, c.hms, hmsAppSchema(ttl.max, ttl.hms), buildHmsAppToken, clock, onIssued),
    hmsManagement: issuer(
      { provider: '100ms', kind: 'management' },
      c.hms,
      hmsManagementSchema(ttl.max, ttl.hms),
      buildHmsManagementToken,
      clock,
      onIssued,
    ),
    conference: issuer({ provider: 'native', kind: 'conference' }, c.native, conferenceSchema(maxMinutes), buildConferenceToken, clock, onIssued),
    chat: issuer({ provider: 'native', kind: 'chat' }, c.native, chatSchema(maxMinutes), buildChatToken, clock, onIssued),
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

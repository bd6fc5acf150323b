/**
 * The token service the HTTP routes call: one issuer per token kind, each holding the
 * deployment's credentials, its argument schema (bounded by the configured lifetimes) and the
 * builder that the library exports too. Schemas are built once here, never per request.
 */
import { providerNotConfigured } from '../errors.js';
import type { Schema, Values } from './args.js';
import type { BuildOptions, IssuedToken } from './jwt.js';
import {
  buildAgoraChatAppToken,
  buildAgoraChatUserToken,
  buildAgoraRteToken,
  buildAgoraRtcToken,
  buildAgoraRtmToken,
  chatAppSchema,
  chatUserSchema,
  rteSchema,
  rtcSchema,
  rtmSchema,
  type AgoraCredentials,
} from './agora.js';
import { buildVideoSdkToken, videoSdkSchema, type VideoSdkCredentials } from './videosdk.js';
import { buildHmsAppToken, buildHmsManagementToken, hmsAppSchema, hmsManagementSchema, type HmsCredentials } from './hms.js';
import { buildChatToken, buildConferenceToken, chatSchema, conferenceSchema, type NativeCredentials } from './native.js';
import { systemClock, type Clock } from '../clock.js';

/** Credentials per provider; an absent provider answers 503 `provider not configured`. */
export interface Credentials {
  readonly agora?: AgoraCredentials;
  readonly videosdk?: VideoSdkCredentials;
  readonly hms?: HmsCredentials;
  readonly native?: NativeCredentials;
}

/** Default lifetimes, in seconds, each at most `max` (TOKEN_MAX_TTL). */
export interface TokenLifetimes {
  readonly max: number;
  readonly agora: number;
  readonly videosdk: number;
  readonly hms: number;
}

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
  clock: Clock,
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

/** What the routes, the CLI and the library's callers mint with: one issuer per token kind. */
export interface TokenService {
  /** The credentials the issuers sign with (and the meeting and admin routes verify with). */
  readonly credentials: Credentials;
  /** The clock every issuer reads "now" from. */
  readonly clock: Clock;
  readonly agoraRtc: Issuer<ReturnType<typeof rtcSchema>>;
  readonly agoraRtm: Issuer<ReturnType<typeof rtmSchema>>;
  readonly agoraRte: Issuer<ReturnType<typeof rteSchema>>;
  readonly agoraChat: Issuer<ReturnType<typeof chatUserSchema>>;
  readonly agoraChatApp: Issuer<ReturnType<typeof chatAppSchema>>;
  readonly videosdk: Issuer<ReturnType<typeof videoSdkSchema>>;
  readonly hmsApp: Issuer<ReturnType<typeof hmsAppSchema>>;
  readonly hmsManagement: Issuer<ReturnType<typeof hmsManagementSchema>>;
  readonly conference: Issuer<ReturnType<typeof conferenceSchema>>;
  readonly chat: Issuer<ReturnType<typeof chatSchema>>;
}

/** The name of each issuer of a {@link TokenService}. */
export type IssuerName = Exclude<keyof TokenService, 'credentials' | 'clock'>;

/** Builds every issuer from the configuration. */
export function createTokenService(
  config: { readonly credentials: Credentials; readonly ttl: TokenLifetimes },
  options: { clock?: Clock; onIssued?: IssuedListener } = {},
): TokenService {
  const { credentials: c, ttl } = config;
  const clock = options.clock ?? systemClock;
  const onIssued = options.onIssued ?? (() => {});
  const maxMinutes = Math.min(1440, Math.floor(ttl.max / 60));
  return {
    credentials: c,
    clock,
    agoraRtc: issuer({ provider: 'agora', kind: 'rtc' }, c.agora, rtcSchema(ttl.max, ttl.agora), buildAgoraRtcToken, clock, onIssued),
    agoraRtm: issuer({ provider: 'agora', kind: 'rtm' }, c.agora, rtmSchema(ttl.max, ttl.agora), buildAgoraRtmToken, clock, onIssued),
    agoraRte: issuer({ provider: 'agora', kind: 'rte' }, c.agora, rteSchema(ttl.max, ttl.agora), buildAgoraRteToken, clock, onIssued),
    agoraChat: issuer({ provider: 'agora', kind: 'chat-user' }, c.agora, chatUserSchema(ttl.max, ttl.agora), buildAgoraChatUserToken, clock, onIssued),
    agoraChatApp: issuer({ provider: 'agora', kind: 'chat-app' }, c.agora, chatAppSchema(ttl.max, ttl.agora), buildAgoraChatAppToken, clock, onIssued),
    videosdk: issuer({ provider: 'videosdk', kind: 'access' }, c.videosdk, videoSdkSchema(ttl.max, ttl.videosdk), buildVideoSdkToken, clock, onIssued),
    hmsApp: issuer({ provider: '100ms', kind: 'app' }, c.hms, hmsAppSchema(ttl.max, ttl.hms), buildHmsAppToken, clock, onIssued),
    hmsManagement: issuer({ provider: '100ms', kind: 'management' }, c.hms, hmsManagementSchema(ttl.max, ttl.hms), buildHmsManagementToken, clock, onIssued),
    conference: issuer({ provider: 'native', kind: 'conference' }, c.native, conferenceSchema(maxMinutes), buildConferenceToken, clock, onIssued),
    chat: issuer({ provider: 'native', kind: 'chat' }, c.native, chatSchema(maxMinutes), buildChatToken, clock, onIssued),
  };
}

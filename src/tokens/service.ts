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

/** Whom and where a token is minted for: its user and its room or channel, as text (a uid 42 is "42"). */
export interface MintScope {
  readonly subject?: string | undefined;
  readonly room?: string | undefined;
}

/** Called before each token is built with whom and where it is for; throws to refuse (the revocation rules). */
export type MintCheck = (scope: MintScope) => void;

/** A uid as the text a revocation rule names it by (42 → "42"). */
const text = (value: string | number | undefined): string | undefined => (value === undefined ? undefined : String(value));

/** How an issuer is made: its kind, its schema and builder, and which arguments name its user and room. */
interface IssuerSpec<C, S extends Schema> {
  readonly kind: TokenKind;
  readonly credentials: C | undefined;
  readonly schema: S;
  readonly build: (args: Values<S>, credentials: C, options: BuildOptions) => IssuedToken;
  readonly scope?: (args: Values<S>) => MintScope;
}

function issuer<C, S extends Schema>(
  { kind, credentials, schema, build, scope }: IssuerSpec<C, S>,
  clock: Clock,
  onIssued: IssuedListener,
  check: MintCheck | undefined,
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
      if (check !== undefined && scope !== undefined) check(scope(args));
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
  options: { clock?: Clock; onIssued?: IssuedListener; check?: MintCheck } = {},
): TokenService {
  const { credentials: c, ttl } = config;
  const clock = options.clock ?? systemClock;
  const onIssued = options.onIssued ?? (() => {});
  const make = <C, S extends Schema>(spec: IssuerSpec<C, S>) => issuer(spec, clock, onIssued, options.check);
  const maxMinutes = Math.min(1440, Math.floor(ttl.max / 60));
  /** Which provider and kind an issuer mints, with that provider's credentials. */
  const minting = <C>(provider: TokenKind['provider'], kind: string, credentials: C | undefined) => ({ kind: { provider, kind }, credentials });
  const uidInChannel = (a: { uid: number | string; channelName: string }) => ({ subject: text(a.uid), room: a.channelName });
  const userInRoom = (a: { userId: string; roomId: string }) => ({ subject: a.userId, room: a.roomId });
  return {
    credentials: c,
    clock,
    agoraRtc: make({ ...minting('agora', 'rtc', c.agora), schema: rtcSchema(ttl.max, ttl.agora), build: buildAgoraRtcToken, scope: uidInChannel }),
    agoraRtm: make({
      ...minting('agora', 'rtm', c.agora),
      schema: rtmSchema(ttl.max, ttl.agora),
      build: buildAgoraRtmToken,
      scope: (a) => ({ subject: a.uid }),
    }),
    agoraRte: make({ ...minting('agora', 'rte', c.agora), schema: rteSchema(ttl.max, ttl.agora), build: buildAgoraRteToken, scope: uidInChannel }),
    agoraChat: make({
      ...minting('agora', 'chat-user', c.agora),
      schema: chatUserSchema(ttl.max, ttl.agora),
      build: buildAgoraChatUserToken,
      scope: (a) => ({ subject: a.userId }),
    }),
    agoraChatApp: make({ ...minting('agora', 'chat-app', c.agora), schema: chatAppSchema(ttl.max, ttl.agora), build: buildAgoraChatAppToken }),
    videosdk: make({
      ...minting('videosdk', 'access', c.videosdk),
      schema: videoSdkSchema(ttl.max, ttl.videosdk),
      build: buildVideoSdkToken,
      scope: (a) => ({ subject: a.participantId, room: a.roomId }),
    }),
    hmsApp: make({ ...minting('100ms', 'app', c.hms), schema: hmsAppSchema(ttl.max, ttl.hms), build: buildHmsAppToken, scope: userInRoom }),
    hmsManagement: make({ ...minting('100ms', 'management', c.hms), schema: hmsManagementSchema(ttl.max, ttl.hms), build: buildHmsManagementToken }),
    conference: make({ ...minting('native', 'conference', c.native), schema: conferenceSchema(maxMinutes), build: buildConferenceToken, scope: userInRoom }),
    chat: make({
      ...minting('native', 'chat', c.native),
      schema: chatSchema(maxMinutes),
      build: buildChatToken,
      scope: (a) => ({ subject: a.userId, room: a.channelId }),
    }),
  };
}

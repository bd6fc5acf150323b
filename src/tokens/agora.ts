/**
 * Agora AccessToken2 (`007…`) tokens for RTC (video/voice), RTM (signaling), both in one (RTE),
 * and Agora Chat (user and app tokens), built with the
 * classes of Agora's official `agora-token` package. The package's high-level builders read the
 * clock themselves; building from its AccessToken2/ServiceRtc classes with an explicit issue
 * time keeps these builders pure, and grants exactly the privileges those builders grant.
 */
import agora, { type Service } from 'agora-token/src/AccessToken2.js';
import { ArgumentRangeError, ArgumentTypeError } from '../errors.js';
import { checkArgs, integer, noted, oneOf, optional, required, text, type Rule, type Values } from './args.js';
import { epochSeconds, type BuildOptions, type IssuedToken } from './jwt.js';

const { AccessToken2, ServiceChat, ServiceRtc, ServiceRtm } = agora;

/** Agora caps a token's lifetime at 24 hours. */
export const AGORA_MAX_TTL = 86400;
/** Default Agora token and privilege lifetime, in seconds. */
export const AGORA_DEFAULT_TTL = 3600;
/** The largest uid Agora accepts (uint32); 0 is the wildcard that joins as any uid. */
export const AGORA_MAX_UID = 4294967295;

export const AGORA_ROLES = ['publisher', 'subscriber'] as const;
export type AgoraRole = (typeof AGORA_ROLES)[number];

/** The App ID and App Certificate from Agora's console: 32 hex characters each. */
export interface AgoraCredentials {
  readonly appId: string;
  readonly appCertificate: string;
}

/** An Agora App ID or App Certificate: exactly 32 hex characters. */
export const HEX32 = /^[0-9a-fA-F]{32}$/;

/** Agora's channel-name alphabet, under 64 bytes. */
export const channelName = text({
  maxBytes: 63,
  pattern: /^[a-zA-Z0-9 !#$%&()+\-:;<=.>?@[\]^_{}|~,]+$/,
  patternHint: 'may only contain letters, digits, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,',
  doc: "1–63 bytes of Agora's alphabet: `a-z A-Z 0-9 space ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } \\| ~ ,`",
});

const account = text({ maxBytes: 255 });

/**
 * An RTC uid: digits 0..4294967295 build a uid token (never wrapped: a wrapped uid could become the
 * wildcard 0); any other non-empty string up to 255 bytes builds a user-account token.
 */
export const rtcUid: Rule<number | string> = {
  doc: `digits only → numeric uid \`0..${AGORA_MAX_UID}\`; any other text of 1–255 bytes (\`alice\`, \`12a\`, \`-1\`) → a **user-account** token`,
  check(value, name) {
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > AGORA_MAX_UID) {
        throw new ArgumentRangeError(name, `${name} must be a whole number from 0 to ${AGORA_MAX_UID}, or a user account`);
      }
      return value;
    }
    if (typeof value !== 'string') throw new ArgumentTypeError(name, `${name} must be a number or a string`);
    if (/^\d+$/.test(value)) {
      // Compare digits, not a parsed number, so no length of input can round into range.
      const digits = value.replace(/^0+(?=\d)/, '');
      return rtcUid.check(digits.length > 10 ? Infinity : Number(digits), name);
    }
    return account.check(value, name);
  },
  parse: (raw, name) => rtcUid.check(raw, name),
};

/** The /access_token arguments. */
export function rtcSchema(maxTtl = AGORA_MAX_TTL, defaultTtl = Math.min(AGORA_DEFAULT_TTL, maxTtl)) {
  return {
    channelName: required(channelName),
    uid: noted(
      optional(rtcUid, 0 as number | string),
      'Default `0` is the wildcard. Digits outside the range are a 400, never wrapped or truncated (a wrapped uid could become the wildcard `0`)',
    ),
    role: noted(
      optional(oneOf(AGORA_ROLES), 'subscriber'),
      '`publisher` joins and publishes audio, video and data; `subscriber` joins. Anything else is a 400, never silently `subscriber`',
    ),
    expireTime: expireTime(maxTtl, defaultTtl),
  };
}

/** Seconds until the token and its privileges expire. */
const expireTime = (maxTtl: number, defaultTtl: number) =>
  noted(
    optional(integer(1, Math.min(maxTtl, AGORA_MAX_TTL)), defaultTtl),
    'Seconds; default `AGORA_TOKEN_TTL`, at most `min(TOKEN_MAX_TTL, 86400)`. Both the token and its privileges expire after this',
  );

/** The /rtm_token arguments. */
export function rtmSchema(maxTtl = AGORA_MAX_TTL, defaultTtl = Math.min(AGORA_DEFAULT_TTL, maxTtl)) {
  return {
    uid: noted(required(text({ maxBytes: 64 })), 'The RTM user id'),
    expireTime: expireTime(maxTtl, defaultTtl),
  };
}

/** An RTE uid: an RTC uid or account that is also the RTM user id, so never the wildcard 0. */
const rteUid: Rule<number | string> = {
  doc: `${rtcUid.doc}; never \`0\``,
  check(value, name) {
    const uid = rtcUid.check(value, name);
    if (uid === 0) throw new ArgumentRangeError(name, `${name} must not be 0: the RTM login needs a user id`);
    return uid;
  },
  parse: (raw, name) => rteUid.check(raw, name),
};

/** The /rte_token arguments: one token with RTC privileges in a channel and the RTM login of the same user. */
export function rteSchema(maxTtl = AGORA_MAX_TTL, defaultTtl = Math.min(AGORA_DEFAULT_TTL, maxTtl)) {
  return {
    channelName: required(channelName),
    uid: noted(required(rteUid), 'The RTC uid or account, and the RTM user id (a numeric uid as its decimal text)'),
    role: noted(optional(oneOf(AGORA_ROLES), 'subscriber'), '`publisher` joins and publishes audio, video and data; `subscriber` joins'),
    expireTime: expireTime(maxTtl, defaultTtl),
  };
}

/** The /agora/chat-token arguments. */
export function chatUserSchema(maxTtl = AGORA_MAX_TTL, defaultTtl = Math.min(AGORA_DEFAULT_TTL, maxTtl)) {
  return {
    userId: noted(required(text({ maxBytes: 64 })), 'The Agora Chat user id'),
    expireTime: expireTime(maxTtl, defaultTtl),
  };
}

/** The /agora/chat-app-token arguments. */
export function chatAppSchema(maxTtl = AGORA_MAX_TTL, defaultTtl = Math.min(AGORA_DEFAULT_TTL, maxTtl)) {
  return { expireTime: expireTime(maxTtl, defaultTtl) };
}

export type AgoraRtcInput = Values<ReturnType<typeof rtcSchema>>;
export type AgoraRtmInput = Values<ReturnType<typeof rtmSchema>>;
export type AgoraRteInput = Values<ReturnType<typeof rteSchema>>;
export type AgoraChatUserInput = Values<ReturnType<typeof chatUserSchema>>;
export type AgoraChatAppInput = Values<ReturnType<typeof chatAppSchema>>;

const defaultRtc = rtcSchema();
const defaultRtm = rtmSchema();
const defaultRte = rteSchema();
const defaultChatUser = chatUserSchema();
const defaultChatApp = chatAppSchema();

/** Refuses credentials Agora's builder would silently turn into an empty token. */
export function assertAgoraCredentials(credentials: AgoraCredentials): void {
  if (!HEX32.test(credentials?.appId ?? '')) throw new TypeError('appId must be 32 hex characters');
  if (!HEX32.test(credentials?.appCertificate ?? '')) throw new TypeError('appCertificate must be 32 hex characters');
}

function build(token: InstanceType<typeof AccessToken2>): string {
  const built = token.build();
  // agora-token answers '' instead of throwing when it cannot build; never hand that out.
  if (built === '') throw new Error('agora-token could not build a token from these credentials');
  return built;
}

/** Builds an RTC token (uid or user account). Token and privileges expire after `expireTime` seconds. */
export function buildAgoraRtcToken(input: Partial<AgoraRtcInput>, credentials: AgoraCredentials, options?: BuildOptions): IssuedToken {
  assertAgoraCredentials(credentials);
  const args = checkArgs(defaultRtc, input);
  return issue(credentials, args.expireTime, options, [rtcService(args.channelName, args.uid, args.role, args.expireTime)]);
}

/** Builds an RTM (signaling) login token for `uid`. */
export function buildAgoraRtmToken(input: Partial<AgoraRtmInput>, credentials: AgoraCredentials, options?: BuildOptions): IssuedToken {
  assertAgoraCredentials(credentials);
  const args = checkArgs(defaultRtm, input);
  return issue(credentials, args.expireTime, options, [rtmService(args.uid, args.expireTime)]);
}

/**
 * Builds one token with RTC privileges in `channelName` and the RTM login of the same user, as
 * agora-token's RtcTokenBuilder.buildTokenWithRtm composes it; token and privileges expire after
 * `expireTime` seconds.
 */
export function buildAgoraRteToken(input: Partial<AgoraRteInput>, credentials: AgoraCredentials, options?: BuildOptions): IssuedToken {
  assertAgoraCredentials(credentials);
  const args = checkArgs(defaultRte, input);
  const services = [rtcService(args.channelName, args.uid, args.role, args.expireTime), rtmService(String(args.uid), args.expireTime)];
  return issue(credentials, args.expireTime, options, services);
}

/** Builds an Agora Chat user token for `userId`, as agora-token's ChatTokenBuilder.buildUserToken does. */
export function buildAgoraChatUserToken(input: Partial<AgoraChatUserInput>, credentials: AgoraCredentials, options?: BuildOptions): IssuedToken {
  assertAgoraCredentials(credentials);
  const args = checkArgs(defaultChatUser, input);
  return issue(credentials, args.expireTime, options, [chatService(args.userId, ServiceChat.kPrivilegeUser, args.expireTime)]);
}

/** Builds the Agora Chat app token (server-side), as agora-token's ChatTokenBuilder.buildAppToken does. */
export function buildAgoraChatAppToken(input: Partial<AgoraChatAppInput>, credentials: AgoraCredentials, options?: BuildOptions): IssuedToken {
  assertAgoraCredentials(credentials);
  const args = checkArgs(defaultChatApp, input);
  return issue(credentials, args.expireTime, options, [chatService(undefined, ServiceChat.kPrivilegeApp, args.expireTime)]);
}

/** One AccessToken2 holding `services`, issued at `options.now` (default: now), valid for `expire` seconds. */
function issue(credentials: AgoraCredentials, expire: number, options: BuildOptions | undefined, services: readonly Service[]): IssuedToken {
  const issueTs = epochSeconds(options?.now ?? new Date());
  const token = new AccessToken2(credentials.appId, credentials.appCertificate, issueTs, expire);
  for (const service of services) token.add_service(service);
  return { token: build(token), expiresAt: new Date((issueTs + expire) * 1000) };
}

/** The RTC service of a channel for `uid`, with join (and for a publisher, publish) privileges until `expire`. */
function rtcService(channel: string, uid: number | string, role: AgoraRole, expire: number) {
  const rtc = new ServiceRtc(channel, uid);
  rtc.add_privilege(ServiceRtc.kPrivilegeJoinChannel, expire);
  if (role === 'publisher') {
    rtc.add_privilege(ServiceRtc.kPrivilegePublishAudioStream, expire);
    rtc.add_privilege(ServiceRtc.kPrivilegePublishVideoStream, expire);
    rtc.add_privilege(ServiceRtc.kPrivilegePublishDataStream, expire);
  }
  return rtc;
}

/** The RTM service: the login of `userId` until `expire`. */
function rtmService(userId: string, expire: number) {
  const rtm = new ServiceRtm(userId);
  rtm.add_privilege(ServiceRtm.kPrivilegeLogin, expire);
  return rtm;
}

/** The Chat service with one privilege: a user's (with its id) or the app's (no user). */
function chatService(userId: string | undefined, privilege: number, expire: number) {
  const chat = new ServiceChat(userId);
  chat.add_privilege(privilege, expire);
  return chat;
}

/**
 * Agora AccessToken2 (`007…`) tokens for RTC (video/voice) and RTM (signaling), built with the
 * classes of Agora's official `agora-token` package. The package's high-level builders read the
 * clock themselves; building from its AccessToken2/ServiceRtc classes with an explicit issue
 * time keeps these builders pure, and grants exactly the privileges those builders grant.
 */
import agora from 'agora-token/src/AccessToken2.js';
import { ArgumentRangeError, ArgumentTypeError } from '../errors.js';
import { checkArgs, integer, noted, oneOf, optional, required, text, type Rule, type Values } from './args.js';
import { epochSeconds, type BuildOptions, type IssuedToken } from './jwt.js';

const { AccessToken2, ServiceRtc, ServiceRtm } = agora;

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

export type AgoraRtcInput = Values<ReturnType<typeof rtcSchema>>;
export type AgoraRtmInput = Values<ReturnType<typeof rtmSchema>>;

const defaultRtc = rtcSchema();
const defaultRtm = rtmSchema();

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
  const issueTs = epochSeconds(options?.now ?? new Date());
  const token = new AccessToken2(credentials.appId, credentials.appCertificate, issueTs, args.expireTime);
  const rtc = new ServiceRtc(args.channelName, args.uid);
  rtc.add_privilege(ServiceRtc.kPrivilegeJoinChannel, args.expireTime);
  if (args.role === 'publisher') {
    rtc.add_privilege(ServiceRtc.kPrivilegePublishAudioStream, args.expireTime);
    rtc.add_privilege(ServiceRtc.kPrivilegePublishVideoStream, args.expireTime);
    rtc.add_privilege(ServiceRtc.kPrivilegePublishDataStream, args.expireTime);
  }
  token.add_service(rtc);
  return { token: build(token), expiresAt: new Date((issueTs + args.expireTime) * 1000) };
}

/** Builds an RTM (signaling) login token for `uid`. */
export function buildAgoraRtmToken(input: Partial<AgoraRtmInput>, credentials: AgoraCredentials, options?: BuildOptions): IssuedToken {
  assertAgoraCredentials(credentials);
  const args = checkArgs(defaultRtm, input);
  const issueTs = epochSeconds(options?.now ?? new Date());
  const token = new AccessToken2(credentials.appId, credentials.appCertificate, issueTs, args.expireTime);
  const rtm = new ServiceRtm(args.uid);
  rtm.add_privilege(ServiceRtm.kPrivilegeLogin, args.expireTime);
  token.add_service(rtm);
  return { token: build(token), expiresAt: new Date((issueTs + args.expireTime) * 1000) };
}

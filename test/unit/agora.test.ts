import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatTokenBuilder, RtcRole, RtcTokenBuilder, RtmTokenBuilder } from 'agora-token';
import { buildAgoraChatAppToken, buildAgoraChatUserToken, buildAgoraRteToken, buildAgoraRtcToken, buildAgoraRtmToken } from '../../src/index.js';
import { CREDENTIALS, NOW, NOW_S } from '../fixtures.js';
import { parseAgora } from '../agora.js';

const creds = { appId: CREDENTIALS.AGORA_APP_ID, appCertificate: CREDENTIALS.AGORA_APP_CERTIFICATE };
const JOIN = 1;
const PUBLISH = [2, 3, 4];

const parse = (token: string) => parseAgora(token);

afterEach(() => {
  vi.useRealTimers();
});

describe('Agora RTC tokens', () => {
  it('when a publisher uid token is built, then Agora parses it with join and publish privileges', () => {
    const issued = buildAgoraRtcToken({ channelName: 'test', uid: 1234, role: 'publisher', expireTime: 600 }, creds, { now: NOW });
    expect(issued.token.startsWith('007')).toBe(true);
    const { parsed, service } = parse(issued.token);
    expect(String(parsed.appId)).toBe(CREDENTIALS.AGORA_APP_ID);
    expect(parsed.issueTs).toBe(NOW_S);
    expect(parsed.expire).toBe(600);
    expect(String(service.__channel_name)).toBe('test');
    expect(String(service.__uid)).toBe('1234');
    expect(service.__privileges).toEqual({ [JOIN]: 600, [PUBLISH[0]!]: 600, [PUBLISH[1]!]: 600, [PUBLISH[2]!]: 600 });
    expect(issued.expiresAt.toISOString()).toBe('2026-11-23T17:10:00.000Z');
  });

  it('when a subscriber token is built, then it can only join', () => {
    const { service } = parse(buildAgoraRtcToken({ channelName: 'test', uid: 7 }, creds, { now: NOW }).token);
    expect(service.__privileges).toEqual({ [JOIN]: 3600 });
  });

  it('when the uid is omitted, then it is the wildcard 0 (empty uid in the token)', () => {
    const { service } = parse(buildAgoraRtcToken({ channelName: 'test' }, creds, { now: NOW }).token);
    expect(String(service.__uid)).toBe('');
  });

  it('when the uid is a non-numeric string, then a user-account token is built', () => {
    const { service } = parse(buildAgoraRtcToken({ channelName: 'test', uid: 'alice@example' }, creds, { now: NOW }).token);
    expect(String(service.__uid)).toBe('alice@example');
  });

  it('when the uid has leading zeros, then it is the same numeric uid', () => {
    const { service } = parse(buildAgoraRtcToken({ channelName: 'test', uid: '000000000001234' }, creds, { now: NOW }).token);
    expect(String(service.__uid)).toBe('1234');
  });

  it('when the uid is a digit string, then it is a numeric uid', () => {
    const { service } = parse(buildAgoraRtcToken({ channelName: 'test', uid: '4294967295' }, creds, { now: NOW }).token);
    expect(String(service.__uid)).toBe('4294967295');
  });

  it('when built at the same instant as the official RtcTokenBuilder, then both grant the same services', () => {
    vi.useFakeTimers({ now: NOW });
    const ours = parse(buildAgoraRtcToken({ channelName: 'room 1', uid: 42, role: 'publisher', expireTime: 900 }, creds).token);
    const official = parse(RtcTokenBuilder.buildTokenWithUid(creds.appId, creds.appCertificate, 'room 1', 42, RtcRole.PUBLISHER, 900, 900));
    expect(ours.parsed.issueTs).toBe(official.parsed.issueTs);
    expect(ours.service).toEqual(official.service);
  });

  it.each([
    [{ channelName: 'test', uid: 4294967296 }, RangeError, /uid must be a whole number from 0 to 4294967295/],
    [{ channelName: 'test', uid: '4294967296' }, RangeError, /uid must be a whole number from 0 to 4294967295/],
    [{ channelName: 'test', uid: '99999999999999999999' }, RangeError, /uid must be a whole number/],
    [{ channelName: 'test', uid: -1 }, RangeError, /uid/],
    [{ channelName: 'test', uid: 'a'.repeat(256) }, RangeError, /uid must be at most 255 bytes/],
    [{ channelName: 'test', uid: true }, TypeError, /uid must be a number or a string/],
    [{}, TypeError, /channelName is required/],
    [{ channelName: 'x'.repeat(64) }, RangeError, /channelName must be at most 63 bytes/],
    [{ channelName: 'bad/name' }, RangeError, /channelName may only contain/],
    [{ channelName: 'caf\u00e9' }, RangeError, /channelName may only contain/],
    [{ channelName: 'test', role: 'admin' }, RangeError, /role must be one of: publisher, subscriber/],
    [{ channelName: 'test', expireTime: 0 }, RangeError, /expireTime must be a whole number from 1 to 86400/],
    [{ channelName: 'test', expireTime: 86401 }, RangeError, /expireTime/],
  ])('when the input is %j, then it throws naming the argument', (input, type, message) => {
    expect(() => buildAgoraRtcToken(input as never, creds)).toThrow(type);
    expect(() => buildAgoraRtcToken(input as never, creds)).toThrow(message);
  });

  it('when every character of the channel alphabet is used, then the token is built', () => {
    const name = 'aZ09 !#$%&()+-:;<=.>?@[]^_{}|~,';
    expect(String(parse(buildAgoraRtcToken({ channelName: name }, creds).token).service.__channel_name)).toBe(name);
  });

  it.each([
    [{ appId: 'not-hex', appCertificate: CREDENTIALS.AGORA_APP_CERTIFICATE }, /appId must be 32 hex characters/],
    [{ appId: CREDENTIALS.AGORA_APP_ID, appCertificate: '' }, /appCertificate must be 32 hex characters/],
  ])('when the credentials are malformed, then it throws instead of returning an empty token', (bad, message) => {
    expect(() => buildAgoraRtcToken({ channelName: 'test' }, bad)).toThrow(message);
  });
});

describe('Agora RTM tokens', () => {
  it('when an RTM token is built, then Agora parses a login privilege for the user', () => {
    const issued = buildAgoraRtmToken({ uid: 'bob', expireTime: 120 }, creds, { now: NOW });
    const { parsed, service } = parse(issued.token);
    expect(parsed.expire).toBe(120);
    expect(String(service.__user_id)).toBe('bob');
    expect(service.__privileges).toEqual({ 1: 120 });
    expect(issued.expiresAt.getTime()).toBe(NOW.getTime() + 120_000);
  });

  it('when built at the same instant as the official RtmTokenBuilder, then both grant the same service', () => {
    vi.useFakeTimers({ now: NOW });
    const ours = parse(buildAgoraRtmToken({ uid: 'bob', expireTime: 300 }, creds).token);
    const official = parse(RtmTokenBuilder.buildToken(creds.appId, creds.appCertificate, 'bob', 300));
    expect(ours.service).toEqual(official.service);
  });

  it.each([
    [{}, /uid is required/],
    [{ uid: 'x'.repeat(65) }, /uid must be at most 64 bytes/],
    [{ uid: 'bob', expireTime: -5 }, /expireTime/],
  ])('when the input is %j, then it throws naming the argument', (input, message) => {
    expect(() => buildAgoraRtmToken(input as never, creds)).toThrow(message);
  });
});

describe('Agora RTE tokens (RTC and RTM in one)', () => {
  it('when a publisher token is built, then Agora parses an RTC service with every privilege and an RTM login for the same user', () => {
    const issued = buildAgoraRteToken({ channelName: 'room1', uid: 42, role: 'publisher', expireTime: 600 }, creds, { now: NOW });
    const { parsed, services } = parse(issued.token);
    expect([parsed.issueTs, parsed.expire]).toEqual([NOW_S, 600]);
    expect(services.map((s) => s.__type)).toEqual([1, 2]);
    expect([String(services[0]!.__channel_name), String(services[0]!.__uid)]).toEqual(['room1', '42']);
    expect(services[0]!.__privileges).toEqual({ 1: 600, 2: 600, 3: 600, 4: 600 });
    expect(String(services[1]!.__user_id)).toBe('42');
    expect(services[1]!.__privileges).toEqual({ 1: 600 });
    expect(issued.expiresAt.getTime()).toBe(NOW.getTime() + 600_000);
  });

  it('when built at the same instant as the official RtcTokenBuilder.buildTokenWithRtm, then both grant the same services', () => {
    vi.useFakeTimers({ now: NOW });
    const ours = parse(buildAgoraRteToken({ channelName: 'room 1', uid: 'alice', role: 'subscriber', expireTime: 900 }, creds).token);
    const official = parse(RtcTokenBuilder.buildTokenWithRtm(creds.appId, creds.appCertificate, 'room 1', 'alice', RtcRole.SUBSCRIBER, 900, 900));
    expect(ours.parsed.issueTs).toBe(official.parsed.issueTs);
    expect(ours.services).toEqual(official.services);
  });

  it.each([
    [{ channelName: 'room1' }, TypeError, /uid is required/],
    [{ channelName: 'room1', uid: 0 }, RangeError, /uid must not be 0: the RTM login needs a user id/],
    [{ channelName: 'room1', uid: '0' }, RangeError, /uid must not be 0/],
    [{ channelName: 'room1', uid: 4294967296 }, RangeError, /uid must be a whole number from 0 to 4294967295/],
    [{ channelName: 'bad/name', uid: 1 }, RangeError, /channelName may only contain/],
  ])('when the input is %j, then it throws naming the argument', (input, type, message) => {
    expect(() => buildAgoraRteToken(input as never, creds)).toThrow(type);
    expect(() => buildAgoraRteToken(input as never, creds)).toThrow(message);
  });
});

describe('Agora Chat tokens', () => {
  it('when a user token is built, then Agora parses the Chat service with the user privilege for that user', () => {
    const { parsed, services } = parse(buildAgoraChatUserToken({ userId: 'alice', expireTime: 300 }, creds, { now: NOW }).token);
    expect([parsed.issueTs, parsed.expire]).toEqual([NOW_S, 300]);
    expect(services).toHaveLength(1);
    expect([services[0]!.__type, String(services[0]!.__user_id), services[0]!.__privileges]).toEqual([5, 'alice', { 1: 300 }]);
  });

  it('when an app token is built, then Agora parses the Chat service with the app privilege and no user', () => {
    const { services } = parse(buildAgoraChatAppToken({ expireTime: 300 }, creds, { now: NOW }).token);
    expect([services[0]!.__type, String(services[0]!.__user_id), services[0]!.__privileges]).toEqual([5, '', { 2: 300 }]);
  });

  it('when built at the same instant as the official ChatTokenBuilder, then both grant the same services', () => {
    vi.useFakeTimers({ now: NOW });
    expect(parse(buildAgoraChatUserToken({ userId: 'alice', expireTime: 600 }, creds).token).services).toEqual(
      parse(ChatTokenBuilder.buildUserToken(creds.appId, creds.appCertificate, 'alice', 600)).services,
    );
    expect(parse(buildAgoraChatAppToken({ expireTime: 600 }, creds).token).services).toEqual(
      parse(ChatTokenBuilder.buildAppToken(creds.appId, creds.appCertificate, 600)).services,
    );
  });

  it.each([
    [{}, /userId is required/],
    [{ userId: 'x'.repeat(65) }, /userId must be at most 64 bytes/],
    [{ userId: 'alice', expireTime: 86401 }, /expireTime/],
  ])('when the user token input is %j, then it throws naming the argument', (input, message) => {
    expect(() => buildAgoraChatUserToken(input as never, creds)).toThrow(message);
  });
});

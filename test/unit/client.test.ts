import { describe, expect, it } from 'vitest';
import TokenClient, { TokenClient as NamedTokenClient } from '../../src/index.js';
import { CREDENTIALS, NOW, NOW_S, UUID_V4, verifyAt } from '../fixtures.js';

const client = new TokenClient(CREDENTIALS.MASTER_KEY, CREDENTIALS.MASTER_SECRET, { currentDate: () => NOW });

describe('TokenClient', () => {
  it('when imported, then the default export is the named TokenClient', () => {
    expect(TokenClient).toBe(NamedTokenClient);
  });

  it('when a conference token is requested, then it resolves to a JWT with the conference claims', async () => {
    const token = await client.getConferenceToken('userA', 'room1', 'admin', 120);
    expect(verifyAt(token, CREDENTIALS.MASTER_SECRET)).toEqual({
      iss: CREDENTIALS.MASTER_KEY,
      sub: 'userA',
      type: 'conference',
      room: 'room1',
      role: 'admin',
      permissions: ['publish', 'subscribe', 'moderate'],
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 7200,
      jti: expect.stringMatching(UUID_V4),
    });
  });

  it('when a chat token is requested, then it resolves to a JWT with the chat claims', async () => {
    const token = await client.getChatToken('userA', 'channel1', true, false, 60);
    expect(verifyAt(token, CREDENTIALS.MASTER_SECRET)).toMatchObject({
      sub: 'userA',
      type: 'chat',
      channel: 'channel1',
      read: true,
      write: false,
      exp: NOW_S + 3600,
    });
  });

  it('when the system clock is used, then the token is valid now', async () => {
    const token = await new TokenClient('k', CREDENTIALS.MASTER_SECRET).getConferenceToken('u', 'r', 'subscriber', 1);
    expect(verifyAt(token, CREDENTIALS.MASTER_SECRET, Math.floor(Date.now() / 1000)).sub).toBe('u');
  });

  it.each([
    ['userId', () => client.getConferenceToken(undefined as never, 'r', 'admin', 60), TypeError],
    ['userId', () => client.getConferenceToken(42 as never, 'r', 'admin', 60), TypeError],
    ['roomId', () => client.getConferenceToken('u', '', 'admin', 60), RangeError],
    ['role', () => client.getConferenceToken('u', 'r', 'owner' as never, 60), RangeError],
    ['expirationMinutes', () => client.getConferenceToken('u', 'r', 'admin', 0), RangeError],
    ['expirationMinutes', () => client.getConferenceToken('u', 'r', 'admin', Number.POSITIVE_INFINITY), RangeError],
    ['channelId', () => client.getChatToken('u', undefined as never), TypeError],
    ['write', () => client.getChatToken('u', 'c', false, false, 60), RangeError],
    ['ttlMinutes', () => client.getChatToken('u', 'c', true, true, 1441), RangeError],
  ])('when %s is bad, then the promise rejects with an error naming it', async (argument, call, type) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ argument, message: expect.stringContaining(argument) });
  });

  it('when the master key or secret is empty, then the constructor throws a TypeError naming it', () => {
    expect(() => new TokenClient('', 's')).toThrow(/masterKey/);
    expect(() => new TokenClient('k', '')).toThrow(/masterSecret/);
  });
});

/**
 * TokenClient: native conference and chat tokens for backends that import this package instead
 * of calling the HTTP service. It calls the same builders as the /conference-token and
 * /chat-token routes, so a token minted either way carries the same claims.
 */
import type { KeyObject } from 'node:crypto';
import { buildChatToken, buildConferenceToken, type ConferenceRole, type NativeCredentials } from './native.js';
import { secretKey } from './jwt.js';
import { systemClock } from '../clock.js';

/** Options for {@link TokenClient}. */
export interface TokenClientOptions {
  /** The clock; defaults to the system clock. Pin it in tests. */
  readonly currentDate?: () => Date;
}

/** Mints native conference and chat tokens with the master key and secret. */
export class TokenClient {
  readonly #credentials: NativeCredentials;
  readonly #now: () => Date;

  /**
   * @param masterKey - the public key id, carried as the `iss` claim
   * @param masterSecret - the HS256 signing secret (a string or a secret `KeyObject`)
   * @throws TypeError when either is missing or empty
   */
  constructor(masterKey: string, masterSecret: string | KeyObject, options: TokenClientOptions = {}) {
    if (typeof masterKey !== 'string' || masterKey.length === 0) throw new TypeError('masterKey must be a non-empty string');
    this.#credentials = { key: masterKey, secret: secretKey(masterSecret, 'masterSecret') };
    this.#now = options.currentDate ?? systemClock;
  }

  /**
   * A conference token for `userId` in `roomId` with the permissions of `role`.
   * @param expirationMinutes - 1..1440, default 60
   * @returns the signed JWT
   * @throws TypeError/RangeError naming the bad argument (the promise rejects)
   */
  async getConferenceToken(userId: string, roomId: string, role: ConferenceRole, expirationMinutes?: number): Promise<string> {
    return buildConferenceToken({ userId, roomId, role, expirationMinutes }, this.#credentials, { now: this.#now() }).token;
  }

  /**
   * A chat token for `userId` in `channelId`. `read` and `write` default to true; both false is refused.
   * @param ttlMinutes - 1..1440, default 60
   * @returns the signed JWT
   * @throws TypeError/RangeError naming the bad argument (the promise rejects)
   */
  async getChatToken(userId: string, channelId: string, read?: boolean, write?: boolean, ttlMinutes?: number): Promise<string> {
    return buildChatToken({ userId, channelId, read, write, ttlMinutes }, this.#credentials, { now: this.#now() }).token;
  }
}

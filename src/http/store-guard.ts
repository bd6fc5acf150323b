import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Seconds a client is asked to wait (Retry-After) before retrying after a store outage 503. */
export const STORE_RETRY_AFTER_S = 5;

/**
 * Runs a store call; if the store fails, the client gets a 503 problem with Retry-After (never a
 * stack or a hang: the stores bound every call with timeouts) and the operator a warning with the
 * cause.
 */
export async function fromStore<T>(logger: Logger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    logger.warn({ err: error }, 'meeting store call failed');
    throw new AppError('store-unavailable', 'the meeting store is unavailable; retry later', {
      cause: error,
      headers: { 'Retry-After': String(STORE_RETRY_AFTER_S) },
    });
  }
}

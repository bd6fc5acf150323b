import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Runs a store call; if the store fails, the client gets a 503 problem (never a stack or a hang:
 * the stores bound every call with timeouts) and the operator a warning with the cause.
 */
export async function fromStore<T>(logger: Logger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    logger.warn({ err: error }, 'meeting store call failed');
    throw new AppError('store-unavailable', 'the meeting store is unavailable; retry later', { cause: error });
  }
}

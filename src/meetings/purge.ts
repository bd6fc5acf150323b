import type { Logger } from '../logger.js';
import type { MeetingStore } from './store.js';
import { systemClock } from '../clock.js';

/** How often ended revocation rules are deleted: they are ignored meanwhile, only dead weight. */
export const PURGE_INTERVAL_MS = 10 * 60_000;

/**
 * Deletes ended revocation rules every `intervalMs`. The timer is unref'd, so it never keeps
 * the process alive; a failed purge is logged and retried at the next tick, never thrown. Every
 * instance may run it: the deletes are idempotent. Returns the function that stops it.
 */
export function schedulePurge(store: MeetingStore, logger: Logger, options: { intervalMs?: number; clock?: () => Date } = {}): () => void {
  const clock = options.clock ?? systemClock;
  const timer = setInterval(() => {
    store.purgeExpired(clock()).then(
      (count) => {
        if (count > 0) logger.info({ count }, 'purged ended revocation rules');
      },
      (error: unknown) => logger.warn({ err: error }, 'purging ended revocation rules failed; retrying at the next interval'),
    );
  }, options.intervalMs ?? PURGE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

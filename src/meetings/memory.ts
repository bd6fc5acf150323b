import type { Meeting, MeetingStore } from './store.js';

/** A store that lives and dies with the process: for tests and throwaway runs (`memory:`). */
export function openMemoryStore(): MeetingStore {
  const meetings = new Map<string, Meeting>();
  // jti → the revocation's end, in epoch milliseconds.
  const revoked = new Map<string, number>();
  let closed = false;
  const open = () => {
    if (closed) throw new Error('the memory store is closed');
  };
  return {
    kind: 'memory',
    async insert(meeting) {
      open();
      if (meetings.has(meeting.id)) return false;
      meetings.set(meeting.id, meeting);
      return true;
    },
    async find(id) {
      open();
      return meetings.get(id);
    },
    async revoke(jti, expiresAt) {
      open();
      const until = Math.max(revoked.get(jti) ?? -Infinity, expiresAt.getTime());
      revoked.set(jti, until);
      return new Date(until);
    },
    async isRevoked(jti, now) {
      open();
      return (revoked.get(jti) ?? -Infinity) > now.getTime();
    },
    async purgeExpired(now) {
      open();
      let count = 0;
      for (const [jti, until] of revoked) {
        if (until <= now.getTime()) {
          revoked.delete(jti);
          count++;
        }
      }
      return count;
    },
    async ping() {
      open();
    },
    async close() {
      closed = true;
    },
  };
}

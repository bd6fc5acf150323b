import type { RevocationRule } from '../revocation/rules.js';
import type { Meeting, MeetingStore } from './store.js';

/** A store that lives and dies with the process: for tests and throwaway runs (`memory:`). */
export function openMemoryStore(): MeetingStore {
  const meetings = new Map<string, Meeting>();
  const rules = new Map<string, RevocationRule>();
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
    async addRule(rule) {
      open();
      rules.set(rule.id, rule);
    },
    async deleteRule(id) {
      open();
      return rules.delete(id);
    },
    async rules(now) {
      open();
      return [...rules.values()].filter((r) => r.until > now);
    },
    // One process holds this store: no other connection can change it.
    watchRules: () => () => {},
    async purgeExpired(now) {
      open();
      let count = 0;
      for (const [id, rule] of rules) {
        if (rule.until <= now) {
          rules.delete(id);
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

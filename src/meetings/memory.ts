import type { Meeting, MeetingStore } from './store.js';

/** A store that lives and dies with the process: for tests and throwaway runs (`memory:`). */
export function openMemoryStore(): MeetingStore {
  const meetings = new Map<string, Meeting>();
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
    async ping() {
      open();
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * The storage contract of the meeting registry and of revocation rules. Three implementations
 * (SQLite, PostgreSQL, memory) are chosen by DATABASE_URL; the routes only ever see this
 * interface. Rules live beside the meetings so that every instance sharing the store honours them
 * (each holds them in memory: src/revocation/rules.ts).
 */
import { randomInt } from 'node:crypto';
import type { RevocationRule } from '../revocation/rules.js';

/** A registered meeting. */
export interface Meeting {
  readonly id: string;
  readonly createdAt: Date;
  /** Who created it: the token's `participantId`, else its `apikey`. */
  readonly createdBy: string;
}

/** Where meetings are kept. Every method rejects when the store cannot answer. */
export interface MeetingStore {
  readonly kind: 'sqlite' | 'postgres' | 'memory';
  /** Stores `meeting`; resolves false, storing nothing, when its id exists already. */
  insert(meeting: Meeting): Promise<boolean>;
  /** The meeting with this id, or undefined. */
  find(id: string): Promise<Meeting | undefined>;
  /** Stores a revocation rule and tells every instance watching. */
  addRule(rule: RevocationRule): Promise<void>;
  /** Deletes a rule and tells every instance watching; false when no rule has this id. */
  deleteRule(id: string): Promise<boolean>;
  /** The rules in force at `now` (their `until` after it). */
  rules(now: Date): Promise<RevocationRule[]>;
  /**
   * Calls `onChange` when the rules may have changed through another connection (another
   * instance); returns the function that stops watching. Changes made through this store object
   * need not be reported.
   */
  watchRules(onChange: () => void): () => void;
  /** Deletes the rules that ended at or before `now` and resolves to how many there were. */
  purgeExpired(now: Date): Promise<number>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /** Releases connections and files; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** The store kinds DATABASE_URL can name, by URL scheme. */
export function storeKind(url: string): MeetingStore['kind'] | undefined {
  if (url === 'memory:') return 'memory';
  if (/^sqlite:.+/.test(url)) return 'sqlite';
  if (/^postgres(ql)?:\/\/.+/.test(url)) return 'postgres';
  return undefined;
}

/** The shape of a meeting id: three groups of four lowercase letters or digits. */
export const MEETING_ID = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new meeting id drawn from the CSPRNG (36^12 ≈ 4.7·10^18 ids). */
export function newMeetingId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) {
    if (i === 4 || i === 8) id += '-';
    id += ALPHABET[randomInt(ALPHABET.length)];
  }
  return id;
}

/** How many fresh ids to try before giving up on a (practically impossible) run of collisions. */
export const CREATE_ATTEMPTS = 5;

/**
 * Registers a new meeting under a fresh id. A collision with a stored id is retried with another
 * id, so an id is never handed out twice.
 */
export async function createMeeting(store: MeetingStore, createdBy: string, now: Date, generate: () => string = newMeetingId): Promise<Meeting> {
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const meeting = { id: generate(), createdAt: now, createdBy };
    if (await store.insert(meeting)) return meeting;
  }
  throw new Error(`no free meeting id after ${CREATE_ATTEMPTS} attempts`);
}

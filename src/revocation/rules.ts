/**
 * Revocation rules, held in memory by every instance and kept current from the store, so enforcing
 * them costs no store round trip: a meeting request is one query, a token route none.
 *
 * A rule refuses, until its `until`:
 * - `jti`: the token with that id;
 * - `subject`: tokens for that user (`sub`, `participantId` or `userId`), and minting any token for it;
 * - `room`: tokens for that room or channel (`room`, `roomId` or `channel`), and minting any for it;
 * - `issuedBefore`: tokens whose `iat` is before that instant.
 *
 * The store is the truth. This instance applies its own changes at once; other instances' changes
 * arrive through the store's change feed (PostgreSQL LISTEN/NOTIFY; SQLite's data_version, polled
 * every 250 ms; see MeetingStore.watchRules), each followed by a reload of the rules in force, and a
 * full reload every RELOAD_INTERVAL_MS catches anything a dropped feed missed.
 */
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { MeetingStore } from '../meetings/store.js';
import type { MintScope } from '../tokens/service.js';

export const RULE_KINDS = ['jti', 'subject', 'room', 'issuedBefore'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** One revocation rule as stored and as the admin API shows it. */
export interface RevocationRule {
  readonly id: string;
  readonly kind: RuleKind;
  /** The jti, subject or room; for `issuedBefore`, the instant as ISO 8601. */
  readonly value: string;
  readonly until: Date;
  readonly createdAt: Date;
}

/** The full reload that backs up the change feed. */
export const RELOAD_INTERVAL_MS = 30_000;

const SUBJECT_CLAIMS = ['sub', 'participantId', 'userId'] as const;
const ROOM_CLAIMS = ['room', 'roomId', 'channel'] as const;

export class RevocationRules {
  #rules = new Map<string, RevocationRule>();
  /** value → rules, per kind (issuedBefore is matched by scanning its few rules). */
  #index = new Map<RuleKind, Map<string, RevocationRule[]>>();
  #stopWatching: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #loading: Promise<void> | undefined;
  #again = false;
  #failing = false;

  constructor(
    private readonly store: MeetingStore,
    private readonly logger: Logger,
    private readonly clock: () => Date,
  ) {}

  /** Loads the rules in force, then follows the store's changes. Rejects when the first load fails. */
  async start(): Promise<void> {
    // Watch first, then load: a change made while the first load runs is announced, not missed.
    this.#stopWatching = this.store.watchRules(() => void this.#refresh());
    try {
      await this.reload();
    } catch (error) {
      this.#stopWatching();
      throw error;
    }
    this.#timer = setInterval(() => void this.#refresh(), RELOAD_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopWatching?.();
    clearInterval(this.#timer);
  }

  /** Replaces the rules held with those in force in the store. */
  async reload(): Promise<void> {
    this.#replace(await this.store.rules(this.clock()));
  }

  /** A reload after a change; changes that come during one cause one more, never a pile of them. */
  #refresh(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = this.reload()
      .then(
        () => {
          if (this.#failing) this.logger.info('revocation rules reloaded from the store again');
          this.#failing = false;
        },
        (error: unknown) => {
          // Keep enforcing the rules held; say so once per outage, not once per attempt.
          if (!this.#failing) this.logger.warn({ err: error }, 'reloading revocation rules failed; enforcing the rules held until the store answers');
          this.#failing = true;
        },
      )
      .finally(() => {
        this.#loading = undefined;
        if (this.#again) {
          this.#again = false;
          void this.#refresh();
        }
      });
    return this.#loading;
  }

  /** Stores a new rule and enforces it here at once. */
  async add(rule: RevocationRule): Promise<RevocationRule> {
    await this.store.addRule(rule);
    this.#replace([...this.#rules.values(), rule]);
    // A reload that read the store before this write would drop the rule when it lands: read again.
    if (this.#loading) this.#again = true;
    return rule;
  }

  /** Lifts a rule everywhere; false when no such rule is stored. */
  async remove(id: string): Promise<boolean> {
    const removed = await this.store.deleteRule(id);
    if (this.#rules.has(id)) this.#replace([...this.#rules.values()].filter((r) => r.id !== id));
    if (this.#loading) this.#again = true;
    return removed;
  }

  /** The rules in force at `now`, oldest first. */
  list(now: Date): RevocationRule[] {
    return [...this.#rules.values()].filter((r) => r.until > now).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }

  get size(): number {
    return this.#rules.size;
  }

  /** The rule in force that refuses a verified token with these claims, if any. */
  matchToken(verified: object, now: Date): RevocationRule | undefined {
    if (this.#rules.size === 0) return undefined;
    const claims = verified as Readonly<Record<string, unknown>>;
    // Runs on every meeting request: plain loops, no arrays or closures per call.
    let found = this.#find('jti', claims.jti, now);
    for (const claim of SUBJECT_CLAIMS) found ??= this.#find('subject', claims[claim], now);
    for (const claim of ROOM_CLAIMS) found ??= this.#find('room', claims[claim], now);
    if (found) return found;
    const iat = claims.iat;
    if (typeof iat !== 'number') return undefined;
    return this.#index
      .get('issuedBefore')
      ?.get('')
      ?.find((r) => r.until > now && iat * 1000 < Date.parse(r.value));
  }

  /** The rule in force that refuses minting for this user or room, if any. */
  matchMint(scope: MintScope, now: Date): RevocationRule | undefined {
    if (this.#rules.size === 0) return undefined;
    return this.#find('subject', scope.subject, now) ?? this.#find('room', scope.room, now);
  }

  /** The mint check of the token service: a 403 `revoked` naming what is revoked. */
  readonly mintCheck = (scope: MintScope): void => {
    if (this.#rules.size === 0) return;
    const rule = this.matchMint(scope, this.clock());
    if (rule !== undefined) throw revokedProblem(rule);
  };

  #find(kind: RuleKind, value: unknown, now: Date): RevocationRule | undefined {
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    return this.#index
      .get(kind)
      ?.get(String(value))
      ?.find((r) => r.until > now);
  }

  #replace(rules: readonly RevocationRule[]): void {
    const byId = new Map<string, RevocationRule>();
    const index = new Map<RuleKind, Map<string, RevocationRule[]>>();
    for (const rule of rules) {
      byId.set(rule.id, rule);
      const key = rule.kind === 'issuedBefore' ? '' : rule.value;
      const kind = index.get(rule.kind) ?? index.set(rule.kind, new Map()).get(rule.kind)!;
      kind.set(key, [...(kind.get(key) ?? []), rule]);
    }
    this.#rules = byId;
    this.#index = index;
  }
}

/** The 403 for minting refused by a rule: what is revoked and until when, never more. */
export function revokedProblem(rule: RevocationRule): AppError {
  const what = rule.kind === 'subject' ? `user ${rule.value}` : rule.kind === 'room' ? `room ${rule.value}` : `token ${rule.value}`;
  return new AppError('revoked', `${what} is revoked until ${rule.until.toISOString()}: no token is issued for it`);
}

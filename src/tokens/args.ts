/**
 * Argument rules shared by the library and the HTTP layer. A rule validates a typed value
 * (`check`, used by library callers) and reads the same value from query-string text (`parse`,
 * used by the routes), so both front doors accept exactly the same inputs and word their
 * refusals the same way.
 */
import { ArgumentRangeError, ArgumentTypeError } from '../errors.js';

/** How one argument is validated. Both methods throw an {@link ArgumentError} naming `name`. */
export interface Rule<T> {
  check(value: unknown, name: string): T;
  parse(text: string, name: string): T;
  /** What the rule accepts, in words for the docs' parameter tables (markdown). */
  readonly doc: string;
}

/** A rule plus what happens when the argument is absent. */
export interface Field<T> {
  readonly rule: Rule<T>;
  readonly required: boolean;
  readonly fallback: T | undefined;
  /** What the argument means or does, beyond its rule, for the docs (markdown). */
  readonly note?: string;
}

export type Schema = Record<string, Field<unknown>>;

/** The typed values a schema produces. */
export type Values<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/** The argument must be given. */
export function required<T>(rule: Rule<T>): Field<T> {
  return { rule, required: true, fallback: undefined };
}

/** The field with a note for the docs: what it means beyond its rule. */
export function noted<F extends Field<unknown>>(field: F, note: string): F {
  return { ...field, note };
}

/** A field's default as text (a list as a comma list), for the CLI's usage and the docs. */
export function defaultText(field: Field<unknown>): string {
  return [field.fallback]
    .flat()
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .join(',');
}

/** Markdown code for a value in the docs. */
const code = (value: unknown) => `\`${String(value)}\``;

/** The argument may be absent; then it is `fallback`. */
export function optional<T>(rule: Rule<T>, fallback: T): Field<T>;
export function optional<T>(rule: Rule<T>): Field<T | undefined>;
export function optional<T>(rule: Rule<T>, fallback?: T): Field<T | undefined> {
  return { rule, required: false, fallback };
}

/** The message for an absent required argument. */
export const requiredMessage = (name: string): string => `${name} is required`;

/**
 * Validates library arguments against a schema: absent optional ones take their default, the
 * first bad one throws. `undefined` counts as absent.
 */
export function checkArgs<S extends Schema>(schema: S, input: Record<string, unknown>): Values<S> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema)) {
    const field = schema[name]!;
    const value = input[name];
    if (value === undefined) {
      if (field.required) throw new ArgumentTypeError(name, requiredMessage(name));
      out[name] = field.fallback;
    } else {
      out[name] = field.rule.check(value, name);
    }
  }
  return out as Values<S>;
}

// Control characters are refused in every identifier: they have no place in a user or room
// name, and they are how log and header injection starts.
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A string of `min`..`maxBytes` UTF-8 bytes, well-formed, without control characters. */
export function text(options: { maxBytes: number; pattern?: RegExp; patternHint?: string; doc?: string }): Rule<string> {
  const { maxBytes, pattern, patternHint } = options;
  const rule: Rule<string> = {
    doc: options.doc ?? `1–${maxBytes} bytes${pattern ? ` matching ${code(pattern.source)}` : ' of text, no control characters'}`,
    check(value, name) {
      if (typeof value !== 'string') throw new ArgumentTypeError(name, `${name} must be a string`);
      if (value.length === 0) throw new ArgumentRangeError(name, `${name} must not be empty`);
      if (Buffer.byteLength(value, 'utf8') > maxBytes) {
        throw new ArgumentRangeError(name, `${name} must be at most ${maxBytes} bytes`);
      }
      if (!value.isWellFormed()) throw new ArgumentRangeError(name, `${name} must be valid Unicode text`);
      if (pattern) {
        if (!pattern.test(value)) {
          throw new ArgumentRangeError(name, `${name} ${patternHint ?? `must match ${pattern.source}`}`);
        }
      } else if (CONTROL.test(value)) {
        throw new ArgumentRangeError(name, `${name} must not contain control characters`);
      }
      return value;
    },
    parse: (raw, name) => rule.check(raw, name),
  };
  return rule;
}

/** RFC 3339 date-time with an explicit offset, as `Date.toISOString()` writes it. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** An instant: an ISO 8601 / RFC 3339 date-time with `Z` or an offset, like `2026-12-03T18:00:00Z`. */
export function instant(): Rule<Date> {
  const rule: Rule<Date> = {
    doc: 'an ISO 8601 instant with `Z` or an offset, like `2026-12-03T18:00:00Z`',
    check(value, name) {
      if (typeof value !== 'string') throw new ArgumentTypeError(name, `${name} must be a string`);
      const [year, month, day] = value.split(/[-T]/, 3).map(Number) as [number, number, number];
      // Date.parse rolls 2026-02-31 over into March: a day past its month's end is refused here.
      const ms = INSTANT.test(value) && day <= new Date(Date.UTC(year, month, 0)).getUTCDate() ? Date.parse(value) : NaN;
      if (Number.isNaN(ms)) throw new ArgumentRangeError(name, `${name} must be an ISO 8601 instant with Z or an offset, like 2026-12-03T18:00:00Z`);
      return new Date(ms);
    },
    parse: (raw, name) => rule.check(raw, name),
  };
  return rule;
}

/** A whole number from `min` to `max`; in query text, digits only. */
export function integer(min: number, max: number): Rule<number> {
  const message = (name: string) => `${name} must be a whole number from ${min} to ${max}`;
  const rule: Rule<number> = {
    doc: `whole number ${code(`${min}..${max}`)}`,
    check(value, name) {
      if (typeof value !== 'number') throw new ArgumentTypeError(name, message(name));
      if (!Number.isInteger(value) || value < min || value > max) throw new ArgumentRangeError(name, message(name));
      return value;
    },
    parse(raw, name) {
      // Digits only: "1e3", "+5", "5.0", " 5" and "0x10" are refused rather than coerced.
      if (!/^\d{1,16}$/.test(raw)) throw new ArgumentRangeError(name, message(name));
      return rule.check(Number(raw), name);
    },
  };
  return rule;
}

/** A boolean; in query text `true`, `false`, `1` or `0`. */
export function boolean(): Rule<boolean> {
  return {
    doc: `boolean: ${['true', 'false', '1', '0'].map(code).join(', ')}`,
    check(value, name) {
      if (typeof value !== 'boolean') throw new ArgumentTypeError(name, `${name} must be a boolean`);
      return value;
    },
    parse(raw, name) {
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ArgumentRangeError(name, `${name} must be true, false, 1 or 0`);
    },
  };
}

/** One of a fixed set of strings. Unknown values are refused, never mapped to a default. */
export function oneOf<const T extends string>(values: readonly T[]): Rule<T> {
  const message = (name: string) => `${name} must be one of: ${values.join(', ')}`;
  const rule: Rule<T> = {
    doc: `one of ${values.map(code).join(', ')}`,
    check(value, name) {
      if (typeof value !== 'string') throw new ArgumentTypeError(name, message(name));
      if (!(values as readonly string[]).includes(value)) throw new ArgumentRangeError(name, message(name));
      return value as T;
    },
    parse: (raw, name) => rule.check(raw, name),
  };
  return rule;
}

/**
 * A non-empty list drawn from a fixed set, duplicates removed; in query text a comma list.
 * `refine` may refuse a combination (it returns the message, or undefined when the list is fine).
 */
export function listOf<const T extends string>(values: readonly T[], refine?: (list: readonly T[]) => string | undefined): Rule<T[]> {
  const message = (name: string) => `${name} must be a comma list of: ${values.join(', ')}`;
  const rule: Rule<T[]> = {
    doc: `comma list of ${values.map(code).join(', ')}; duplicates are dropped`,
    check(value, name) {
      if (!Array.isArray(value)) throw new ArgumentTypeError(name, message(name));
      if (value.length === 0) throw new ArgumentRangeError(name, message(name));
      const list: T[] = [];
      for (const item of value) {
        if (typeof item !== 'string' || !(values as readonly string[]).includes(item)) {
          throw new ArgumentRangeError(name, message(name));
        }
        if (!list.includes(item as T)) list.push(item as T);
      }
      const refused = refine?.(list);
      if (refused) throw new ArgumentRangeError(name, `${name} ${refused}`);
      return list;
    },
    parse: (raw, name) =>
      rule.check(
        raw.split(',').map((s) => s.trim()),
        name,
      ),
  };
  return rule;
}

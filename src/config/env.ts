/**
 * Reading variables: an empty value (FOO= in a .env file) means "not set", surrounding spaces are
 * trimmed, and a bad whole number is reported (with the value: none of them is a secret) and
 * replaced by its default so every other variable is still checked.
 */

/** The environment as given: process.env, or a test's object. */
export type Env = Record<string, string | undefined>;

/** Reads one variable; undefined when unset or empty. */
export type Get = (name: string) => string | undefined;

export function envReader(env: Env, problems: string[]) {
  const get: Get = (name) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const int = (name: string, min: number, max: number, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  return { get, int };
}

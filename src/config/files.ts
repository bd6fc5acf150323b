/**
 * Secrets from files: every secret variable may instead be given as `<NAME>_FILE`, the path of a
 * file holding the value (the Docker and Kubernetes secrets convention). The file's content is
 * the value, one trailing newline trimmed. Messages name the variable and the path, never the
 * content.
 */
import { readFileSync } from 'node:fs';
import { PROVIDER_VARIABLES } from './credentials.js';
import type { Env } from './env.js';

/** The variables that may come from a file: the providers' credentials, the other secrets, and the URLs that carry passwords. */
export const FILE_SETTINGS = [
  ...PROVIDER_VARIABLES,
  'VIDEOSDK_SECRET_PREVIOUS',
  'MASTER_SECRET_PREVIOUS',
  'ADMIN_API_KEY',
  'CLIENT_API_KEYS',
  'CLIENT_JWT_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
] as const;

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * `env` with each `<NAME>_FILE` read into `<NAME>`. Both forms set, an unreadable file or an empty
 * one is a problem naming the variable (and the path); the variable is then left unset.
 */
export function readSecretFiles(env: Env, problems: string[], read: (path: string) => string = (path) => readFileSync(path, 'utf8')): Env {
  const resolved: Env = { ...env };
  for (const name of FILE_SETTINGS) {
    const path = env[`${name}_FILE`];
    if (!set(path)) continue;
    delete resolved[`${name}_FILE`];
    if (set(env[name])) {
      problems.push(`${name} and ${name}_FILE are both set: give the value one way`);
      continue;
    }
    let content: string;
    try {
      content = read(path.trim());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${name}_FILE names ${path.trim()}, which cannot be read (${code})`);
      continue;
    }
    const value = content.replace(/\r?\n$/, '');
    if (value.trim() === '') problems.push(`${name}_FILE names ${path.trim()}, which is empty`);
    else resolved[name] = value;
  }
  return resolved;
}

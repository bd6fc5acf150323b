import type { Logger } from '../logger.js';
import { openMemoryStore } from './memory.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import { storeKind, type MeetingStore } from './store.js';

/** Opens the store DATABASE_URL names, creating or migrating its schema. */
export async function openStore(url: string, logger: Logger): Promise<MeetingStore> {
  switch (storeKind(url)) {
    case 'memory':
      return openMemoryStore();
    case 'sqlite':
      return openSqliteStore(url.slice('sqlite:'.length));
    case 'postgres':
      return openPostgresStore(url, logger);
    default:
      throw new Error('DATABASE_URL must start with sqlite:, postgres:// or be memory:');
  }
}

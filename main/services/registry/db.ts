import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index';

export type Db = BetterSqlite3.Database;

const require = createRequire(import.meta.url);

export class RegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

function loadDriver(): typeof BetterSqlite3 {
  try {
    return require('better-sqlite3') as typeof BetterSqlite3;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(msg)) {
      // The native module is built for one runtime's ABI at a time (see README).
      throw new RegistryError(
        `better-sqlite3 is built for another runtime (${msg.split('\n')[0]}). ` +
          `For serve mode and tests run "npm run rebuild:node"; for the desktop app run "npm run rebuild:electron".`,
      );
    }
    throw err;
  }
}

/** Newest schema version the code knows. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length ? migrations[migrations.length - 1].version : 0;
}

/**
 * Run pending migrations in one transaction. A database written by a newer
 * Longitude is refused rather than misread.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS, label = 'registry'): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = latestVersion(migrations);
  if (current > latest) {
    throw new RegistryError(
      `${label} has schema version ${current}, newer than this Longitude understands (${latest}). ` +
        `Update Longitude, or open a copy of the library with the version that wrote it. Nothing was changed.`,
    );
  }
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return current;
  db.transaction(() => {
    for (const m of pending) db.exec(m.up);
    db.pragma(`user_version = ${latest}`);
  })();
  return latest;
}

/** Open (or create) the registry: WAL, foreign keys, migrated. */
export function openRegistry(file: string): Db {
  const Database = loadDriver();
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db, MIGRATIONS, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function openMemoryRegistry(migrations: readonly Migration[] = MIGRATIONS): Db {
  const Database = loadDriver();
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations, ':memory:');
  return db;
}

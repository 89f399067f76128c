import type BetterSqlite3 from 'better-sqlite3';
import { damagedRegistryError, snapshotBeforeMigration } from './backup';
import { loadDriver } from './driver';
import { isCorruptionError, RegistryError } from './errors';
import { MIGRATIONS, type Migration } from './migrations/index';

export type Db = BetterSqlite3.Database;
export { RegistryDamagedError, RegistryError } from './errors';

/**
 * Durability of a commit (README, "Backups and recovery"). In WAL mode NORMAL syncs the WAL
 * only at checkpoints: a commit survives the process being killed (it is in the OS's page
 * cache) but not a power cut or an OS crash, which may take the last commits with it. FULL
 * syncs the WAL at every commit, so what the reader was told is saved (a sign-off, a
 * measurement) is on the disk. A clinical record needs FULL; its cost is measured by
 * `npm run crashtest -- --durability` (about one fsync per commit).
 */
export const REGISTRY_SYNCHRONOUS = 'FULL';

/** Newest schema version the code knows. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length ? migrations[migrations.length - 1].version : 0;
}

function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function tooNew(label: string, current: number, latest: number): RegistryError {
  return new RegistryError(
    `${label} has schema version ${current}, newer than this Longitude understands (${latest}). ` +
      `Update Longitude, or open a copy of the library with the version that wrote it. Nothing was changed.`,
  );
}

/**
 * Run pending migrations in one transaction. A database written by a newer Longitude is
 * refused rather than misread. Before a file registry with data is migrated, a copy of it
 * is kept in `backups/` beside it (the last few; see backup.ts), so a migration that goes
 * wrong can be undone by `longitude restore`.
 */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS, label = 'registry'): number {
  const current = schemaVersion(db);
  const latest = latestVersion(migrations);
  if (current > latest) throw tooNew(label, current, latest);
  if (!migrations.some((m) => m.version > current)) return current;
  if (current > 0) snapshotBeforeMigration(db, current);
  // IMMEDIATE: the version is read again under the write lock, so two processes starting at
  // once migrate once. Everything or nothing: a kill mid-way leaves the old version intact.
  db.transaction(() => {
    const now = schemaVersion(db);
    if (now > latest) throw tooNew(label, now, latest);
    for (const m of migrations.filter((x) => x.version > now)) db.exec(m.up);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  return latest;
}

export interface OpenRegistryOptions {
  /**
   * The check at open: `quick` (PRAGMA quick_check, the default: every page and record is
   * read, indexes are not compared with their tables), `full` (integrity_check) or `none`.
   */
  check?: 'quick' | 'full' | 'none';
}

/** PRAGMA quick_check / integrity_check: 'ok', or the problems found (at most `max`). */
export function checkIntegrity(db: Db, kind: 'quick' | 'full' = 'full', max = 20): string[] {
  const rows = db.pragma(`${kind === 'quick' ? 'quick_check' : 'integrity_check'}(${max})`) as Record<string, string>[];
  return rows.map((r) => String(Object.values(r)[0]));
}

/**
 * Open (or create) the registry: WAL, foreign keys, synchronous FULL, checked, migrated. A
 * damaged file is refused with a RegistryDamagedError naming it and the backup to restore.
 */
export function openRegistry(file: string, opts: OpenRegistryOptions = {}): Db {
  const Database = loadDriver();
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw isCorruptionError(err) ? damagedRegistryError(file, (err as Error).message) : err;
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`synchronous = ${REGISTRY_SYNCHRONOUS}`);
    db.pragma('busy_timeout = 5000');
    const check = opts.check ?? 'quick';
    if (check !== 'none') {
      const problems = checkIntegrity(db, check, 5);
      if (problems.length !== 1 || problems[0] !== 'ok') throw damagedRegistryError(file, `${check === 'quick' ? 'quick_check' : 'integrity_check'}: ${problems.join('; ')}`);
    }
    migrate(db, MIGRATIONS, file);
  } catch (err) {
    db.close();
    throw isCorruptionError(err) ? damagedRegistryError(file, (err as Error).message) : err;
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

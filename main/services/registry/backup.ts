/**
 * Backups of the registry and their restore (README, "Backups and recovery").
 *
 * - `backupRegistry`: SQLite's online backup API, while the workstation runs (another
 *   process may hold the registry open in WAL mode and keep writing); the copy is written to
 *   a temporary name, switched to rollback-journal mode so that it is one self-contained
 *   file, checked (integrity_check), flushed and only then renamed.
 * - `snapshotBeforeMigration`: the automatic copy the migration runner makes before it
 *   changes the schema (VACUUM INTO: synchronous, a consistent snapshot); the newest
 *   AUTO_BACKUPS_KEPT are kept.
 * - `restoreRegistry`: checks the file (a Longitude registry, integrity ok, a schema version
 *   this code understands), refuses while the workstation runs, keeps the current registry
 *   aside and writes a line to the administrative log.
 * - `damagedRegistryError`: what start-up says about a damaged registry — the file, what is
 *   wrong, and the newest backup that passes its own check, with the command that restores it.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ReaderIdentity } from '../../../core/api/reader';
import type { Db } from './db';
import { loadDriver } from './driver';
import { RegistryDamagedError, RegistryError } from './errors';
import { MIGRATIONS } from './migrations/index';
import { assertNotRunning, beginRestore } from './runLock';

/** Automatic (pre-migration) backups kept per library; older ones are removed. */
export const AUTO_BACKUPS_KEPT = 5;
export const REGISTRY_FILE = 'registry.sqlite';
const AUTO_PREFIX = 'before-migration-';
const REPLACED_PREFIX = 'replaced-';

const KNOWN_VERSIONS = new Set(MIGRATIONS.map((m) => m.version));
const LATEST = MIGRATIONS[MIGRATIONS.length - 1].version;
/** Tables every Longitude registry has had since its first schema. */
const CORE_TABLES = ['patients', 'studies', 'series', 'instances'];

export function backupsDir(homeDir: string): string {
  return join(homeDir, 'backups');
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

/** Flush a file's data to the disk. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flush a directory (a rename in it); not every platform can open a directory. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Windows: directories cannot be flushed this way.
  } finally {
    closeSync(fd);
  }
}

export interface BackupEntry {
  file: string;
  kind: 'before-migration' | 'manual' | 'replaced';
  sizeBytes: number;
  modifiedAt: string;
}

/** Registry copies in `<home>/backups`, newest first. */
export function listBackups(homeDir: string): BackupEntry[] {
  const dir = backupsDir(homeDir);
  if (!existsSync(dir)) return [];
  const out: (BackupEntry & { ms: number })[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.sqlite')) continue;
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    const kind = name.startsWith(AUTO_PREFIX) ? 'before-migration' : name.startsWith(REPLACED_PREFIX) ? 'replaced' : 'manual';
    out.push({ file: join(dir, name), kind, sizeBytes: st.size, modifiedAt: st.mtime.toISOString(), ms: st.mtimeMs });
  }
  return out.sort((a, b) => b.ms - a.ms || b.file.localeCompare(a.file)).map(({ ms: _ms, ...e }) => e);
}

export interface RegistryFileCheck {
  file: string;
  /** A Longitude registry, integrity ok, a schema version this code understands. */
  ok: boolean;
  problems: string[];
  schemaVersion: number | null;
  sizeBytes: number;
  counts: { patients: number; studies: number; series: number; instances: number } | null;
}

function hasSqliteHeader(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(16);
    return readSync(fd, b, 0, 16, 0) === 16 && b.toString('latin1') === 'SQLite format 3\0';
  } finally {
    closeSync(fd);
  }
}

/** Is this file a registry Longitude can use? Opened read-only; nothing is changed. */
export function inspectRegistryFile(file: string, check: 'quick' | 'full' = 'full'): RegistryFileCheck {
  const abs = resolve(file);
  const st = statSync(abs, { throwIfNoEntry: false });
  const out: RegistryFileCheck = { file: abs, ok: false, problems: [], schemaVersion: null, sizeBytes: st?.size ?? 0, counts: null };
  if (!st?.isFile()) {
    out.problems.push('no such file');
    return out;
  }
  if (!hasSqliteHeader(abs)) {
    out.problems.push('not an SQLite database (its header is not "SQLite format 3")');
    return out;
  }
  const Database = loadDriver();
  let db: Db | undefined;
  try {
    db = new Database(abs, { readonly: true, fileMustExist: true });
    const rows = db.pragma(`${check === 'quick' ? 'quick_check' : 'integrity_check'}(20)`) as Record<string, string>[];
    const result = rows.map((r) => String(Object.values(r)[0]));
    if (result.length !== 1 || result[0] !== 'ok') out.problems.push(`integrity check failed: ${result.slice(0, 5).join('; ')}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    out.schemaVersion = version;
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = CORE_TABLES.filter((t) => !tables.has(t));
    if (missing.length || version === 0) {
      out.problems.push(`not a Longitude registry (${missing.length ? `no ${missing.join(', ')} table` : 'no schema version'})`);
    } else if (version > LATEST) {
      out.problems.push(`schema version ${version} is newer than this Longitude understands (${LATEST})`);
    } else if (!KNOWN_VERSIONS.has(version)) {
      out.problems.push(`schema version ${version} is not one Longitude ever wrote`);
    }
    if (out.problems.length === 0) {
      const n = (t: string) => (db!.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
      out.counts = { patients: n('patients'), studies: n('studies'), series: n('series'), instances: n('instances') };
    }
  } catch (err) {
    out.problems.push(`cannot be read: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
  out.ok = out.problems.length === 0;
  return out;
}

/** The newest backup in `<home>/backups` that passes its own check (copies kept aside by a restore are not offered). */
export function latestUsableBackup(homeDir: string, maxTried = 10): { entry: BackupEntry; check: RegistryFileCheck } | null {
  for (const entry of listBackups(homeDir)
    .filter((e) => e.kind !== 'replaced')
    .slice(0, maxTried)) {
    const check = inspectRegistryFile(entry.file, 'quick');
    if (check.ok) return { entry, check };
  }
  return null;
}

const quote = (p: string) => (/^[\w./:@+-]+$/.test(p) ? p : `"${p.replace(/(["\\$`])/g, '\\$1')}"`);

/** The start-up error for a damaged registry: the file, what is wrong, the backup to restore and how. */
export function damagedRegistryError(file: string, detail: string): RegistryDamagedError {
  const abs = resolve(file);
  const home = dirname(abs);
  const backup = basename(abs) === REGISTRY_FILE ? latestUsableBackup(home) : null;
  const lines = [`The registry ${abs} is damaged (${detail}). Longitude did not open it and changed nothing.`];
  if (backup) {
    const { entry, check } = backup;
    lines.push(
      `The last good backup is ${entry.file} (${entry.kind === 'before-migration' ? 'made before a migration' : 'made by "longitude backup"'}, ${entry.modifiedAt}, schema ${check.schemaVersion}, ${check.counts?.patients ?? 0} patients). ` +
        `Close the workstation and restore it with:`,
      `  longitude restore ${quote(entry.file)} --home ${quote(home)}`,
      `The damaged registry is kept aside in ${join(home, 'backups')}; what was recorded after that backup is not in it. ` +
        `Then "longitude verify --home ${quote(home)}" checks the library files.`,
    );
  } else {
    lines.push(
      `No usable backup was found in ${join(home, 'backups')}. Keep a copy of the damaged file before anything else; ` +
        `"sqlite3 ${quote(abs)} .recover" may salvage its rows into a new database.`,
    );
  }
  return new RegistryDamagedError(lines.join('\n'), abs, backup?.entry.file ?? null);
}

/** Keep the newest `keep` automatic backups of a library. */
export function pruneAutoBackups(homeDir: string, keep = AUTO_BACKUPS_KEPT): string[] {
  const removed: string[] = [];
  for (const e of listBackups(homeDir)
    .filter((x) => x.kind === 'before-migration')
    .slice(keep)) {
    rmSync(e.file, { force: true });
    removed.push(e.file);
  }
  return removed;
}

/**
 * Before a migration: a consistent copy of the registry (VACUUM INTO, which is synchronous,
 * so the migration runner stays synchronous), flushed, then renamed into `backups/`. A kill
 * while it is written leaves only a `*.tmp`, swept at the next start. The copy goes to
 * `backups/` beside the registry file; an in-memory database has none.
 */
export function snapshotBeforeMigration(db: Db, version: number): string | null {
  if (db.memory || !db.name || db.name === ':memory:') return null;
  const home = dirname(resolve(db.name));
  const dir = backupsDir(home);
  mkdirSync(dir, { recursive: true });
  const final = join(dir, `${AUTO_PREFIX}v${version}-${stamp()}.sqlite`);
  const tmp = `${final}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
  try {
    db.prepare('VACUUM INTO ?').run(tmp);
    fsyncFile(tmp);
    renameSync(tmp, final);
    fsyncDir(dir);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new RegistryError(`could not back up ${db.name} before migrating it from schema ${version} (${(err as Error).message}); nothing was changed`);
  }
  pruneAutoBackups(home);
  return final;
}

export interface BackupResult {
  file: string;
  sizeBytes: number;
  schemaVersion: number;
  /** integrity_check of the copy: ['ok'] or the problems (the registry itself was damaged). */
  check: string[];
  durationMs: number;
}

/**
 * Online backup of `<home>/registry.sqlite` to `out` (default `<home>/backups/registry-<time>.sqlite`),
 * safe while the workstation runs. Refuses to overwrite an existing file.
 */
export async function backupRegistry(homeDir: string, out?: string): Promise<BackupResult> {
  const t0 = performance.now();
  const source = join(homeDir, REGISTRY_FILE);
  if (!existsSync(source)) throw new RegistryError(`there is no registry to back up: ${source} does not exist`);
  const target = resolve(out ?? join(backupsDir(homeDir), `registry-${stamp()}.sqlite`));
  if (existsSync(target)) throw new RegistryError(`${target} already exists; choose another file (a backup never overwrites one)`);
  if (!existsSync(dirname(target))) {
    if (out) throw new RegistryError(`the folder ${dirname(target)} does not exist`);
    mkdirSync(dirname(target), { recursive: true });
  }
  const tmp = `${target}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
  const Database = loadDriver();
  const src = new Database(source, { fileMustExist: true });
  try {
    src.pragma('busy_timeout = 5000');
    // All pages in one step: the copy is one read transaction, so a workstation writing at the
    // same time neither waits (WAL) nor makes the backup start over.
    await src.backup(tmp, { progress: () => 0x7fffffff });
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new RegistryError(`could not back up ${source}: ${(err as Error).message}`);
  } finally {
    src.close();
  }
  let check: string[];
  let schemaVersion: number;
  try {
    const copy = new Database(tmp, { fileMustExist: true });
    try {
      // One self-contained file: no -wal beside it, readable read-only anywhere.
      copy.pragma('journal_mode = DELETE');
      check = (copy.pragma('integrity_check(20)') as Record<string, string>[]).map((r) => String(Object.values(r)[0]));
      schemaVersion = copy.pragma('user_version', { simple: true }) as number;
    } finally {
      copy.close();
    }
    fsyncFile(tmp);
    renameSync(tmp, target);
    fsyncDir(dirname(target));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new RegistryError(`could not check the backup of ${source}: ${(err as Error).message}`);
  }
  return { file: target, sizeBytes: statSync(target).size, schemaVersion, check, durationMs: Math.round(performance.now() - t0) };
}

export interface AdminLogEntry {
  action: string;
  reader: ReaderIdentity;
  [key: string]: unknown;
}

/** The administrative log, `<home>/logs/admin.log`: one JSON line per action, flushed. */
export function appendAdminLog(homeDir: string, entry: AdminLogEntry): string {
  const dir = join(homeDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'admin.log');
  appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  fsyncFile(file);
  return file;
}

export interface RestoreResult {
  /** The backup that is now the registry. */
  restoredFrom: string;
  registry: string;
  /** Where the registry it replaced was kept (null when there was none). */
  keptAside: string | null;
  schemaVersion: number;
  /** The version the next start migrates it to (null: already current). */
  migratesTo: number | null;
  check: RegistryFileCheck;
  log: string;
}

/** A restore that was refused; nothing was changed. */
export class RestoreRefusedError extends RegistryError {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

/**
 * Make `from` the library's registry. Refused (nothing changed) when the file is not a usable
 * Longitude registry or while the workstation (or any process) has the registry open. The
 * current registry, with its -wal, is moved to `backups/replaced-<time>.sqlite`; the restore
 * is written to the administrative log with the reader who ran it.
 */
export function restoreRegistry(homeDir: string, from: string, reader: ReaderIdentity): RestoreResult {
  const home = resolve(homeDir);
  const source = resolve(from);
  const registry = join(home, REGISTRY_FILE);
  const check = inspectRegistryFile(source, 'full');
  if (!check.ok) throw new RestoreRefusedError(`${source} cannot be restored: ${check.problems.join('; ')}. Nothing was changed.`);
  if (source === registry) throw new RestoreRefusedError(`${source} is the registry itself. Nothing was changed.`);
  mkdirSync(home, { recursive: true });
  const end = beginRestore(home);
  try {
    assertNotRunning(home, registry);
    let keptAside: string | null = null;
    const dir = backupsDir(home);
    mkdirSync(dir, { recursive: true });
    if (existsSync(registry)) {
      keptAside = join(dir, `${REPLACED_PREFIX}${stamp()}.sqlite`);
      // The -wal holds commits not yet checkpointed: it moves with its database (its name follows it).
      for (const suffix of ['-wal', '']) {
        if (existsSync(registry + suffix)) renameSync(registry + suffix, keptAside + suffix);
      }
      rmSync(`${registry}-shm`, { force: true });
      fsyncDir(dir);
    }
    const tmp = `${registry}.${process.pid}-${randomBytes(3).toString('hex')}.restore.tmp`;
    try {
      copyFileSync(source, tmp);
      fsyncFile(tmp);
      renameSync(tmp, registry);
      fsyncDir(home);
    } catch (err) {
      // Put the registry back as it was: a failed restore changes nothing.
      rmSync(tmp, { force: true });
      if (keptAside) for (const suffix of ['-wal', '']) if (existsSync(keptAside + suffix)) renameSync(keptAside + suffix, registry + suffix);
      throw new RestoreRefusedError(`could not copy ${source} into place (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the registry was left as it was`);
    }
    const log = appendAdminLog(home, {
      action: 'restore',
      reader,
      registry,
      restoredFrom: source,
      keptAside,
      schemaVersion: check.schemaVersion,
      counts: check.counts,
    });
    return {
      restoredFrom: source,
      registry,
      keptAside,
      schemaVersion: check.schemaVersion!,
      migratesTo: check.schemaVersion! < LATEST ? LATEST : null,
      check,
      log,
    };
  } finally {
    end();
  }
}

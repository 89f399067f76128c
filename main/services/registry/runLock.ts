/**
 * Who has the library open. Every process that opens the registry through createApp (the
 * desktop app, serve mode, a CLI command) leaves `<home>/run/<pid>-<nonce>.lock` while it runs;
 * a restore leaves `<home>/run/restore.lock`. A restore refuses while a live process holds a
 * lock, and a start refuses while a restore is under way. A lock whose process is gone (it was
 * killed) is stale and removed. A lock from another host cannot be checked and counts as live.
 *
 * The lock files say who; the exclusive check (`assertNotRunning`) is the proof: SQLite
 * refuses an exclusive lock on a WAL registry that any other connection holds open.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadDriver } from './driver';
import { RegistryError } from './errors';

export interface LockHolder {
  file: string;
  pid: number;
  host: string;
  what: string;
  startedAt: string;
}

const RESTORE_LOCK = 'restore.lock';

function runDir(homeDir: string): string {
  return join(homeDir, 'run');
}

function alive(h: { pid: number; host: string }): boolean {
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Omit<LockHolder, 'file'>;
    return Number.isInteger(j.pid) && typeof j.host === 'string' ? { ...j, file } : null;
  } catch {
    return null;
  }
}

/** Live holders of the library (processes and a restore); stale lock files are removed on the way. */
export function liveHolders(homeDir: string): LockHolder[] {
  const dir = runDir(homeDir);
  if (!existsSync(dir)) return [];
  const out: LockHolder[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.lock')) continue;
    const file = join(dir, name);
    const h = readHolder(file);
    // A lock file being written reads empty for an instant: only a readable, dead one is stale.
    if (h && !alive(h)) rmSync(file, { force: true });
    else if (h) out.push(h);
  }
  return out;
}

function describe(h: LockHolder): string {
  return `${h.what} (pid ${h.pid}${h.host !== hostname() ? ` on ${h.host}` : ''}, since ${h.startedAt})`;
}

function writeLock(file: string, what: string): void {
  writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), what, startedAt: new Date().toISOString() }), { flag: 'wx' });
}

/** Lock files this process holds (one per open app). */
const held = new Set<string>();
let exitHook = false;

export interface RunLock {
  readonly file: string;
  release(): void;
}

/** Mark the library as open by this process; refused while a restore is under way. */
export function acquireRunLock(homeDir: string, what: string): RunLock {
  const dir = runDir(homeDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.lock`);
  writeLock(file, what);
  held.add(file);
  if (!exitHook) {
    exitHook = true;
    // A process that exits without closing its app (a CLI error, Ctrl-C) still lets go; a kill -9 leaves a stale lock.
    process.on('exit', () => {
      for (const f of held) rmSync(f, { force: true });
    });
  }
  const lock: RunLock = {
    file,
    release() {
      held.delete(file);
      rmSync(file, { force: true });
    },
  };
  const restore = liveHolders(homeDir).find((h) => h.file.endsWith(RESTORE_LOCK));
  if (restore) {
    lock.release();
    throw new RegistryError(`a restore of ${join(homeDir, 'registry.sqlite')} is under way (pid ${restore.pid}, since ${restore.startedAt}); start Longitude when it has finished`);
  }
  return lock;
}

/** Take the restore lock; returns its release. Refused while another restore holds it. */
export function beginRestore(homeDir: string): () => void {
  const dir = runDir(homeDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RESTORE_LOCK);
  liveHolders(homeDir); // removes a stale restore lock
  try {
    writeLock(file, 'a restore');
  } catch {
    const h = readHolder(file);
    throw new RegistryError(`another restore is under way${h ? `: ${describe(h)}` : ` (${file})`}; nothing was changed`);
  }
  return () => rmSync(file, { force: true });
}

/**
 * Refuse (RegistryError, nothing changed) while any process has the library open: first by
 * its lock files (which name it), then by asking SQLite for an exclusive lock on the registry.
 */
export function assertNotRunning(homeDir: string, registryFile: string): void {
  const others = liveHolders(homeDir).filter((h) => !h.file.endsWith(RESTORE_LOCK));
  if (others.length) {
    throw new RegistryError(`Longitude is running on this library: ${others.map(describe).join('; ')}. Close it first; nothing was changed.`);
  }
  if (!existsSync(registryFile)) return;
  const Database = loadDriver();
  let db;
  try {
    db = new Database(registryFile, { fileMustExist: true });
  } catch {
    return; // unreadable (damaged): nothing can hold it open meaningfully; the restore replaces it
  }
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    db.exec('COMMIT');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new RegistryError(`${registryFile} is open in another process (SQLite refused an exclusive lock). Close the workstation first; nothing was changed.`);
    }
    // A damaged file fails here too; the restore is what replaces it.
  } finally {
    db.close();
  }
}

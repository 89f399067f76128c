/**
 * Backups and recovery of the registry on real SQLite files: the online backup while another
 * connection keeps writing, the automatic backup before a migration (the last few kept), the
 * integrity check at start on a deliberately damaged registry (a clear error naming the file
 * and the backup to restore), and restore (checked, refused while the library is open, the
 * current registry kept aside, logged with its reader).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { AUTO_BACKUPS_KEPT, backupRegistry, inspectRegistryFile, listBackups, restoreRegistry, RestoreRefusedError, snapshotBeforeMigration } from './backup';
import { latestVersion, migrate, openRegistry, RegistryDamagedError, type Db } from './db';
import { loadDriver } from './driver';
import { MIGRATIONS } from './migrations/index';
import { acquireRunLock, liveHolders } from './runLock';
import { sweepRecoveryTemporaries } from './startup';

const root = mkdtempSync(join(tmpdir(), 'lng-backup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newHome = () => {
  const h = join(root, `home-${++n}`);
  mkdirSync(h, { recursive: true });
  return h;
};
const reader = { name: 'Dr A. Jones', id: 'AJ7' };

/** A registry with `rows` patients (enough pages that damage lands in data). */
function filled(home: string, rows = 2000): Db {
  const db = openRegistry(join(home, 'registry.sqlite'));
  const ins = db.prepare('INSERT INTO patients (patient_key, patient_id, name) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`id:P${i}`, `P${i}`, `Patient^${i}^${'x'.repeat(40)}`);
  })();
  return db;
}

const count = (file: string) => {
  const db = new (loadDriver())(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM patients').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** Overwrite pages of the file (1-based page numbers) with garbage. */
function damagePages(file: string, pages: number[], pageSize = 4096): void {
  const fd = openSync(file, 'r+');
  try {
    for (const p of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (p - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

describe('online backup', () => {
  it('copies a registry another process keeps writing to in WAL mode, commits not yet checkpointed included, into one checked file', async () => {
    const home = newHome();
    filled(home, 100).close();
    // Another process holds the registry open and keeps writing (WAL), as a running workstation does.
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(driver)}); const db = new D(${JSON.stringify(join(home, 'registry.sqlite'))});
         db.pragma('journal_mode = WAL'); db.pragma('wal_autocheckpoint = 0'); db.pragma('busy_timeout = 5000');
         const ins = db.prepare("INSERT INTO patients (patient_key, patient_id, name) VALUES (?, ?, 'W')");
         let i = 0; console.log('writing');
         setInterval(() => { for (let k = 0; k < 20; k++) ins.run('w:' + i, 'W' + i++); }, 2);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((ok) => writer.stdout!.once('data', () => ok()));
      await new Promise((ok) => setTimeout(ok, 150));
      const r = await backupRegistry(home, join(home, 'copy.sqlite'));
      expect(r.check).toEqual(['ok']);
      expect(r.schemaVersion).toBe(latestVersion());
      // Rows the writer committed into the WAL are in the copy; the copy is self-contained.
      expect(count(r.file)).toBeGreaterThan(100);
      expect(existsSync(`${r.file}-wal`)).toBe(false);
      expect(readFileSync(r.file).subarray(18, 20)).toEqual(Buffer.from([1, 1])); // rollback journal, not WAL
      expect(inspectRegistryFile(r.file)).toMatchObject({ ok: true, problems: [] });
      // A backup never overwrites a file.
      await expect(backupRegistry(home, r.file)).rejects.toThrow(/already exists/);
      // Without --out it goes to <home>/backups.
      const d = await backupRegistry(home);
      expect(d.file.startsWith(join(home, 'backups', 'registry-'))).toBe(true);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('refuses when there is no registry', async () => {
    await expect(backupRegistry(newHome())).rejects.toThrow(/no registry to back up/);
  });
});

describe('automatic backup before a migration', () => {
  it('keeps a sound copy of the old version before migrating, and only the last few', () => {
    const home = newHome();
    const file = join(home, 'registry.sqlite');
    const old = new (loadDriver())(file);
    old.pragma('journal_mode = WAL');
    migrate(old, MIGRATIONS.filter((m) => m.version <= 60));
    old.prepare("INSERT INTO patients (patient_key, patient_id, name) VALUES ('id:P1', 'P1', 'Doe^Jane')").run();
    old.close();
    openRegistry(file).close();
    const [b] = listBackups(home);
    expect(b.kind).toBe('before-migration');
    expect(b.file).toMatch(/before-migration-v60-.*\.sqlite$/);
    expect(inspectRegistryFile(b.file)).toMatchObject({ ok: true, schemaVersion: 60, counts: { patients: 1 } });
    // Opening a current registry backs nothing up.
    openRegistry(file).close();
    expect(listBackups(home)).toHaveLength(1);
    // The last AUTO_BACKUPS_KEPT are kept.
    const db = openRegistry(file);
    for (let i = 0; i < AUTO_BACKUPS_KEPT + 2; i++) snapshotBeforeMigration(db, 70);
    db.close();
    expect(listBackups(home).filter((e) => e.kind === 'before-migration')).toHaveLength(AUTO_BACKUPS_KEPT);
    expect(readdirSync(join(home, 'backups')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('integrity check at start', () => {
  it('refuses a damaged registry with an error naming the file and the backup to restore, from openRegistry and createApp', async () => {
    const home = newHome();
    const db = filled(home);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const backup = await backupRegistry(home);
    const file = join(home, 'registry.sqlite');
    const pages = statSync(file).size / 4096;
    damagePages(file, [Math.floor(pages / 2), Math.floor(pages / 2) + 1, Math.floor(pages / 2) + 2]);
    let err: unknown;
    try {
      openRegistry(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegistryDamagedError);
    const msg = (err as Error).message;
    expect(msg).toContain(`The registry ${file} is damaged`);
    expect(msg).toContain('Longitude did not open it and changed nothing');
    expect(msg).toContain(`longitude restore ${backup.file} --home ${home}`);
    expect((err as RegistryDamagedError).backup).toBe(backup.file);
    // The same from the composition root (serve mode, Electron, CLI), and the start leaves no lock behind.
    expect(() => createApp({ homeDir: home, mode: 'serve', workers: 1 })).toThrow(RegistryDamagedError);
    expect(liveHolders(home)).toEqual([]);
    // Restoring the named backup makes the library open again.
    restoreRegistry(home, backup.file, reader);
    const app = createApp({ homeDir: home, mode: 'serve', workers: 1 });
    expect((app.db.prepare('SELECT COUNT(*) AS n FROM patients').get() as { n: number }).n).toBe(2000);
    await app.close();
  });

  it('a file whose header is overwritten is "not a database": the same clear error; without a backup it says so', () => {
    const home = newHome();
    filled(home, 10).close();
    const file = join(home, 'registry.sqlite');
    damagePages(file, [1]);
    expect(() => openRegistry(file)).toThrow(RegistryDamagedError);
    expect(() => openRegistry(file)).toThrow(/is damaged \(.*not a database.*\)[\s\S]*No usable backup was found/);
  });
});

describe('restore', () => {
  it('checks the file first: not a registry, damaged, or too new is refused and nothing changes', async () => {
    const home = newHome();
    filled(home, 10).close();
    const before = readFileSync(join(home, 'registry.sqlite'));
    const text = join(home, 'notes.sqlite');
    writeFileSync(text, 'hello');
    expect(() => restoreRegistry(home, text, reader)).toThrow(/not an SQLite database/);
    const other = new (loadDriver())(join(home, 'other.sqlite'));
    other.exec('CREATE TABLE t (x)');
    other.close();
    expect(() => restoreRegistry(home, join(home, 'other.sqlite'), reader)).toThrow(/not a Longitude registry/);
    const newer = (await backupRegistry(home, join(home, 'newer.sqlite'))).file;
    const nd = new (loadDriver())(newer);
    nd.pragma('user_version = 990');
    nd.close();
    expect(() => restoreRegistry(home, newer, reader)).toThrow(/schema version 990 is newer than this Longitude understands/);
    const damaged = (await backupRegistry(home, join(home, 'damaged.sqlite'))).file;
    damagePages(damaged, [2, 3]);
    expect(() => restoreRegistry(home, damaged, reader)).toThrow(RestoreRefusedError);
    expect(readFileSync(join(home, 'registry.sqlite'))).toEqual(before);
    expect(listBackups(home)).toEqual([]);
  });

  it('is refused while the workstation runs (its lock, or SQLite refusing an exclusive lock); afterwards it keeps the current registry aside and logs the reader', async () => {
    const home = newHome();
    const db = filled(home, 5);
    db.close();
    const backup = await backupRegistry(home);
    const app = createApp({ homeDir: home, mode: 'serve', workers: 1 });
    app.db.prepare("INSERT INTO patients (patient_key, patient_id, name) VALUES ('id:late', 'late', 'After^Backup')").run();
    expect(() => restoreRegistry(home, backup.file, reader)).toThrow(/Longitude is running on this library: Longitude serve .*pid/);
    await app.close();
    // A process with no lock file (an older Longitude, another tool) holding the registry open.
    const raw = new (loadDriver())(join(home, 'registry.sqlite'));
    raw.prepare('SELECT COUNT(*) FROM patients').get();
    expect(() => restoreRegistry(home, backup.file, reader)).toThrow(/open in another process \(SQLite refused an exclusive lock\)/);
    raw.close();
    const r = restoreRegistry(home, backup.file, reader);
    expect(r).toMatchObject({ schemaVersion: latestVersion(), migratesTo: null });
    expect(r.keptAside).toMatch(/backups\/replaced-.*\.sqlite$/);
    expect(count(r.keptAside!)).toBe(6);
    expect(count(join(home, 'registry.sqlite'))).toBe(5);
    const line = JSON.parse(readFileSync(join(home, 'logs', 'admin.log'), 'utf8').trim().split('\n').pop()!);
    expect(line).toMatchObject({ action: 'restore', reader, restoredFrom: backup.file, keptAside: r.keptAside });
    // The copy kept aside is not offered as "the last backup".
    expect(listBackups(home).find((b) => b.file === r.keptAside)?.kind).toBe('replaced');
  });

  it('a start is refused while a restore is under way', () => {
    const home = newHome();
    mkdirSync(join(home, 'run'));
    writeFileSync(join(home, 'run', 'restore.lock'), JSON.stringify({ pid: process.pid, host: hostname(), what: 'a restore', startedAt: 'now' }));
    expect(() => acquireRunLock(home, 'test')).toThrow(/a restore of .*registry\.sqlite is under way \(pid \d+/);
    rmSync(join(home, 'run', 'restore.lock'));
    acquireRunLock(home, 'test').release();
  });
});

describe('start-up sweep', () => {
  it('removes what a killed process left (mask, backup and restore temporaries) once older than the guard; stale locks go too', () => {
    const home = newHome();
    mkdirSync(join(home, 'masks', '1.2.3'), { recursive: true });
    mkdirSync(join(home, 'backups'));
    const files = [join(home, 'masks', '1.2.3', 'a.u8.gz.tmp'), join(home, 'backups', 'x.sqlite.1-ab.tmp'), join(home, 'backups', 'x.sqlite.1-ab.tmp-journal'), join(home, 'registry.sqlite.9-ff.restore.tmp')];
    for (const f of files) writeFileSync(f, 'x');
    writeFileSync(join(home, 'masks', '1.2.3', 'kept.u8.gz'), 'x');
    expect(sweepRecoveryTemporaries(home)).toBe(0); // too young: another process may be writing them
    expect(sweepRecoveryTemporaries(home, 0)).toBe(files.length);
    expect(files.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync(join(home, 'masks', '1.2.3', 'kept.u8.gz'))).toBe(true);
    // A lock whose process is gone is stale.
    mkdirSync(join(home, 'run'));
    writeFileSync(join(home, 'run', '999999999-dead.lock'), JSON.stringify({ pid: 999999999, host: hostname(), what: 'x', startedAt: 'then' }));
    expect(liveHolders(home)).toEqual([]);
    expect(existsSync(join(home, 'run', '999999999-dead.lock'))).toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestVersion, migrate, openMemoryRegistry, openRegistry, RegistryError } from './db';
import { MIGRATIONS } from './migrations/index';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('registry migrations', () => {
  it('0010-initial creates STRICT tables with foreign keys on an in-memory database', () => {
    const db = openMemoryRegistry();
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
    const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[];
    expect(tables.map((t) => t.name)).toEqual(['audit_log', 'instances', 'lesion_assessments', 'lesions', 'measurements', 'patients', 'segmentations', 'series', 'studies']);
    for (const t of tables) expect(t.sql).toMatch(/STRICT$/);
    // STRICT refuses a wrong type; foreign keys refuse an orphan.
    expect(() => db.prepare("INSERT INTO patients (patient_key, patient_id, name) VALUES ('k', 'p', X'0102')").run()).toThrow(/cannot store BLOB value in TEXT column/);
    expect(() => db.prepare("INSERT INTO studies (patient_id, study_uid) VALUES (999, '1.2.3')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('0020-lesions upgrades a 0010 database with its data kept, and its CHECKs refuse bad values', () => {
    const db = openMemoryRegistry([MIGRATIONS[0]]);
    db.prepare("INSERT INTO patients (patient_key, patient_id, name) VALUES ('id:P1', 'P1', 'Doe^Jane')").run();
    expect(migrate(db)).toBe(20);
    expect(db.prepare('SELECT name FROM patients').get()).toEqual({ name: 'Doe^Jane' });
    const insert = (site: string, role: string) =>
      db.prepare("INSERT INTO lesions (patient_id, label, site, recist_role, created_at) VALUES (1, ?, ?, ?, '2024-01-01')").run(`L${site}${role}`, site, role);
    expect(() => insert('liver', 'target')).not.toThrow();
    expect(() => insert('brain', 'target')).toThrow(/CHECK constraint failed/);
    expect(() => insert('liver', 'maybe')).toThrow(/CHECK constraint failed/);
    db.close();
  });

  it('runs only pending migrations, all in one transaction', () => {
    const db = openMemoryRegistry([MIGRATIONS[0]]);
    const broken = [MIGRATIONS[0], { version: 20, name: 'broken', up: 'CREATE TABLE ok_table (x INTEGER) STRICT; CREATE TABLE patients (x INTEGER);' }];
    expect(() => migrate(db, broken)).toThrow(/already exists/);
    // The failed migration left nothing behind: no table, no version bump.
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'ok_table'").get()).toEqual({ n: 0 });
    expect(db.pragma('user_version', { simple: true })).toBe(10);
    db.close();
  });

  it('refuses a database written by a newer Longitude, naming both versions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lng-reg-'));
    dirs.push(dir);
    const file = join(dir, 'registry.sqlite');
    const db = openRegistry(file);
    db.pragma('user_version = 990');
    db.close();
    expect(() => openRegistry(file)).toThrow(RegistryError);
    expect(() => openRegistry(file)).toThrow(/schema version 990, newer than this Longitude understands \(20\)/);
  });

  it('opens a file database in WAL mode with foreign keys on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lng-reg-'));
    dirs.push(dir);
    const db = openRegistry(join(dir, 'registry.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });
});

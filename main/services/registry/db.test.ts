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
    // Later migrations add tables of their own; every table is STRICT.
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['ai_agreement', 'ai_proposals', 'ai_runs', 'audit_log', 'instances', 'lesion_assessments', 'lesions', 'measurements', 'patients', 'segmentations', 'series', 'studies']),
    );
    for (const t of tables) expect(t.sql).toMatch(/STRICT$/);
    // STRICT refuses a wrong type; foreign keys refuse an orphan.
    expect(() => db.prepare("INSERT INTO patients (patient_key, patient_id, name) VALUES ('k', 'p', X'0102')").run()).toThrow(/cannot store BLOB value in TEXT column/);
    expect(() => db.prepare("INSERT INTO studies (patient_id, study_uid) VALUES (999, '1.2.3')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('0020-lesions upgrades a 0010 database with its data kept, and its CHECKs refuse bad values', () => {
    const db = openMemoryRegistry([MIGRATIONS[0]]);
    db.prepare("INSERT INTO patients (patient_key, patient_id, name) VALUES ('id:P1', 'P1', 'Doe^Jane')").run();
    expect(migrate(db)).toBe(latestVersion());
    expect(db.prepare('SELECT name FROM patients').get()).toEqual({ name: 'Doe^Jane' });
    const insert = (site: string, role: string) =>
      db.prepare("INSERT INTO lesions (patient_id, label, site, recist_role, created_at) VALUES (1, ?, ?, ?, '2024-01-01')").run(`L${site}${role}`, site, role);
    expect(() => insert('liver', 'target')).not.toThrow();
    expect(() => insert('brain', 'target')).toThrow(/CHECK constraint failed/);
    expect(() => insert('liver', 'maybe')).toThrow(/CHECK constraint failed/);
    db.close();
  });

  it('0030-ai keeps runs, proposals and agreement, with provenance and CHECKs', () => {
    const db = openMemoryRegistry(MIGRATIONS.filter((m) => m.version <= 30));
    db.exec(`INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');
             INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, '1.2');
             INSERT INTO series (id, study_id, series_uid, modality) VALUES (1, 1, '1.2.3', 'CT');`);
    const run = db
      .prepare("INSERT INTO ai_runs (series_id, model_id, model_version, model_sha256, parameters_json, status, started_at) VALUES (1, 'm', '1', 'abc', '{}', 'running', 't')")
      .run().lastInsertRowid;
    const prop = (status: string) =>
      db
        .prepare(
          `INSERT INTO ai_proposals (run_id, series_id, kind, label_value, label_name, class_probabilities_json, mean_probability, voxel_count, volume_ml, centroid_json, mask_path, status)
           VALUES (?, 1, 'lesion', 2, 'metastasis', '[]', 0.9, 10, 0.1, '[0,0,0]', 'x', ?)`,
        )
        .run(run, status).lastInsertRowid;
    const p = prop('proposed');
    expect(() => prop('maybe')).toThrow(/CHECK constraint failed/);
    const agree = (dice: number) =>
      db.prepare("INSERT INTO ai_agreement (proposal_id, model_id, model_version, event, dice, at) VALUES (?, 'm', '1', 'edited', ?, 't')").run(p, dice);
    expect(() => agree(0.8)).not.toThrow();
    expect(() => agree(1.2)).toThrow(/CHECK constraint failed/);
    // Deleting the series removes its runs, proposals and agreement rows.
    db.exec('DELETE FROM series WHERE id = 1');
    expect(db.prepare('SELECT (SELECT COUNT(*) FROM ai_runs) + (SELECT COUNT(*) FROM ai_proposals) + (SELECT COUNT(*) FROM ai_agreement) AS n').get()).toEqual({ n: 0 });
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
    expect(() => openRegistry(file)).toThrow(new RegExp(`schema version 990, newer than this Longitude understands \\(${latestVersion()}\\)`));
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

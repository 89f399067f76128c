import { describe, expect, it } from 'vitest';
import { migrate, openMemoryRegistry } from '../db';
import { MIGRATIONS } from './index';

const IDENTITY = '[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]';

describe('registry migration 0040-registration', () => {
  it('upgrades 0030 with its data kept; one current registration per ordered pair; CHECKs refuse bad rows', () => {
    const db = openMemoryRegistry(MIGRATIONS.filter((m) => m.version < 40));
    db.exec(`
      INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');
      INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, '1.1'), (2, 1, '1.2');
      INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, 'a'), (11, 2, 'b');
    `);
    expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 40))).toBe(40);
    expect(db.prepare('SELECT series_uid AS u FROM series ORDER BY id').all()).toEqual([{ u: 'a' }, { u: 'b' }]);
    const insert = db.prepare('INSERT INTO registrations (patient_id, fixed_series_id, moving_series_id, method, matrix_json, status, created_at, superseded_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)');
    expect(insert.run(10, 11, 'elastix-affine', IDENTITY, 'current', '2024-01-01', null).changes).toBe(1);
    // A second current row for the same pair is refused; superseding the first makes room.
    expect(() => insert.run(10, 11, 'landmarks', IDENTITY, 'current', '2024-01-02', null)).toThrow(/UNIQUE/);
    db.prepare("UPDATE registrations SET status = 'superseded', superseded_at = '2024-01-02'").run();
    expect(insert.run(10, 11, 'landmarks', IDENTITY, 'current', '2024-01-02', null).changes).toBe(1);
    expect(() => insert.run(11, 10, 'magic', IDENTITY, 'current', 'x', null)).toThrow(/CHECK/);
    expect(() => insert.run(11, 10, 'identity', '[[1,0,0,0]]', 'current', 'x', null)).toThrow(/CHECK/);
    expect(() => insert.run(10, 10, 'identity', IDENTITY, 'current', 'x', null)).toThrow(/CHECK/);
    expect(() => insert.run(11, 10, 'identity', IDENTITY, 'superseded', 'x', null)).toThrow(/CHECK/);
    expect(() => insert.run(11, 99, 'identity', IDENTITY, 'current', 'x', null)).toThrow(/FOREIGN KEY/);
  });

  it('is a STRICT table with the transform, provenance and quality columns; deleting a series takes its registrations', () => {
    const db = openMemoryRegistry(MIGRATIONS.filter((m) => m.version <= 40));
    const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'registrations'").get() as { sql: string };
    expect(sql).toMatch(/STRICT$/);
    const columns = (db.prepare('PRAGMA table_info(registrations)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(['id', 'patient_id', 'fixed_series_id', 'moving_series_id', 'method', 'matrix_json', 'parameters_json', 'landmarks_json', 'metric', 'duration_ms', 'status', 'created_at', 'superseded_at']);
    db.exec(`
      INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');
      INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, '1.1'), (2, 1, '1.2');
      INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, 'a'), (11, 2, 'b');
    `);
    const insert = db.prepare("INSERT INTO registrations (patient_id, fixed_series_id, moving_series_id, method, matrix_json, metric, created_at) VALUES (1, 10, 11, 'identity', ?, ?, '2024-01-01')");
    // STRICT: a metric that is not a number is refused rather than stored as text.
    expect(() => insert.run(IDENTITY, 'good')).toThrow(/cannot store TEXT value in REAL column/);
    expect(insert.run(IDENTITY, 0.93).changes).toBe(1);
    expect(db.prepare('SELECT parameters_json AS p, status FROM registrations').get()).toEqual({ p: '{}', status: 'current' });
    db.prepare('DELETE FROM series WHERE id = 11').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM registrations').get()).toEqual({ n: 0 });
  });
});

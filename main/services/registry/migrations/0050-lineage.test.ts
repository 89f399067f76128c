import { describe, expect, it } from 'vitest';
import { migrate, openMemoryRegistry, type Db } from '../db';
import { MIGRATIONS } from './index';

const before50 = MIGRATIONS.filter((m) => m.version < 50);
const upTo50 = MIGRATIONS.filter((m) => m.version <= 50);

/** A patient with two exams, a lesion on each, and a registration, written before 0050. */
function atVersion40(): Db {
  const db = openMemoryRegistry(before50);
  db.exec(`
    INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');
    INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (1, 1, '1.1', '2024-01-10'), (2, 1, '1.2', '2024-04-10');
    INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, '1.1.1'), (11, 2, '1.2.1');
    INSERT INTO lesions (id, patient_id, label, site, recist_role, lesion_type, created_at) VALUES
      (1, 1, 'L1', 'liver', 'target', 'metastasis', '2024-01-10'), (2, 1, 'L2', 'liver', 'target', 'metastasis', '2024-04-10');
    INSERT INTO registrations (id, patient_id, fixed_series_id, moving_series_id, method, matrix_json, created_at)
      VALUES (5, 1, 10, 11, 'identity', '[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]', '2024-04-11');
  `);
  return db;
}

const link = (db: Db, fields: Partial<Record<string, string | number | null>> = {}) => {
  const row = { patient_id: 1, baseline_study_id: 1, followup_study_id: 2, registration_id: 5, kind: 'match', from_lesion_id: 1, to_lesion_id: 2, confidence: 0.9, source: 'matching', status: 'proposed', created_at: '2024-04-11', ...fields };
  const keys = Object.keys(row);
  return db.prepare(`INSERT INTO lesion_links (${keys.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`).run(...Object.values(row));
};

describe('registry migration 0050-lineage', () => {
  it('upgrades the previous schema with its data kept: links and lineage as STRICT tables', () => {
    const db = atVersion40();
    expect(migrate(db, upTo50)).toBe(50);
    expect(db.prepare('SELECT label FROM lesions ORDER BY id').all()).toEqual([{ label: 'L1' }, { label: 'L2' }]);
    expect(db.prepare('SELECT method FROM registrations').get()).toEqual({ method: 'identity' });
    for (const table of ['lesion_links', 'lesion_lineage']) {
      const sql = (db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(table) as { sql: string }).sql;
      expect(sql).toMatch(/STRICT$/);
    }
  });

  it('refuses links and lineage that cannot be: bad kind, status, source, confidence, JSON, unknown lesions, self-lineage', () => {
    const db = atVersion40();
    migrate(db, upTo50);
    expect(link(db).changes).toBe(1);
    expect(() => link(db, { kind: 'swap' })).toThrow(/CHECK/);
    expect(() => link(db, { status: 'maybe' })).toThrow(/CHECK/);
    expect(() => link(db, { source: 'guess' })).toThrow(/CHECK/);
    expect(() => link(db, { confidence: 1.5 })).toThrow(/CHECK/);
    expect(() => link(db, { effect_json: '{not json' })).toThrow(/CHECK/);
    expect(() => link(db, { kind: 'split', to_lesion_id: 1 })).toThrow(/CHECK/);
    expect(() => link(db, { to_lesion_id: 99 })).toThrow(/FOREIGN KEY/);
    const lineage = db.prepare('INSERT INTO lesion_lineage (patient_id, kind, parent_lesion_id, child_lesion_id, study_id, link_id, created_at) VALUES (1, ?, ?, ?, 2, 1, ?)');
    expect(lineage.run('split', 1, 2, '2024-04-11').changes).toBe(1);
    expect(() => lineage.run('split', 1, 1, '2024-04-11')).toThrow(/CHECK/);
    expect(() => lineage.run('merge-ish', 1, 2, '2024-04-11')).toThrow(/CHECK/);
  });

  it('a deleted registration leaves its links (registration_id NULL); a deleted lesion takes its links and lineage', () => {
    const db = atVersion40();
    migrate(db, upTo50);
    link(db);
    db.prepare("INSERT INTO lesion_lineage (patient_id, kind, parent_lesion_id, child_lesion_id, study_id, link_id, created_at) VALUES (1, 'split', 1, 2, 2, 1, 'x')").run();
    db.prepare('DELETE FROM registrations WHERE id = 5').run();
    expect(db.prepare('SELECT registration_id AS r FROM lesion_links').get()).toEqual({ r: null });
    db.prepare('DELETE FROM lesions WHERE id = 2').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM lesion_links').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM lesion_lineage').get()).toEqual({ n: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { migrate, openMemoryRegistry } from '../db';
import { MIGRATIONS } from './index';

describe('migration 0080: monitoring counts errors (rejections, misses) with run and reader', () => {
  it('keeps the agreement rows written before, with their run and lesion, and no reader; STRICT and the CHECKs hold', () => {
    const db = openMemoryRegistry(MIGRATIONS.filter((m) => m.version < 80));
    db.exec(`INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');
             INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, '1.2');
             INSERT INTO series (id, study_id, series_uid, modality) VALUES (1, 1, '1.2.3', 'CT');
             INSERT INTO lesions (id, patient_id, label, site, recist_role, created_at) VALUES (7, 1, 'L1', 'liver', 'target', 't'), (8, 1, 'L2', 'liver', 'target', 't');
             INSERT INTO ai_runs (id, series_id, model_id, model_version, model_sha256, parameters_json, status, started_at) VALUES (3, 1, 'm', '1', 'abc', '{}', 'done', 't');
             INSERT INTO ai_proposals (id, run_id, series_id, kind, label_value, label_name, class_probabilities_json, mean_probability, voxel_count, volume_ml, centroid_json, mask_path, status, lesion_id)
               VALUES (5, 3, 1, 'lesion', 2, 'metastasis', '[]', 0.9, 10, 0.1, '[0,0,0]', 'x', 'accepted', 7),
                      (6, 3, 1, 'lesion', 2, 'metastasis', '[]', 0.9, 10, 0.1, '[0,0,0]', 'x', 'proposed', NULL);
             INSERT INTO ai_agreement (proposal_id, model_id, model_version, event, dice, at) VALUES (5, 'm', '1', 'accepted', 1, '2025-01-01T00:00:00Z'), (5, 'm', '1', 'edited', 0.8, '2025-01-02T00:00:00Z');`);
    expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 80))).toBe(80);
    expect(db.prepare('SELECT run_id, proposal_id, lesion_id, event, dice, reader_name, reader_id FROM ai_agreement ORDER BY id').all()).toEqual([
      { run_id: 3, proposal_id: 5, lesion_id: 7, event: 'accepted', dice: 1, reader_name: null, reader_id: null },
      { run_id: 3, proposal_id: 5, lesion_id: 7, event: 'edited', dice: 0.8, reader_name: null, reader_id: null },
    ]);

    const insert = (event: string, proposalId: number | null, dice: number | null, lesionId: number | null = null) =>
      db
        .prepare("INSERT INTO ai_agreement (run_id, proposal_id, lesion_id, model_id, model_version, event, dice, at, reader_name, reader_id) VALUES (3, ?, ?, 'm', '1', ?, ?, 't', 'Dr A. Jones', 'AJ7')")
        .run(proposalId, lesionId, event, dice);
    // A rejection and a miss: no Dice; a miss has no proposal.
    expect(() => insert('rejected', 6, null)).not.toThrow();
    expect(() => insert('missed', null, null, 8)).not.toThrow();
    expect(db.prepare("SELECT reader_name AS n, reader_id AS i FROM ai_agreement WHERE event = 'missed'").get()).toEqual({ n: 'Dr A. Jones', i: 'AJ7' });
    // One miss per lesion and run.
    expect(() => insert('missed', null, null, 8)).toThrow(/UNIQUE constraint failed/);
    expect(() => insert('missed', null, null, 7)).not.toThrow();
    // Dice only for accepts and edits, and within 0…1; a proposal for every event but a miss.
    expect(() => insert('rejected', 6, 0.5)).toThrow(/CHECK constraint failed/);
    expect(() => insert('accepted', 6, null)).toThrow(/CHECK constraint failed/);
    expect(() => insert('edited', 6, 1.2)).toThrow(/CHECK constraint failed/);
    expect(() => insert('missed', 6, null, 8)).toThrow(/CHECK constraint failed/);
    expect(() => insert('rejected', null, null)).toThrow(/CHECK constraint failed/);
    expect(() => insert('maybe', 6, null)).toThrow(/CHECK constraint failed/);
    // Every row names its run.
    expect(() => db.prepare("INSERT INTO ai_agreement (proposal_id, model_id, model_version, event, at) VALUES (6, 'm', '1', 'rejected', 't')").run()).toThrow(/NOT NULL/);
    // STRICT still holds, for the new columns too.
    expect(() => db.prepare("INSERT INTO ai_agreement (run_id, proposal_id, model_id, model_version, event, at, reader_name) VALUES (3, 6, 'm', '1', 'rejected', 't', x'00')").run()).toThrow(/cannot store BLOB/);
    expect(() => db.prepare("INSERT INTO ai_agreement (run_id, proposal_id, model_id, model_version, event, at) VALUES ('three', 6, 'm', '1', 'rejected', 't')").run()).toThrow(/cannot store TEXT/);
    expect((db.prepare("SELECT sql FROM sqlite_master WHERE name = 'ai_agreement'").get() as { sql: string }).sql).toMatch(/STRICT$/);

    // A deleted lesion leaves its miss without a lesion; deleting the run removes its rows.
    db.exec('DELETE FROM lesions WHERE id = 8');
    expect(db.prepare("SELECT COUNT(*) AS n FROM ai_agreement WHERE event = 'missed' AND lesion_id IS NULL").get()).toEqual({ n: 1 });
    db.exec('DELETE FROM ai_runs WHERE id = 3');
    expect(db.prepare('SELECT COUNT(*) AS n FROM ai_agreement').get()).toEqual({ n: 0 });
    db.close();
  });
});

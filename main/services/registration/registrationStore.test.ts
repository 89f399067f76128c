import { describe, expect, it } from 'vitest';
import { identityMat4, mat4FromLinear, rotationAboutAxis } from '../../../core/registration/affine';
import { migrate, openMemoryRegistry, type Db } from '../registry/db';
import { MIGRATIONS } from '../registry/migrations/index';
import {
  currentRegistration,
  getRegistration,
  listRegistrations,
  RegistrationInputError,
  RegistrationNotFoundError,
  saveRegistration,
} from './registrationStore';

const m0040 = MIGRATIONS.findIndex((m) => m.version === 40);

function seeded(): Db {
  const db = openMemoryRegistry();
  db.exec(`
    INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'A'), (2, 'id:P2', 'P2', 'B');
    INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (1, 1, '1.1', '2024-01-10'), (2, 1, '1.2', '2024-04-10'), (3, 2, '2.1', '2024-01-11');
    INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, '1.1.1'), (11, 2, '1.2.1'), (20, 3, '2.1.1');
  `);
  return db;
}

const motion = mat4FromLinear(rotationAboutAxis([0, 0, 1], 5), [10, -11, 2]);

describe('registry migration 0040-registration', () => {
  it('upgrades the previous schema with its data kept, a STRICT table whose CHECKs refuse bad rows', () => {
    const db = openMemoryRegistry(MIGRATIONS.slice(0, m0040));
    db.exec(`
      INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'Doe^Jane');
      INSERT INTO studies (id, patient_id, study_uid) VALUES (1, 1, '1.1'), (2, 1, '1.2');
      INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, 'a'), (11, 2, 'b');
    `);
    expect(migrate(db, MIGRATIONS.slice(0, m0040 + 1))).toBe(40);
    expect(db.prepare('SELECT name FROM patients').get()).toEqual({ name: 'Doe^Jane' });
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'registrations'").get() as { sql: string }).sql;
    expect(sql).toMatch(/STRICT$/);
    const insert = (method: string, matrix: string, fixed = 10, moving = 11, status = 'current', supersededAt: string | null = null) =>
      db
        .prepare('INSERT INTO registrations (patient_id, fixed_series_id, moving_series_id, method, matrix_json, status, created_at, superseded_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)')
        .run(fixed, moving, method, matrix, status, '2024-05-01T00:00:00Z', supersededAt);
    const eye = JSON.stringify(identityMat4());
    expect(() => insert('elastix-demons', eye)).toThrow(/CHECK constraint failed/);
    expect(() => insert('identity', '[[1,0,0,0]]')).toThrow(/CHECK constraint failed/);
    expect(() => insert('identity', 'not json')).toThrow(/CHECK constraint failed/);
    expect(() => insert('identity', eye, 10, 10)).toThrow(/CHECK constraint failed/);
    expect(() => insert('identity', eye, 10, 11, 'superseded', null)).toThrow(/CHECK constraint failed/);
    expect(() => insert('identity', eye, 10, 999)).toThrow(/FOREIGN KEY/);
    expect(() => insert('identity', eye)).not.toThrow();
    // One current transform per pair, any number of superseded ones.
    expect(() => insert('identity', eye)).toThrow(/UNIQUE constraint failed/);
    expect(() => insert('identity', eye, 10, 11, 'superseded', '2024-05-02')).not.toThrow();
    // The reverse pair is a different registration.
    expect(() => insert('identity', eye, 11, 10)).not.toThrow();
    db.close();
  });
});

describe('registration store', () => {
  it('saves a transform as the current one for its pair, with the patient taken from the series', () => {
    const db = seeded();
    const r = saveRegistration(db, {
      fixedSeriesId: 10,
      movingSeriesId: 11,
      method: 'elastix-affine',
      matrix4x4: motion,
      parameters: { engine: '@itk-wasm/elastix 1.0.1', spacingMm: [3, 3, 3] },
      metric: 0.99,
      durationMs: 7400,
    });
    expect(r).toMatchObject({ patientRowId: 1, fixedSeriesId: 10, movingSeriesId: 11, method: 'elastix-affine', status: 'current', supersededAt: null, metric: 0.99, durationMs: 7400, landmarks: null });
    expect(r.matrix4x4).toEqual(motion);
    expect(r.parameters).toEqual({ engine: '@itk-wasm/elastix 1.0.1', spacingMm: [3, 3, 3] });
    expect(currentRegistration(db, 10, 11)).toEqual(r);
    expect(currentRegistration(db, 11, 10)).toBeNull();
  });

  it('a manual correction supersedes the elastix result; the old one stays for the audit', () => {
    const db = seeded();
    const first = saveRegistration(db, { fixedSeriesId: 10, movingSeriesId: 11, method: 'elastix-rigid', matrix4x4: motion, createdAt: '2024-05-01T10:00:00.000Z' });
    const landmarks = [
      { fixedMm: [0, 0, 0] as [number, number, number], movingMm: [10, -11, 2] as [number, number, number], label: 'portal bifurcation' },
      { fixedMm: [50, 0, 0] as [number, number, number], movingMm: [60, -11, 2] as [number, number, number] },
      { fixedMm: [0, 50, 30] as [number, number, number], movingMm: [10, 39, 32] as [number, number, number] },
    ];
    const second = saveRegistration(db, { fixedSeriesId: 10, movingSeriesId: 11, method: 'landmarks', matrix4x4: identityMat4(), landmarks, metric: 0.4, createdAt: '2024-05-01T10:05:00.000Z' });
    expect(currentRegistration(db, 10, 11)?.id).toBe(second.id);
    expect(getRegistration(db, first.id)).toMatchObject({ status: 'superseded', supersededAt: '2024-05-01T10:05:00.000Z' });
    expect(second.landmarks).toEqual(landmarks);
    expect(listRegistrations(db, 1).map((r) => [r.method, r.status])).toEqual([['elastix-rigid', 'superseded'], ['landmarks', 'current']]);
    expect(listRegistrations(db, 1, { currentOnly: true }).map((r) => r.id)).toEqual([second.id]);
    expect(listRegistrations(db, 2)).toEqual([]);
  });

  it('refuses what cannot be right, saying what and keeping the current transform', () => {
    const db = seeded();
    const kept = saveRegistration(db, { fixedSeriesId: 10, movingSeriesId: 11, method: 'identity', matrix4x4: identityMat4() });
    const base = { fixedSeriesId: 10, movingSeriesId: 11, method: 'elastix-rigid' as const, matrix4x4: motion };
    expect(() => saveRegistration(db, { ...base, movingSeriesId: 20 })).toThrow(/belong to different patients/);
    expect(() => saveRegistration(db, { ...base, movingSeriesId: 10 })).toThrow(/cannot be registered to itself/);
    expect(() => saveRegistration(db, { ...base, movingSeriesId: 99 })).toThrow(RegistrationNotFoundError);
    expect(() => saveRegistration(db, { ...base, method: 'demons' as never })).toThrow(/method must be one of elastix-rigid/);
    expect(() => saveRegistration(db, { ...base, matrix4x4: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as never })).toThrow(RegistrationInputError);
    expect(() => saveRegistration(db, { ...base, method: 'landmarks' })).toThrow(/needs its landmark pairs/);
    expect(() => saveRegistration(db, { ...base, landmarks: [{ fixedMm: [0, 0], movingMm: [0, 0, 0] }] as never })).toThrow(/landmarks must be a list/);
    expect(() => saveRegistration(db, { ...base, metric: NaN })).toThrow(/metric must be a finite number/);
    expect(currentRegistration(db, 10, 11)).toEqual(kept);
    expect(() => getRegistration(db, 999)).toThrow(/registration 999 does not exist/);
  });

  it('goes with its series: deleting a series deletes its registrations', () => {
    const db = seeded();
    saveRegistration(db, { fixedSeriesId: 10, movingSeriesId: 11, method: 'identity', matrix4x4: identityMat4() });
    db.prepare('DELETE FROM series WHERE id = 11').run();
    expect(listRegistrations(db, 1)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { openMemoryRegistry, type Db } from '../registry/db';
import {
  addMeasurement,
  createLesion,
  deleteMeasurement,
  LesionInputError,
  listLesions,
  listMeasurements,
  restoreMeasurement,
  setLesionAssessment,
  updateLesion,
  updateMeasurementPoints,
} from './lesionStore';
import { auditTrail, lesionHistory } from '../audit/auditLog';

function seeded(): { db: Db; seriesA: number; seriesOther: number } {
  const db = openMemoryRegistry();
  db.exec(`
    INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'A'), (2, 'id:P2', 'P2', 'B');
    INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (1, 1, '1.1', '2024-01-10'), (2, 2, '2.1', '2024-01-11');
    INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, '1.1.1'), (20, 2, '2.1.1');
  `);
  return { db, seriesA: 10, seriesOther: 20 };
}

describe('lesions', () => {
  it('get stable labels L1, L2 … that are never reused, with validated fields', () => {
    const { db } = seeded();
    const l1 = createLesion(db, 1, { site: 'liver', couinaudSegment: 'VII', lesionType: 'metastasis', referenceStandard: 'histopathology' });
    const l2 = createLesion(db, 1, { site: 'lymph-node', nodeStation: '12' });
    expect([l1.label, l2.label]).toEqual(['L1', 'L2']);
    expect(l2).toMatchObject({ lymphNode: true, recistRole: 'target' });
    expect(() => createLesion(db, 1, { site: 'brain' as never })).toThrow(/site must be one of liver, lymph-node, lung, peritoneum, other/);
    expect(() => createLesion(db, 1, { colour: 'red' } as never)).toThrow(/unknown lesion field "colour"/);
    expect(() => createLesion(db, 99, {})).toThrow(/patient 99 does not exist/);
    expect(listLesions(db, 1).map((l) => l.label)).toEqual(['L1', 'L2']);
  });

  it('keep every change in the audit trail with before and after', () => {
    const { db } = seeded();
    const l = createLesion(db, 1, { site: 'liver' });
    updateLesion(db, l.id, { lesionType: 'cyst', notes: 'simple cyst on MRI', referenceStandard: 'MRI' });
    const trail = auditTrail(db, 'lesion', l.id);
    expect(trail.map((e) => e.action)).toEqual(['create', 'update']);
    expect(trail[1].before).toMatchObject({ lesionType: 'indeterminate', notes: '' });
    expect(trail[1].after).toMatchObject({ lesionType: 'cyst', notes: 'simple cyst on MRI', referenceStandard: 'MRI' });
  });
});

describe('measurements', () => {
  it('compute their numbers, stay editable, and deletion can be undone', () => {
    const { db, seriesA } = seeded();
    const l = createLesion(db, 1, { site: 'liver' });
    const m = addMeasurement(db, { lesionId: l.id, seriesId: seriesA, kind: 'bidirectional', pointsLps: [[0, 0, 0], [32, 0, 0], [16, -10, 0], [16, 10, 0]], sliceIndex: 40 });
    expect(m).toMatchObject({ longAxisMm: 32, shortAxisMm: 20, sliceIndex: 40, source: 'manual' });
    const edited = updateMeasurementPoints(db, m.id, [[0, 0, 0], [30, 0, 0], [15, -9, 0], [15, 9, 0]]);
    expect(edited).toMatchObject({ longAxisMm: 30, shortAxisMm: 18 });
    deleteMeasurement(db, m.id);
    expect(listMeasurements(db, { lesionId: l.id })).toEqual([]);
    restoreMeasurement(db, m.id);
    expect(listMeasurements(db, { lesionId: l.id })).toHaveLength(1);
    expect(auditTrail(db, 'measurement', m.id).map((e) => e.action)).toEqual(['create', 'update', 'delete', 'restore']);
    // The lesion's history keeps a measurement that is deleted now.
    deleteMeasurement(db, m.id);
    const history = lesionHistory(db, l.id);
    expect(history.map((e) => `${e.entity}:${e.action}`)).toEqual([
      'lesion:create',
      'measurement:create',
      'measurement:update',
      'measurement:delete',
      'measurement:restore',
      'measurement:delete',
    ]);
  });

  it('refuse a series of another patient and impossible geometry, writing nothing', () => {
    const { db, seriesOther, seriesA } = seeded();
    const l = createLesion(db, 1, {});
    expect(() => addMeasurement(db, { lesionId: l.id, seriesId: seriesOther, kind: 'length', pointsLps: [[0, 0, 0], [1, 0, 0]] })).toThrow(/belongs to another patient/);
    expect(() => addMeasurement(db, { lesionId: l.id, seriesId: seriesA, kind: 'length', pointsLps: [[0, 0, 0]] })).toThrow(LesionInputError);
    expect(db.prepare('SELECT COUNT(*) AS n FROM measurements').get()).toEqual({ n: 0 });
    expect(auditTrail(db, 'lesion', l.id)).toHaveLength(1);
  });

  it('record a per-exam RECIST status', () => {
    const { db } = seeded();
    const l = createLesion(db, 1, {});
    setLesionAssessment(db, l.id, 1, 'too-small');
    setLesionAssessment(db, l.id, 1, 'disappeared');
    expect(db.prepare('SELECT status FROM lesion_assessments').all()).toEqual([{ status: 'disappeared' }]);
    expect(() => setLesionAssessment(db, l.id, 1, 'gone' as never)).toThrow(/status must be one of/);
  });
});

describe('lesion table data', () => {
  it('puts the latest bidirectional measurement of each exam in its cell, with explicit statuses on top', async () => {
    const { lesionTableData } = await import('./lesionTable');
    const db = openMemoryRegistry();
    db.exec(`
      INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'A');
      INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (2, 1, '1.2', '2024-04-10'), (1, 1, '1.1', '2024-01-10');
      INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, '1.1.1'), (20, 2, '1.2.1');
    `);
    const l1 = createLesion(db, 1, {});
    const l2 = createLesion(db, 1, {});
    addMeasurement(db, { lesionId: l1.id, seriesId: 10, kind: 'bidirectional', pointsLps: [[0, 0, 0], [32, 0, 0], [16, -10, 0], [16, 10, 0]] });
    addMeasurement(db, { lesionId: l1.id, seriesId: 10, kind: 'length', pointsLps: [[0, 0, 0], [50, 0, 0]] });
    addMeasurement(db, { lesionId: l1.id, seriesId: 20, kind: 'bidirectional', pointsLps: [[0, 0, 0], [20, 0, 0], [10, -6, 0], [10, 6, 0]] });
    addMeasurement(db, { lesionId: l2.id, seriesId: 10, kind: 'length', pointsLps: [[0, 0, 0], [15, 0, 0]] });
    setLesionAssessment(db, l2.id, 2, 'disappeared');
    const t = lesionTableData(db, 1);
    expect(t.exams.map((e) => e.date)).toEqual(['2024-01-10', '2024-04-10']);
    expect(t.cells[l1.id][1]).toMatchObject({ longAxisMm: 32, shortAxisMm: 20, status: 'measured' });
    expect(t.cells[l1.id][2]).toMatchObject({ longAxisMm: 20, shortAxisMm: 12 });
    expect(t.cells[l2.id][1]).toMatchObject({ longAxisMm: 15, shortAxisMm: null });
    expect(t.cells[l2.id][2]).toMatchObject({ longAxisMm: null, status: 'disappeared' });

    // RECIST from what the registry holds: 32 + 15 = 47 mm → 20 + 0 = 20 mm, −57% → PR.
    const { assessLesionTable } = await import('../../../core/recist/lesionAssessment');
    const a = assessLesionTable(t);
    expect(a.recistErrors).toEqual([]);
    expect(a.recist!.timepoints.map((tp) => tp.sumMm)).toEqual([47, 20]);
    expect(a.recist!.timepoints[1]).toMatchObject({ targetResponse: 'PR', overallResponse: 'PR', changeFromBaselinePct: -57.45 });
  });
});

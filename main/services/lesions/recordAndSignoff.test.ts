/**
 * One measurement of record per lesion and exam, and sign-off: a signed exam is locked until a
 * reader reopens it with a reason; every change records the reader. On a real SQLite registry.
 */
import { describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../../../core/api/types';
import { auditTrail, lesionHistory } from '../audit/auditLog';
import { clearProposedFindings, insertFinding, listFindings } from '../followup/followUpStore';
import { openMemoryRegistry, type Db } from '../registry/db';
import { insertSegmentationRow } from '../segmentation/segmentationStore';
import { withReader } from '../session/readerContext';
import type { VolumeAccess } from '../volumes/volumeAccess';
import { addMeasurement, createLesion, deleteMeasurement, setLesionAssessment, setMeasurementOfRecord, updateLesion, updateMeasurementPoints } from './lesionStore';
import { LesionsService } from './lesionsService';
import { activeSignoff, listSignoffs } from './signoffStore';

/** Patient 1: baseline (study 1, series 10) and follow-up (study 2, series 20). */
function seeded(): { db: Db; service: LesionsService } {
  const db = openMemoryRegistry();
  db.exec(`
    INSERT INTO patients (id, patient_key, patient_id, name) VALUES (1, 'id:P1', 'P1', 'A');
    INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (1, 1, '1.1', '2024-01-10'), (2, 1, '1.2', '2024-04-10');
    INSERT INTO series (id, study_id, series_uid) VALUES (10, 1, '1.1.1'), (20, 2, '1.2.1');
  `);
  // The lesions domain needs decoded volumes only for ROI statistics, which these tests do not draw.
  return { db, service: new LesionsService({ db, volumes: null as unknown as VolumeAccess }) };
}
const bidir = (long: number, short: number, z = 0): [number, number, number][] => [[0, 0, z], [long, 0, z], [long / 2, -short / 2, z], [long / 2, short / 2, z]];
const length = (mm: number): [number, number, number][] => [[0, 0, 0], [mm, 0, 0]];

describe('the measurement of record', () => {
  it('is the earliest diameter measurement by default: a new measurement never silently replaces it', async () => {
    const { db, service } = seeded();
    const l1 = createLesion(db, 1, { recistRole: 'target' });
    const l2 = createLesion(db, 1, { recistRole: 'target' });
    addMeasurement(db, { lesionId: l1.id, seriesId: 10, kind: 'length', pointsLps: length(32.4) });
    addMeasurement(db, { lesionId: l2.id, seriesId: 10, kind: 'length', pointsLps: length(22) });
    const before = (await service.getLesionTable(1)).assessment.recist!.timepoints[0].sumMm;
    expect(before).toBeCloseTo(54.4, 6);
    // A bidirectional drawn later on the same lesion and exam (the 54.4 → 66.9 mm).
    const later = addMeasurement(db, { lesionId: l1.id, seriesId: 10, kind: 'bidirectional', pointsLps: bidir(44.9, 30) });
    const { table, assessment } = await service.getLesionTable(1);
    expect(assessment.recist!.timepoints[0].sumMm).toBeCloseTo(54.4, 6);
    expect(table.cells[l1.id][1]).toMatchObject({ longAxisMm: 32.4, measurementCount: 2, recordChosenBy: 'default' });
    // The reader chooses explicitly: now it counts, marked as the reader's choice, audited with the reader.
    await withReader({ name: 'Dr A. Jones', id: 'AJ7' }, () => service.setMeasurementOfRecord({ lesionId: l1.id, studyRowId: 1, measurementId: later.id }));
    const chosen = await service.getLesionTable(1);
    expect(chosen.table.cells[l1.id][1]).toMatchObject({ measurementId: later.id, longAxisMm: 44.9, recordChosenBy: 'reader' });
    expect(chosen.assessment.recist!.timepoints[0].sumMm).toBeCloseTo(66.9, 6);
    const trail = auditTrail(db, 'measurement-of-record', l1.id);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ action: 'create', after: { studyRowId: 1, measurementId: later.id }, reader: { name: 'Dr A. Jones', id: 'AJ7' } });
    expect(lesionHistory(db, l1.id).some((e) => e.entity === 'measurement-of-record')).toBe(true);
    // Deleting the chosen one falls back to the default, visibly.
    deleteMeasurement(db, later.id);
    expect((await service.getLesionTable(1)).table.cells[l1.id][1]).toMatchObject({ longAxisMm: 32.4, measurementCount: 1, recordChosenBy: 'default' });
    // Back to the default explicitly.
    await service.setMeasurementOfRecord({ lesionId: l1.id, studyRowId: 1, measurementId: null });
    expect(auditTrail(db, 'measurement-of-record', l1.id).map((e) => e.action)).toEqual(['create', 'delete']);
  });

  it('only a live length or bidirectional of that lesion on that exam can be of record', () => {
    const { db } = seeded();
    const l1 = createLesion(db, 1, {});
    const l2 = createLesion(db, 1, {});
    const onFollowUp = addMeasurement(db, { lesionId: l1.id, seriesId: 20, kind: 'length', pointsLps: length(20) });
    const other = addMeasurement(db, { lesionId: l2.id, seriesId: 10, kind: 'length', pointsLps: length(20) });
    expect(() => setMeasurementOfRecord(db, l1.id, 1, onFollowUp.id)).toThrow(/on another exam \(study 2\) than study 1/);
    expect(() => setMeasurementOfRecord(db, l1.id, 1, other.id)).toThrow(/belongs to another lesion than L1/);
    expect(() => setMeasurementOfRecord(db, l1.id, 1, 999)).toThrow(/measurement 999 does not exist/);
  });
});

describe('sign-off', () => {
  function signable() {
    const s = seeded();
    const l1 = createLesion(s.db, 1, { recistRole: 'target' });
    const m = addMeasurement(s.db, { lesionId: l1.id, seriesId: 10, kind: 'length', pointsLps: length(30) });
    addMeasurement(s.db, { lesionId: l1.id, seriesId: 20, kind: 'length', pointsLps: length(25) });
    return { ...s, l1, m };
  }

  it('records who signed what the assessment said; the exam is then locked for every change that would alter it', async () => {
    const { db, service, l1, m } = signable();
    const signed = await withReader({ name: 'Dr A. Jones', id: 'AJ7' }, () => service.signOffExam({ studyRowId: 1 }));
    expect(signed).toMatchObject({ studyRowId: 1, reader: { name: 'Dr A. Jones', id: 'AJ7' }, reopenedAt: null, summary: { date: '2024-01-10', sumMm: 30 } });
    expect((await service.getLesionTable(1)).table.signoffs).toEqual([signed]);
    const locked = /the exam of 2024-01-10 \(study 1\) was signed by Dr A\. Jones .* locked; reopen it/;
    expect(() => addMeasurement(db, { lesionId: l1.id, seriesId: 10, kind: 'length', pointsLps: length(31) })).toThrow(locked);
    expect(() => updateMeasurementPoints(db, m.id, length(33))).toThrow(locked);
    expect(() => deleteMeasurement(db, m.id)).toThrow(locked);
    expect(() => setLesionAssessment(db, l1.id, 1, 'not-evaluated')).toThrow(locked);
    expect(() => setMeasurementOfRecord(db, l1.id, 1, m.id)).toThrow(locked);
    expect(() => updateLesion(db, l1.id, { recistRole: 'non-target' })).toThrow(/cannot change recistRole of lesion L1/);
    const geometry: VolumeGeometry = { dims: [2, 2, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as never };
    expect(() =>
      insertSegmentationRow(db, { seriesId: 10, seriesUid: '1.1.1', geometry, voxels: new Int16Array(4), mask: new Uint8Array([1, 0, 0, 0]), lesionId: l1.id, structure: 'lesion' }, 'x.u8.gz'),
    ).toThrow(/cannot save a lesion mask/);
    // Notes do not change the assessment; the follow-up exam is not signed.
    expect(updateLesion(db, l1.id, { notes: 'seen on MRI' }).notes).toBe('seen on MRI');
    expect(addMeasurement(db, { lesionId: l1.id, seriesId: 20, kind: 'length', pointsLps: length(26) }).longAxisMm).toBe(26);
    // Nothing was written by the refused changes.
    expect((await service.getLesionTable(1)).table.cells[l1.id][1]).toMatchObject({ longAxisMm: 30, measurementCount: 1 });
    await expect(service.signOffExam({ studyRowId: 1 })).rejects.toThrow(/already signed by Dr A\. Jones/);
  });

  it('reopening is explicit, needs a reason, and is audited with the reader; the signature stays on record', async () => {
    const { db, service, l1 } = signable();
    await withReader({ name: 'Dr A. Jones' }, () => service.signOffExam({ studyRowId: 1 }));
    await expect(service.reopenExam({ studyRowId: 1, reason: '  ' })).rejects.toThrow(/needs a reason/);
    const reopened = await withReader({ name: 'Dr B. Smith', id: 'BS1' }, () => service.reopenExam({ studyRowId: 1, reason: 'addendum: second reader' }));
    expect(reopened).toMatchObject({ reader: { name: 'Dr A. Jones' }, reopenedBy: { name: 'Dr B. Smith', id: 'BS1' }, reopenReason: 'addendum: second reader' });
    expect(activeSignoff(db, 1)).toBeNull();
    expect(addMeasurement(db, { lesionId: l1.id, seriesId: 10, kind: 'length', pointsLps: length(31) }).longAxisMm).toBe(31);
    const trail = auditTrail(db, 'exam-signoff', reopened.id);
    expect(trail.map((e) => [e.action, e.reader?.name])).toEqual([
      ['create', 'Dr A. Jones'],
      ['update', 'Dr B. Smith'],
    ]);
    // Signed again: two signatures on record, one in force.
    await service.signOffExam({ studyRowId: 1 });
    expect(listSignoffs(db, 1).map((s) => s.reopenedAt === null)).toEqual([false, true]);
    await expect(service.reopenExam({ studyRowId: 2, reason: 'x' })).rejects.toThrow(/is not signed/);
  });

  it('is refused while review items of the exam are pending, or when there is nothing to sign', async () => {
    const { db, service, l1 } = signable();
    insertFinding(db, { patientRowId: 1, baselineStudyRowId: 1, followUpStudyRowId: 2, lesionId: l1.id, kind: 'disappeared' });
    const id = listFindings(db, { followUpStudyRowId: 2 })[0].id;
    await expect(service.signOffExam({ studyRowId: 2 })).rejects.toThrow(new RegExp(`1 review item\\(s\\) pending — finding-${id} \\(L1 disappeared\\)`));
    clearProposedFindings(db, 1, 2);
    expect((await service.signOffExam({ studyRowId: 2 })).summary).toMatchObject({ targetResponse: 'SD', overallResponse: 'SD', sumMm: 25 });
    db.exec("INSERT INTO studies (id, patient_id, study_uid, study_date) VALUES (3, 1, '1.3', '2024-07-10')");
    await expect(service.signOffExam({ studyRowId: 3 })).rejects.toThrow(/no lesion is assessed on it/);
    await expect(service.signOffExam({ studyRowId: 99 })).rejects.toThrow(/study 99 is not in the library/);
  });
});

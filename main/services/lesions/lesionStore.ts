/**
 * Lesions and measurements in the registry: the lesions domain's store, the only writer
 * of `lesions`, `measurements` and `lesion_assessments`. Every change is one transaction
 * that also writes its audit entry (what, when, who, before and after) and, after commit,
 * an `onLesionsChanged` event; deletions are soft so they can be undone. Other domains
 * change these tables only through the functions here.
 */
import {
  COUINAUD_SEGMENTS,
  LESION_SITES,
  LESION_TYPES,
  RECIST_ROLES,
  REFERENCE_STANDARDS,
  type AuditEntry,
  type Lesion,
  type LesionExamStatus,
  type LesionFields,
  type Measurement,
  type MeasurementKind,
  type Vec3,
} from '../../../core/api/types';
import { measurementNumbers, MeasurementError, type MeasurementNumbers } from '../../../core/measure/measure';
import type { Db } from '../registry/db';
import { changed, transaction } from '../registry/changes';
import { audit } from '../audit/auditLog';
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../../core/api/errors';
import { uidFromHashHex } from '../../../core/dicom/uids';
import { currentReader } from '../session/readerContext';
import { assertExamOpen, assertLesionUnsigned, assertSeriesOpen } from './signoffStore';

export class LesionInputError extends ApiError {
  constructor(message: string) {
    super('invalid', message);
  }
}
export class LesionNotFoundError extends ApiError {
  constructor(message: string) {
    super('not-found', message);
  }
}

const now = () => new Date().toISOString();

/** Audit a change and tell every client that the lesion's patient changed (sent after commit). */
function recordChange(db: Db, entity: AuditEntry['entity'], entityId: number, action: AuditEntry['action'], before: unknown, after: unknown, lesionId: number): void {
  audit(db, entity, entityId, action, before, after);
  lesionsChanged(db, [lesionId]);
}

/** The change event for the patients of these lesions. */
export function lesionsChanged(db: Db, lesionIds: readonly number[]): void {
  for (const id of new Set(lesionIds)) {
    const r = db.prepare('SELECT patient_id AS p FROM lesions WHERE id = ?').get(id) as { p: number } | undefined;
    if (r) changed(db, 'onLesionsChanged', { patientRowId: r.p });
  }
}


interface LesionRow {
  id: number;
  patient_id: number;
  label: string;
  site: string;
  couinaud_segment: string | null;
  node_station: string | null;
  recist_role: string;
  lymph_node: number;
  lesion_type: string;
  reference_standard: string | null;
  notes: string;
  created_at: string;
}

function toLesion(r: LesionRow): Lesion {
  return {
    id: r.id,
    patientRowId: r.patient_id,
    label: r.label,
    site: r.site as Lesion['site'],
    couinaudSegment: r.couinaud_segment as Lesion['couinaudSegment'],
    nodeStation: r.node_station,
    recistRole: r.recist_role as Lesion['recistRole'],
    lymphNode: r.lymph_node === 1,
    lesionType: r.lesion_type as Lesion['lesionType'],
    referenceStandard: r.reference_standard as Lesion['referenceStandard'],
    notes: r.notes,
    createdAt: r.created_at,
  };
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], nullable = false): T | null {
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new LesionInputError(`${field} must be one of ${allowed.join(', ')}${nullable ? ' (or null)' : ''}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Validate a partial set of lesion fields; unknown fields are errors, not ignored. */
export function validateLesionFields(patch: Partial<LesionFields>): Partial<LesionFields> {
  const out: Partial<LesionFields> = {};
  for (const [key, value] of Object.entries(patch ?? {})) {
    switch (key) {
      case 'site':
        out.site = oneOf('site', value, LESION_SITES)!;
        break;
      case 'couinaudSegment':
        out.couinaudSegment = oneOf('couinaudSegment', value, COUINAUD_SEGMENTS, true);
        break;
      case 'recistRole':
        out.recistRole = oneOf('recistRole', value, RECIST_ROLES)!;
        break;
      case 'lesionType':
        out.lesionType = oneOf('lesionType', value, LESION_TYPES)!;
        break;
      case 'referenceStandard':
        out.referenceStandard = oneOf('referenceStandard', value, REFERENCE_STANDARDS, true);
        break;
      case 'lymphNode':
        if (typeof value !== 'boolean') throw new LesionInputError('lymphNode must be true or false');
        out.lymphNode = value;
        break;
      case 'nodeStation':
        if (value !== null && typeof value !== 'string') throw new LesionInputError('nodeStation must be text or null');
        out.nodeStation = value as string | null;
        break;
      case 'notes':
        if (typeof value !== 'string') throw new LesionInputError('notes must be text');
        out.notes = value;
        break;
      default:
        throw new LesionInputError(`unknown lesion field "${key}"`);
    }
  }
  return out;
}

export function getLesion(db: Db, lesionId: number, includeDeleted = false): Lesion {
  const r = db.prepare(`SELECT * FROM lesions WHERE id = ?${includeDeleted ? '' : ' AND deleted_at IS NULL'}`).get(lesionId) as LesionRow | undefined;
  if (!r) throw new LesionNotFoundError(`lesion ${lesionId} does not exist`);
  return toLesion(r);
}

export function listLesions(db: Db, patientRowId: number): Lesion[] {
  return (db.prepare('SELECT * FROM lesions WHERE patient_id = ? AND deleted_at IS NULL ORDER BY id').all(patientRowId) as LesionRow[]).map(toLesion);
}

/** Next free label "L<n>" for the patient; labels of deleted lesions are never reused. */
function nextLabel(db: Db, patientRowId: number): string {
  const rows = db.prepare('SELECT label FROM lesions WHERE patient_id = ?').all(patientRowId) as { label: string }[];
  const max = rows.reduce((m, r) => Math.max(m, Number(/^L(\d+)$/.exec(r.label)?.[1] ?? 0)), 0);
  return `L${max + 1}`;
}

/**
 * A new lesion with the next free label, or with `opts.label` when it is an unused "L<n>" of the
 * patient (a lesion coming back from a report keeps the label it was tracked by).
 */
export function createLesion(db: Db, patientRowId: number, fields: Partial<LesionFields>, opts: { label?: string } = {}): Lesion {
  const f = validateLesionFields(fields);
  return transaction(db, () => {
    if (!db.prepare('SELECT 1 FROM patients WHERE id = ?').get(patientRowId)) throw new LesionNotFoundError(`patient ${patientRowId} does not exist`);
    const site = f.site ?? 'liver';
    const id = Number(
      db
        .prepare(
          `INSERT INTO lesions (patient_id, label, site, couinaud_segment, node_station, recist_role, lymph_node, lesion_type, reference_standard, notes, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          patientRowId,
          opts.label && /^L[1-9]\d*$/.test(opts.label) && !db.prepare('SELECT 1 FROM lesions WHERE patient_id = ? AND label = ?').get(patientRowId, opts.label) ? opts.label : nextLabel(db, patientRowId),
          site,
          f.couinaudSegment ?? null,
          f.nodeStation ?? null,
          f.recistRole ?? 'target',
          (f.lymphNode ?? site === 'lymph-node') ? 1 : 0,
          f.lesionType ?? 'indeterminate',
          f.referenceStandard ?? null,
          f.notes ?? '',
          now(),
        ).lastInsertRowid,
    );
    db.prepare('UPDATE lesions SET tracking_uid = ? WHERE id = ?').run(newTrackingUid(), id);
    const lesion = getLesion(db, id);
    recordChange(db, 'lesion', id, 'create', null, lesion, id);
    return lesion;
  });
}

const LESION_COLUMNS: Record<keyof LesionFields, string> = {
  site: 'site',
  couinaudSegment: 'couinaud_segment',
  nodeStation: 'node_station',
  recistRole: 'recist_role',
  lymphNode: 'lymph_node',
  lesionType: 'lesion_type',
  referenceStandard: 'reference_standard',
  notes: 'notes',
};

/** Fields whose change would change the RECIST assessment of every exam the lesion is on. */
const RECIST_FIELDS: readonly (keyof LesionFields)[] = ['site', 'recistRole', 'lymphNode', 'lesionType'];

export function updateLesion(db: Db, lesionId: number, patch: Partial<LesionFields>): Lesion {
  const f = validateLesionFields(patch);
  return transaction(db, () => {
    const before = getLesion(db, lesionId);
    const keys = Object.keys(f) as (keyof LesionFields)[];
    if (keys.length === 0) return before;
    const recistChanges = keys.filter((k) => RECIST_FIELDS.includes(k) && f[k] !== before[k]);
    if (recistChanges.length) assertLesionUnsigned(db, lesionId, `change ${recistChanges.join(', ')} of lesion ${before.label}`);
    const sets = keys.map((k) => `${LESION_COLUMNS[k]} = ?`).join(', ');
    const values = keys.map((k) => (k === 'lymphNode' ? (f.lymphNode ? 1 : 0) : (f[k] as string | null)));
    db.prepare(`UPDATE lesions SET ${sets} WHERE id = ?`).run(...values, lesionId);
    const after = getLesion(db, lesionId);
    recordChange(db, 'lesion', lesionId, 'update', before, after, lesionId);
    return after;
  });
}

export function deleteLesion(db: Db, lesionId: number): void {
  transaction(db, () => {
    const before = getLesion(db, lesionId);
    assertLesionUnsigned(db, lesionId, `delete lesion ${before.label}`);
    db.prepare('UPDATE lesions SET deleted_at = ? WHERE id = ?').run(now(), lesionId);
    recordChange(db, 'lesion', lesionId, 'delete', before, null, lesionId);
  });
}

export function restoreLesion(db: Db, lesionId: number): Lesion {
  return transaction(db, () => {
    const deleted = getLesion(db, lesionId, true);
    assertLesionUnsigned(db, lesionId, `restore lesion ${deleted.label}`);
    db.prepare('UPDATE lesions SET deleted_at = NULL WHERE id = ?').run(lesionId);
    const after = getLesion(db, lesionId);
    recordChange(db, 'lesion', lesionId, 'restore', null, after, lesionId);
    return after;
  });
}

interface MeasurementRow {
  id: number;
  lesion_id: number;
  series_id: number;
  kind: string;
  points_json: string;
  slice_index: number | null;
  long_axis_mm: number | null;
  short_axis_mm: number | null;
  area_mm2: number | null;
  hu_mean: number | null;
  hu_sd: number | null;
  hu_min: number | null;
  hu_max: number | null;
  hu_count?: number | null;
  source: string;
  created_at: string;
  updated_at: string;
}

function toMeasurement(r: MeasurementRow): Measurement {
  return {
    id: r.id,
    lesionId: r.lesion_id,
    seriesId: r.series_id,
    kind: r.kind as MeasurementKind,
    pointsLps: JSON.parse(r.points_json) as Vec3[],
    sliceIndex: r.slice_index,
    longAxisMm: r.long_axis_mm,
    shortAxisMm: r.short_axis_mm,
    areaMm2: r.area_mm2,
    hu: r.hu_mean === null ? null : { meanHu: r.hu_mean, sdHu: r.hu_sd!, minHu: r.hu_min!, maxHu: r.hu_max!, voxelCount: 0 },
    source: r.source as Measurement['source'],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function getMeasurement(db: Db, id: number, includeDeleted = false): Measurement {
  const r = db.prepare(`SELECT * FROM measurements WHERE id = ?${includeDeleted ? '' : ' AND deleted_at IS NULL'}`).get(id) as MeasurementRow | undefined;
  if (!r) throw new LesionNotFoundError(`measurement ${id} does not exist`);
  return toMeasurement(r);
}

/** `deleted_at IS NULL AND lesion_id = ? …` for the filter's defined fields. */
export function liveRowsWhere(filter: { lesionId?: number; seriesId?: number }): { where: string; args: number[] } {
  const where = ['deleted_at IS NULL'];
  const args: number[] = [];
  if (filter.lesionId !== undefined) {
    where.push('lesion_id = ?');
    args.push(filter.lesionId);
  }
  if (filter.seriesId !== undefined) {
    where.push('series_id = ?');
    args.push(filter.seriesId);
  }
  return { where: where.join(' AND '), args };
}

export function listMeasurements(db: Db, filter: { lesionId?: number; seriesId?: number }): Measurement[] {
  const { where, args } = liveRowsWhere(filter);
  return (db.prepare(`SELECT * FROM measurements WHERE ${where} ORDER BY id`).all(...args) as MeasurementRow[]).map(toMeasurement);
}

function computeNumbers(kind: MeasurementKind, points: Vec3[], volume?: Parameters<typeof measurementNumbers>[2]): MeasurementNumbers {
  try {
    return measurementNumbers(kind, points, volume);
  } catch (err) {
    if (err instanceof MeasurementError) throw new LesionInputError(err.message);
    throw err;
  }
}

export interface NewMeasurement {
  lesionId: number;
  seriesId: number;
  kind: MeasurementKind;
  pointsLps: Vec3[];
  sliceIndex?: number | null;
  source?: Measurement['source'];
}

export function addMeasurement(db: Db, m: NewMeasurement, volume?: Parameters<typeof measurementNumbers>[2]): Measurement {
  if (!['length', 'bidirectional', 'ellipse', 'freehand'].includes(m.kind)) throw new LesionInputError(`unknown measurement kind "${String(m.kind)}"`);
  const n = computeNumbers(m.kind, m.pointsLps, volume);
  return transaction(db, () => {
    const lesion = getLesion(db, m.lesionId);
    const series = db
      .prepare('SELECT st.patient_id AS patientId FROM series se JOIN studies st ON st.id = se.study_id WHERE se.id = ?')
      .get(m.seriesId) as { patientId: number } | undefined;
    if (!series) throw new LesionNotFoundError(`series ${m.seriesId} does not exist`);
    if (series.patientId !== lesion.patientRowId) throw new LesionInputError(`series ${m.seriesId} belongs to another patient than lesion ${lesion.label}`);
    assertSeriesOpen(db, m.seriesId, `add a measurement to lesion ${lesion.label}`);
    const t = now();
    const id = Number(
      db
        .prepare(
          `INSERT INTO measurements (lesion_id, series_id, kind, points_json, slice_index, long_axis_mm, short_axis_mm, area_mm2, hu_mean, hu_sd, hu_min, hu_max, source, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(m.lesionId, m.seriesId, m.kind, JSON.stringify(m.pointsLps), m.sliceIndex ?? null, n.longAxisMm, n.shortAxisMm, n.areaMm2, n.hu?.meanHu ?? null, n.hu?.sdHu ?? null, n.hu?.minHu ?? null, n.hu?.maxHu ?? null, m.source ?? 'manual', t, t)
        .lastInsertRowid,
    );
    const created = getMeasurement(db, id);
    recordChange(db, 'measurement', id, 'create', null, created, created.lesionId);
    return created;
  });
}

/** Move a measurement's points (an edit); the numbers are recomputed. */
export function updateMeasurementPoints(db: Db, id: number, pointsLps: Vec3[], volume?: Parameters<typeof measurementNumbers>[2]): Measurement {
  return transaction(db, () => {
    const before = getMeasurement(db, id);
    assertSeriesOpen(db, before.seriesId, `edit measurement ${id}`);
    const n = computeNumbers(before.kind, pointsLps, volume);
    db.prepare(
      'UPDATE measurements SET points_json = ?, long_axis_mm = ?, short_axis_mm = ?, area_mm2 = ?, hu_mean = ?, hu_sd = ?, hu_min = ?, hu_max = ?, updated_at = ? WHERE id = ?',
    ).run(JSON.stringify(pointsLps), n.longAxisMm, n.shortAxisMm, n.areaMm2, n.hu?.meanHu ?? null, n.hu?.sdHu ?? null, n.hu?.minHu ?? null, n.hu?.maxHu ?? null, now(), id);
    const after = getMeasurement(db, id);
    recordChange(db, 'measurement', id, 'update', before, after, after.lesionId);
    return after;
  });
}

export function deleteMeasurement(db: Db, id: number): void {
  transaction(db, () => {
    const before = getMeasurement(db, id);
    assertSeriesOpen(db, before.seriesId, `delete measurement ${id}`);
    db.prepare('UPDATE measurements SET deleted_at = ? WHERE id = ?').run(now(), id);
    recordChange(db, 'measurement', id, 'delete', before, null, before.lesionId);
  });
}

/** Undo a deletion. */
export function restoreMeasurement(db: Db, id: number): Measurement {
  return transaction(db, () => {
    assertSeriesOpen(db, getMeasurement(db, id, true).seriesId, `restore measurement ${id}`);
    db.prepare('UPDATE measurements SET deleted_at = NULL WHERE id = ?').run(id);
    const after = getMeasurement(db, id);
    recordChange(db, 'measurement', id, 'restore', null, after, after.lesionId);
    return after;
  });
}

const EXAM_STATUSES: LesionExamStatus[] = ['measured', 'too-small', 'disappeared', 'not-evaluated', 'present', 'absent', 'unequivocal-progression', 'equivocal'];

/** A lesion's explicit status on an exam, if any. */
export function lesionAssessmentStatus(db: Db, lesionId: number, studyRowId: number): LesionExamStatus | null {
  const r = db.prepare('SELECT status FROM lesion_assessments WHERE lesion_id = ? AND study_id = ?').get(lesionId, studyRowId) as { status: LesionExamStatus } | undefined;
  return r?.status ?? null;
}

export function setLesionAssessment(db: Db, lesionId: number, studyRowId: number, status: LesionExamStatus | null): void {
  if (status !== null && !EXAM_STATUSES.includes(status)) throw new LesionInputError(`status must be one of ${EXAM_STATUSES.join(', ')}`);
  transaction(db, () => {
    const lesion = getLesion(db, lesionId);
    assertExamOpen(db, studyRowId, `set the status of lesion ${lesion.label}`);
    const before = db.prepare('SELECT status FROM lesion_assessments WHERE lesion_id = ? AND study_id = ?').get(lesionId, studyRowId) as { status: string } | undefined;
    if (status === null) db.prepare('DELETE FROM lesion_assessments WHERE lesion_id = ? AND study_id = ?').run(lesionId, studyRowId);
    else
      db.prepare('INSERT INTO lesion_assessments (lesion_id, study_id, status) VALUES (?, ?, ?) ON CONFLICT (lesion_id, study_id) DO UPDATE SET status = excluded.status').run(
        lesionId,
        studyRowId,
        status,
      );
    recordChange(
      db,
      'assessment',
      lesionId,
      before ? (status === null ? 'delete' : 'update') : 'create',
      before ? { studyRowId, status: before.status } : null,
      status === null ? null : { studyRowId, status },
      lesionId,
    );
  });
}

// ---- changes other domains ask for (follow-up linking) ----

/** The live measurements of a lesion on the given series. */
export function measurementIdsOn(db: Db, lesionId: number, seriesIds: readonly number[]): number[] {
  if (!seriesIds.length) return [];
  const rows = db.prepare(`SELECT id FROM measurements WHERE lesion_id = ? AND series_id IN (${seriesIds.map(() => '?').join(',')}) AND deleted_at IS NULL`).all(lesionId, ...seriesIds) as { id: number }[];
  return rows.map((r) => r.id);
}

/** Move measurements to another lesion of the patient (a follow-up finding continues a baseline identity, or that is undone). */
export function reassignMeasurements(db: Db, measurementIds: readonly number[], toLesionId: number): void {
  transaction(db, () => {
    const from = measurementIds.map((id) => getMeasurement(db, id, true).lesionId);
    const update = db.prepare('UPDATE measurements SET lesion_id = ? WHERE id = ?');
    for (const id of measurementIds) update.run(toLesionId, id);
    lesionsChanged(db, [...from, toLesionId]);
  });
}

/**
 * Carry a lesion's per-exam status on one exam over to another lesion, unless that lesion
 * has its own status there. Returns whether it moved.
 */
export function moveAssessment(db: Db, fromLesionId: number, toLesionId: number, studyRowId: number): boolean {
  return transaction(db, () => {
    const has = db.prepare('SELECT 1 FROM lesion_assessments WHERE lesion_id = ? AND study_id = ?');
    if (has.get(toLesionId, studyRowId) || !has.get(fromLesionId, studyRowId)) return false;
    db.prepare('UPDATE lesion_assessments SET lesion_id = ? WHERE lesion_id = ? AND study_id = ?').run(toLesionId, fromLesionId, studyRowId);
    lesionsChanged(db, [fromLesionId, toLesionId]);
    return true;
  });
}

/** Retire a lesion identity that another continues (soft, audited with why). */
export function retireLesion(db: Db, lesionId: number, why: Record<string, unknown>): void {
  transaction(db, () => {
    const before = getLesion(db, lesionId);
    db.prepare('UPDATE lesions SET deleted_at = ? WHERE id = ?').run(now(), lesionId);
    recordChange(db, 'lesion', lesionId, 'delete', before, { ...before, ...why }, lesionId);
  });
}

/** Whether any live measurement or mask still carries this lesion's identity. */
export function hasLiveFindings(db: Db, lesionId: number): boolean {
  const r = db
    .prepare('SELECT (SELECT COUNT(*) FROM measurements WHERE lesion_id = ? AND deleted_at IS NULL) + (SELECT COUNT(*) FROM segmentations WHERE lesion_id = ? AND deleted_at IS NULL) AS n')
    .get(lesionId, lesionId) as { n: number };
  return r.n > 0;
}

// ---- the measurement of record ----

/**
 * Choose the one measurement that counts for a lesion on an exam (null: back to the default, the
 * earliest diameter measurement). Only a live length or bidirectional measurement of that lesion
 * on a series of that exam qualifies. Audited with the reader.
 */
export function setMeasurementOfRecord(db: Db, lesionId: number, studyRowId: number, measurementId: number | null): void {
  transaction(db, () => {
    const lesion = getLesion(db, lesionId);
    assertExamOpen(db, studyRowId, `change the measurement of record of lesion ${lesion.label}`);
    const before = db.prepare('SELECT measurement_id AS m FROM measurements_of_record WHERE lesion_id = ? AND study_id = ?').get(lesionId, studyRowId) as { m: number } | undefined;
    if (measurementId === null) {
      db.prepare('DELETE FROM measurements_of_record WHERE lesion_id = ? AND study_id = ?').run(lesionId, studyRowId);
    } else {
      const m = getMeasurement(db, measurementId);
      const study = (db.prepare('SELECT study_id AS s FROM series WHERE id = ?').get(m.seriesId) as { s: number }).s;
      if (m.lesionId !== lesionId) throw new LesionInputError(`measurement ${measurementId} belongs to another lesion than ${lesion.label}`);
      if (study !== studyRowId) throw new LesionInputError(`measurement ${measurementId} is on another exam (study ${study}) than study ${studyRowId}`);
      if (m.kind !== 'length' && m.kind !== 'bidirectional') throw new LesionInputError(`measurement ${measurementId} is ${m.kind === 'ellipse' ? 'an' : 'a'} ${m.kind} ROI; only a length or bidirectional measurement gives RECIST diameters`);
      const reader = currentReader();
      db.prepare(
        `INSERT INTO measurements_of_record (lesion_id, study_id, measurement_id, chosen_at, reader_name, reader_id) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (lesion_id, study_id) DO UPDATE SET measurement_id = excluded.measurement_id, chosen_at = excluded.chosen_at, reader_name = excluded.reader_name, reader_id = excluded.reader_id`,
      ).run(lesionId, studyRowId, measurementId, now(), reader.name, reader.id ?? null);
    }
    recordChange(
      db,
      'measurement-of-record',
      lesionId,
      before ? (measurementId === null ? 'delete' : 'update') : 'create',
      before ? { studyRowId, measurementId: before.m } : null,
      measurementId === null ? null : { studyRowId, measurementId },
      lesionId,
    );
  });
}

// ---- the lesion's Tracking UID (DICOM SEG and SR) ----

/** A new UID under 2.25 (PS3.5 B.2) from 128 random bits. */
function newTrackingUid(): string {
  return uidFromHashHex(randomBytes(16).toString('hex'));
}

/**
 * The lesion's Tracking Unique Identifier: the same in every exam's SEG and SR (PS3.3 C.8.20.4).
 * A lesion written before Tracking UIDs were kept gets one now, once.
 */
export function trackingUidOf(db: Db, lesionId: number): string {
  return transaction(db, () => {
    const r = db.prepare('SELECT tracking_uid AS uid FROM lesions WHERE id = ?').get(lesionId) as { uid: string | null } | undefined;
    if (!r) throw new LesionNotFoundError(`lesion ${lesionId} does not exist`);
    if (r.uid) return r.uid;
    const uid = newTrackingUid();
    db.prepare('UPDATE lesions SET tracking_uid = ? WHERE id = ?').run(uid, lesionId);
    return uid;
  });
}

/** The live lesion of a patient with this Tracking UID (the identity another system followed), if any. */
export function lesionByTrackingUid(db: Db, patientRowId: number, trackingUid: string): Lesion | null {
  const r = db.prepare('SELECT * FROM lesions WHERE patient_id = ? AND tracking_uid = ? AND deleted_at IS NULL').get(patientRowId, trackingUid) as LesionRow | undefined;
  return r ? toLesion(r) : null;
}

/** Give a lesion the Tracking UID another system assigned it (an imported report), when no other lesion has it. */
export function adoptTrackingUid(db: Db, lesionId: number, trackingUid: string): void {
  transaction(db, () => {
    const other = db.prepare('SELECT id FROM lesions WHERE tracking_uid = ? AND id <> ?').get(trackingUid, lesionId) as { id: number } | undefined;
    if (other) throw new LesionInputError(`tracking UID ${trackingUid} already belongs to lesion ${other.id}`);
    db.prepare('UPDATE lesions SET tracking_uid = ? WHERE id = ?').run(trackingUid, lesionId);
  });
}

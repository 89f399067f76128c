/**
 * Registry reads and writes for patients / studies / series / instances.
 * Synchronous (better-sqlite3); callers wrap writes in one transaction.
 */
import { createHash } from 'node:crypto';
import { stackSlices, type StackResult } from '../../../core/dicom/geometry';
import { isVolumeImageSopClass } from '../../../core/dicom/sopClass';
import { uidFromHashHex } from '../../../core/dicom/uids';
import type { PatientSummary, SeriesSummary, StudySummary, VolumeGeometry } from '../../../core/api/types';
import type { Db } from '../registry/db';
import { changed } from '../registry/changes';
import type { DicomHeader, FramePlane } from '../dicom/header';

export interface InstanceRow {
  id: number;
  seriesId: number;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  instanceNumber: number | null;
  numberOfFrames: number;
  frames: FramePlane[];
  path: string;
  sha256: string;
}

export interface SeriesRow extends SeriesSummary {
  geometry: VolumeGeometry | null;
  gantryTiltDeg: number;
  windowCenter: number | null;
  windowWidth: number | null;
  frameOfReferenceUid: string;
  uidDerived: boolean;
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Identity of a patient: the Patient ID, or name + birth date when the ID is empty. */
export function patientKey(h: DicomHeader): string {
  if (h.patientId) return `id:${h.patientId}`;
  return `anon:${h.patientName}|${h.patientBirthDate ?? ''}`;
}

/** Study / series / SOP UIDs, derived deterministically when the file's are empty (see core/dicom/uids). */
export function effectiveUids(h: DicomHeader, sha256: string): { study: string; series: string; sop: string; derived: { study: boolean; series: boolean; sop: boolean } } {
  const study = h.studyInstanceUid || uidFromHashHex(sha(['study', patientKey(h), h.studyDate, h.studyTime, h.accessionNumber, h.studyId, h.studyDescription].join('|')));
  const orientation = h.frames[0]?.orientation.map((v) => v.toFixed(3)).join('\\') ?? '';
  const series =
    h.seriesInstanceUid ||
    uidFromHashHex(sha(['series', study, h.modality, h.seriesNumber, h.seriesDescription, h.frameOfReferenceUid, orientation, h.rows, h.columns].join('|')));
  const sop = h.sopInstanceUid || uidFromHashHex(sha256);
  return { study, series, sop, derived: { study: !h.studyInstanceUid, series: !h.seriesInstanceUid, sop: !h.sopInstanceUid } };
}

export function upsertPatient(db: Db, h: DicomHeader): number {
  const key = patientKey(h);
  const row = db.prepare('SELECT id FROM patients WHERE patient_key = ?').get(key) as { id: number } | undefined;
  if (row) return row.id;
  return Number(
    db
      .prepare('INSERT INTO patients (patient_key, patient_id, name, birth_date, sex) VALUES (?, ?, ?, ?, ?)')
      .run(key, h.patientId, h.patientName, h.patientBirthDate, h.patientSex).lastInsertRowid,
  );
}

export function upsertStudy(db: Db, patientRowId: number, uid: string, derived: boolean, h: DicomHeader): number {
  const row = db.prepare('SELECT id FROM studies WHERE study_uid = ?').get(uid) as { id: number } | undefined;
  if (row) return row.id;
  return Number(
    db
      .prepare(
        'INSERT INTO studies (patient_id, study_uid, uid_derived, study_date, study_time, description, accession_number, study_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(patientRowId, uid, derived ? 1 : 0, h.studyDate, h.studyTime, h.studyDescription, h.accessionNumber, h.studyId).lastInsertRowid,
  );
}

export function upsertSeries(db: Db, studyRowId: number, uid: string, derived: boolean, h: DicomHeader): number {
  const row = db.prepare('SELECT id FROM series WHERE series_uid = ?').get(uid) as { id: number } | undefined;
  if (row) return row.id;
  return Number(
    db
      .prepare(
        `INSERT INTO series (study_id, series_uid, uid_derived, modality, series_number, description, frame_of_reference_uid, rows, columns, window_center, window_width)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(studyRowId, uid, derived ? 1 : 0, h.modality, h.seriesNumber, h.seriesDescription, h.frameOfReferenceUid, h.rows, h.columns, h.windowCenter, h.windowWidth)
      .lastInsertRowid,
  );
}

/** The stored instance of a SOP Instance UID: its file (relative to the library home) and the file's SHA-256. */
export function findInstanceBySop(db: Db, sopUid: string): { id: number; sha256: string; seriesId: number; path: string } | undefined {
  return db.prepare('SELECT id, sha256, series_id AS seriesId, path FROM instances WHERE sop_instance_uid = ?').get(sopUid) as
    | { id: number; sha256: string; seriesId: number; path: string }
    | undefined;
}

export function insertInstance(
  db: Db,
  seriesRowId: number,
  sopUid: string,
  derived: boolean,
  h: DicomHeader,
  file: { relPath: string; sha256: string; sizeBytes: number },
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO instances (series_id, sop_instance_uid, uid_derived, sop_class_uid, transfer_syntax_uid, instance_number, number_of_frames, frames_json, path, sha256, size_bytes, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        seriesRowId,
        sopUid,
        derived ? 1 : 0,
        h.sopClassUid,
        h.transferSyntaxUid,
        h.instanceNumber,
        h.numberOfFrames,
        JSON.stringify(h.frames),
        file.relPath,
        file.sha256,
        file.sizeBytes,
        new Date().toISOString(),
      ).lastInsertRowid,
  );
}

interface RawInstance {
  id: number;
  series_id: number;
  sop_instance_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  instance_number: number | null;
  number_of_frames: number;
  frames_json: string;
  path: string;
  sha256: string;
}

export function listInstances(db: Db, seriesRowId: number): InstanceRow[] {
  const rows = db.prepare('SELECT * FROM instances WHERE series_id = ? ORDER BY instance_number, id').all(seriesRowId) as RawInstance[];
  return rows.map((r) => ({
    id: r.id,
    seriesId: r.series_id,
    sopInstanceUid: r.sop_instance_uid,
    sopClassUid: r.sop_class_uid,
    transferSyntaxUid: r.transfer_syntax_uid,
    instanceNumber: r.instance_number,
    numberOfFrames: r.number_of_frames,
    frames: JSON.parse(r.frames_json) as FramePlane[],
    path: r.path,
    sha256: r.sha256,
  }));
}

/** One slice of a series volume: which file and frame it comes from. */
export interface SliceSource {
  instanceId: number;
  path: string;
  frameIndex: number;
  plane: FramePlane;
}

/** Stack every frame of the series' instances into one volume (null when no frame has a plane). */
export function stackSeries(instances: InstanceRow[]): StackResult<SliceSource> | null {
  const sources: SliceSource[] = [];
  for (const inst of instances) {
    if (!isVolumeImageSopClass(inst.sopClassUid)) continue;
    inst.frames.forEach((plane, frameIndex) => sources.push({ instanceId: inst.id, path: inst.path, frameIndex, plane }));
  }
  if (sources.length === 0) return null;
  return stackSlices(sources, (s) => s.plane);
}

/** Recompute a series' geometry, slice count and warnings from all its instances. */
export function refreshSeriesGeometry(db: Db, seriesRowId: number, extraWarnings: string[]): void {
  const instances = listInstances(db, seriesRowId);
  const stack = stackSeries(instances);
  const prior = db.prepare('SELECT warnings_json FROM series WHERE id = ?').get(seriesRowId) as { warnings_json: string };
  // Keep warnings about identity (derived UIDs); geometry warnings are recomputed.
  const kept = (JSON.parse(prior.warnings_json) as string[]).filter((w) => w.startsWith('UID:'));
  const warnings = [...new Set([...kept, ...extraWarnings.filter((w) => w.startsWith('UID:')), ...(stack?.warnings ?? [])])];
  db.prepare('UPDATE series SET geometry_json = ?, slice_count = ?, gantry_tilt_deg = ?, warnings_json = ? WHERE id = ?').run(
    stack ? JSON.stringify(stack.geometry) : null,
    stack ? stack.ordered.length : 0,
    stack?.gantryTiltDeg ?? 0,
    JSON.stringify(warnings),
    seriesRowId,
  );
}

export function listPatients(db: Db): PatientSummary[] {
  return db
    .prepare(
      `SELECT p.id, p.patient_id AS patientId, p.name, p.birth_date AS birthDate, p.sex, COUNT(s.id) AS studyCount
       FROM patients p LEFT JOIN studies s ON s.patient_id = p.id GROUP BY p.id ORDER BY p.name, p.patient_id`,
    )
    .all() as PatientSummary[];
}

export function listStudies(db: Db, patientRowId: number): StudySummary[] {
  const rows = db
    .prepare(
      `SELECT st.id, st.patient_id AS patientRowId, st.study_uid AS studyInstanceUid, st.study_date AS date, st.study_time AS time,
              st.description, st.accession_number AS accessionNumber,
              COUNT(se.id) AS seriesCount, GROUP_CONCAT(DISTINCT se.modality) AS modalities
       FROM studies st LEFT JOIN series se ON se.study_id = st.id
       WHERE st.patient_id = ? GROUP BY st.id ORDER BY st.study_date, st.study_time, st.id`,
    )
    .all(patientRowId) as (Omit<StudySummary, 'modalities'> & { modalities: string | null })[];
  return rows.map((r) => ({ ...r, modalities: r.modalities ? r.modalities.split(',').filter(Boolean) : [] }));
}

interface RawSeries {
  id: number;
  study_id: number;
  series_uid: string;
  uid_derived: number;
  modality: string;
  series_number: number | null;
  description: string;
  frame_of_reference_uid: string;
  rows: number;
  columns: number;
  slice_count: number;
  geometry_json: string | null;
  gantry_tilt_deg: number;
  warnings_json: string;
  window_center: number | null;
  window_width: number | null;
  instance_count: number;
}

function toSeriesRow(r: RawSeries): SeriesRow {
  return {
    id: r.id,
    studyRowId: r.study_id,
    seriesInstanceUid: r.series_uid,
    modality: r.modality,
    seriesNumber: r.series_number,
    description: r.description,
    sliceCount: r.slice_count,
    instanceCount: r.instance_count,
    rows: r.rows,
    columns: r.columns,
    warnings: JSON.parse(r.warnings_json) as string[],
    geometry: r.geometry_json ? (JSON.parse(r.geometry_json) as VolumeGeometry) : null,
    gantryTiltDeg: r.gantry_tilt_deg,
    windowCenter: r.window_center,
    windowWidth: r.window_width,
    frameOfReferenceUid: r.frame_of_reference_uid,
    uidDerived: r.uid_derived === 1,
  };
}

const SERIES_SELECT = `SELECT se.*, (SELECT COUNT(*) FROM instances i WHERE i.series_id = se.id) AS instance_count FROM series se`;

export function listSeries(db: Db, studyRowId: number): SeriesSummary[] {
  const rows = db.prepare(`${SERIES_SELECT} WHERE se.study_id = ? ORDER BY se.series_number, se.id`).all(studyRowId) as RawSeries[];
  return rows.map((r) => {
    const { geometry: _g, gantryTiltDeg: _t, windowCenter: _c, windowWidth: _w, frameOfReferenceUid: _f, uidDerived: _u, ...summary } = toSeriesRow(r);
    return summary;
  });
}

export function getSeriesRow(db: Db, seriesRowId: number): SeriesRow | undefined {
  const r = db.prepare(`${SERIES_SELECT} WHERE se.id = ?`).get(seriesRowId) as RawSeries | undefined;
  return r ? toSeriesRow(r) : undefined;
}

export function getStudyAndPatient(
  db: Db,
  studyRowId: number,
): { study: { studyInstanceUid: string; date: string | null; description: string; accessionNumber: string }; patient: { patientId: string; name: string; birthDate: string | null; sex: string | null } } {
  const r = db
    .prepare(
      `SELECT st.study_uid, st.study_date, st.description, st.accession_number, p.patient_id, p.name, p.birth_date, p.sex
       FROM studies st JOIN patients p ON p.id = st.patient_id WHERE st.id = ?`,
    )
    .get(studyRowId) as Record<string, string | null>;
  return {
    study: { studyInstanceUid: r.study_uid ?? '', date: r.study_date, description: r.description ?? '', accessionNumber: r.accession_number ?? '' },
    patient: { patientId: r.patient_id ?? '', name: r.name ?? '', birthDate: r.birth_date, sex: r.sex },
  };
}

/** The patient row of a study, or null when the study is not in the library. */
export function studyPatientId(db: Db, studyRowId: number): number | null {
  const r = db.prepare('SELECT patient_id AS p FROM studies WHERE id = ?').get(studyRowId) as { p: number } | undefined;
  return r?.p ?? null;
}

/** The patient row of a series, or null when the series is not in the library. */
export function seriesPatientId(db: Db, seriesRowId: number): number | null {
  const r = db.prepare('SELECT st.patient_id AS p FROM series se JOIN studies st ON st.id = se.study_id WHERE se.id = ?').get(seriesRowId) as { p: number } | undefined;
  return r?.p ?? null;
}

export function seriesIdsOfStudy(db: Db, studyRowId: number): number[] {
  return (db.prepare('SELECT id FROM series WHERE study_id = ?').all(studyRowId) as { id: number }[]).map((r) => r.id);
}

/** The image series a study is read on: the CT (else any) volume with the most slices. */
export function primaryImageSeries(db: Db, studyRowId: number): number | null {
  const r = db
    .prepare(
      `SELECT id FROM series WHERE study_id = ? AND geometry_json IS NOT NULL
       ORDER BY (modality = 'CT') DESC, slice_count DESC, id LIMIT 1`,
    )
    .get(studyRowId) as { id: number } | undefined;
  return r?.id ?? null;
}

/** Announce (after commit) that these series' patients have new studies, series or instances. */
export function libraryChanged(db: Db, seriesRowIds: readonly number[]): void {
  if (!seriesRowIds.length) return;
  const patients = new Set(seriesRowIds.map((id) => seriesPatientId(db, id)).filter((p): p is number => p !== null));
  changed(db, 'onLibraryChanged', { patientRowIds: [...patients].sort((a, b) => a - b) });
}

/** The distinct transfer syntaxes of a series' instances. */
export function transferSyntaxesOf(db: Db, seriesRowId: number): string[] {
  return (db.prepare('SELECT DISTINCT transfer_syntax_uid AS uid FROM instances WHERE series_id = ?').all(seriesRowId) as { uid: string }[]).map((r) => r.uid);
}

/**
 * Registrations in the registry (table `registrations`, migration 0040): the transform from a
 * fixed (baseline) series to a moving (follow-up) series of the same patient. Saving a new one
 * for a pair supersedes the current one in the same transaction; superseded rows are kept.
 */
import { isMat4, type Mat4 } from '../../../core/registration/affine';
import type { LandmarkPair } from '../../../core/registration/registrationError';
import type { Db } from '../registry/db';
import { changed, transaction } from '../registry/changes';
import { ApiError } from '../../../core/api/errors';

export const REGISTRATION_METHODS = ['elastix-rigid', 'elastix-affine', 'elastix-bspline', 'landmarks', 'identity'] as const;
export type RegistrationMethod = (typeof REGISTRATION_METHODS)[number];

export interface RegistrationRecord {
  id: number;
  patientRowId: number;
  fixedSeriesId: number;
  movingSeriesId: number;
  method: RegistrationMethod;
  /** Fixed LPS mm → moving LPS mm, row-major 4×4. */
  matrix4x4: Mat4;
  /** What was run (JSON as saved). */
  parameters: Record<string, unknown>;
  landmarks: LandmarkPair[] | null;
  metric: number | null;
  durationMs: number | null;
  status: 'current' | 'superseded';
  createdAt: string;
  supersededAt: string | null;
}

export interface NewRegistration {
  fixedSeriesId: number;
  movingSeriesId: number;
  method: RegistrationMethod;
  matrix4x4: Mat4;
  parameters?: Record<string, unknown>;
  landmarks?: LandmarkPair[] | null;
  metric?: number | null;
  durationMs?: number | null;
  /** ISO time; default now. */
  createdAt?: string;
}

export class RegistrationInputError extends ApiError {
  constructor(message: string) {
    super('invalid', message);
  }
}
export class RegistrationNotFoundError extends ApiError {
  constructor(message: string) {
    super('not-found', message);
  }
}

interface Row {
  id: number;
  patient_id: number;
  fixed_series_id: number;
  moving_series_id: number;
  method: string;
  matrix_json: string;
  parameters_json: string;
  landmarks_json: string | null;
  metric: number | null;
  duration_ms: number | null;
  status: string;
  created_at: string;
  superseded_at: string | null;
}

function toRecord(r: Row): RegistrationRecord {
  return {
    id: r.id,
    patientRowId: r.patient_id,
    fixedSeriesId: r.fixed_series_id,
    movingSeriesId: r.moving_series_id,
    method: r.method as RegistrationMethod,
    matrix4x4: JSON.parse(r.matrix_json) as Mat4,
    parameters: JSON.parse(r.parameters_json) as Record<string, unknown>,
    landmarks: r.landmarks_json === null ? null : (JSON.parse(r.landmarks_json) as LandmarkPair[]),
    metric: r.metric,
    durationMs: r.duration_ms,
    status: r.status as RegistrationRecord['status'],
    createdAt: r.created_at,
    supersededAt: r.superseded_at,
  };
}

function isVec3(v: unknown): boolean {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function seriesPatient(db: Db, seriesId: number, role: string): number {
  const row = db.prepare('SELECT st.patient_id AS patientId FROM series s JOIN studies st ON st.id = s.study_id WHERE s.id = ?').get(seriesId) as
    | { patientId: number }
    | undefined;
  if (!row) throw new RegistrationNotFoundError(`the ${role} series ${seriesId} does not exist`);
  return row.patientId;
}

function validate(db: Db, r: NewRegistration): number {
  if (!(REGISTRATION_METHODS as readonly string[]).includes(r.method)) {
    throw new RegistrationInputError(`method must be one of ${REGISTRATION_METHODS.join(', ')}; got ${JSON.stringify(r.method)}`);
  }
  if (!isMat4(r.matrix4x4)) throw new RegistrationInputError('matrix4x4 must be a 4×4 array of finite numbers with the last row [0, 0, 0, 1]');
  if (r.fixedSeriesId === r.movingSeriesId) throw new RegistrationInputError(`a series cannot be registered to itself (series ${r.fixedSeriesId})`);
  const patient = seriesPatient(db, r.fixedSeriesId, 'fixed');
  const movingPatient = seriesPatient(db, r.movingSeriesId, 'moving');
  if (patient !== movingPatient) {
    throw new RegistrationInputError(`series ${r.fixedSeriesId} and ${r.movingSeriesId} belong to different patients: only exams of one patient are registered`);
  }
  if (r.landmarks != null) {
    if (!Array.isArray(r.landmarks) || !r.landmarks.every((p) => p && isVec3(p.fixedMm) && isVec3(p.movingMm))) {
      throw new RegistrationInputError('landmarks must be a list of { fixedMm: [x, y, z], movingMm: [x, y, z] } in LPS mm');
    }
  }
  if (r.method === 'landmarks' && !(r.landmarks && r.landmarks.length >= 3)) throw new RegistrationInputError('a landmark registration needs its landmark pairs (at least 3)');
  for (const [name, v] of [['metric', r.metric], ['durationMs', r.durationMs]] as const) {
    if (v != null && !Number.isFinite(v)) throw new RegistrationInputError(`${name} must be a finite number or null`);
  }
  return patient;
}

/** Save a registration as the current one for its pair; the previous current one is superseded. */
export function saveRegistration(db: Db, r: NewRegistration): RegistrationRecord {
  return transaction(db, () => {
    const patient = validate(db, r);
    const at = r.createdAt ?? new Date().toISOString();
    db.prepare("UPDATE registrations SET status = 'superseded', superseded_at = ? WHERE fixed_series_id = ? AND moving_series_id = ? AND status = 'current'").run(
      at,
      r.fixedSeriesId,
      r.movingSeriesId,
    );
    const info = db
      .prepare(
        `INSERT INTO registrations (patient_id, fixed_series_id, moving_series_id, method, matrix_json, parameters_json, landmarks_json, metric, duration_ms, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'current', ?)`,
      )
      .run(
        patient,
        r.fixedSeriesId,
        r.movingSeriesId,
        r.method,
        JSON.stringify(r.matrix4x4),
        JSON.stringify(r.parameters ?? {}),
        r.landmarks == null ? null : JSON.stringify(r.landmarks),
        r.metric ?? null,
        r.durationMs ?? null,
        at,
      );
    changed(db, 'onFollowUpChanged', { patientRowId: patient });
    return getRegistration(db, Number(info.lastInsertRowid));
  });
}

export function getRegistration(db: Db, id: number): RegistrationRecord {
  const row = db.prepare('SELECT * FROM registrations WHERE id = ?').get(id) as Row | undefined;
  if (!row) throw new RegistrationNotFoundError(`registration ${id} does not exist`);
  return toRecord(row);
}

/** The current transform fixed → moving, or null when the pair was never registered. */
export function currentRegistration(db: Db, fixedSeriesId: number, movingSeriesId: number): RegistrationRecord | null {
  const row = db
    .prepare("SELECT * FROM registrations WHERE fixed_series_id = ? AND moving_series_id = ? AND status = 'current'")
    .get(fixedSeriesId, movingSeriesId) as Row | undefined;
  return row ? toRecord(row) : null;
}

/** A patient's registrations, oldest first; superseded ones too unless `currentOnly`. */
export function listRegistrations(db: Db, patientRowId: number, opts: { currentOnly?: boolean } = {}): RegistrationRecord[] {
  const rows = db
    .prepare(`SELECT * FROM registrations WHERE patient_id = ? ${opts.currentOnly ? "AND status = 'current'" : ''} ORDER BY created_at, id`)
    .all(patientRowId) as Row[];
  return rows.map(toRecord);
}

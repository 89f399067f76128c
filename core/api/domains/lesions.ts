/** Lesions: stable identities per patient, measurements, per-exam status, audit trail, the lesion table. */
import type { AuditEntry, Lesion, LesionExamStatus, LesionFields, LesionTable, Measurement, MeasurementKind, Vec3 } from '../types';
import type { EventTable, MethodTable } from './spec';

export interface NewMeasurementInput {
  lesionId: number;
  seriesId: number;
  kind: MeasurementKind;
  /** Patient LPS mm. */
  pointsLps: Vec3[];
  /** The slice of the series the tool was drawn on. */
  sliceIndex?: number | null;
}

export interface LesionsApi {
  listLesions(patientRowId: number): Promise<Lesion[]>;
  createLesion(patientRowId: number, fields: Partial<LesionFields>): Promise<Lesion>;
  updateLesion(lesionId: number, patch: Partial<LesionFields>): Promise<Lesion>;
  deleteLesion(lesionId: number): Promise<void>;
  restoreLesion(lesionId: number): Promise<Lesion>;
  listMeasurements(filter: { lesionId?: number; seriesId?: number }): Promise<Measurement[]>;
  addMeasurement(m: NewMeasurementInput): Promise<Measurement>;
  updateMeasurement(measurementId: number, pointsLps: Vec3[]): Promise<Measurement>;
  deleteMeasurement(measurementId: number): Promise<void>;
  /** Undo a deletion. */
  restoreMeasurement(measurementId: number): Promise<Measurement>;
  setLesionAssessment(lesionId: number, studyRowId: number, status: LesionExamStatus | null): Promise<void>;
  getAuditTrail(entity: AuditEntry['entity'], entityId: number): Promise<AuditEntry[]>;
  /** A lesion's whole history: its edits, statuses, measurements and masks, deleted ones included. */
  getLesionHistory(lesionId: number): Promise<AuditEntry[]>;
  /** Lesions × exams with diameters, volumes, RECIST 1.1 per exam (with explanations) and volumetry. */
  getLesionTable(patientRowId: number): Promise<LesionTable>;
}

export const LESIONS_METHODS = {
  listLesions: {},
  createLesion: {},
  updateLesion: {},
  deleteLesion: {},
  restoreLesion: {},
  listMeasurements: {},
  addMeasurement: {},
  updateMeasurement: {},
  deleteMeasurement: {},
  restoreMeasurement: {},
  setLesionAssessment: {},
  getAuditTrail: {},
  getLesionHistory: {},
  getLesionTable: {},
} as const satisfies MethodTable<LesionsApi>;

export interface LesionsEvents {
  /** After a committed change to a patient's lesions, measurements or per-exam statuses. */
  onLesionsChanged: { patientRowId: number };
}

export const LESIONS_EVENTS = { onLesionsChanged: true } as const satisfies EventTable<LesionsEvents>;

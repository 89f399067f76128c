/** Lesions: stable identities per patient, measurements, per-exam status, audit trail, the lesion table. */
import type { AuditEntry, ExamSignoff, Lesion, LesionExamStatus, LesionFields, LesionTable, Measurement, MeasurementKind, Vec3 } from '../types';
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
  /**
   * Choose the measurement of record of a lesion on an exam (null: back to the default, the
   * earliest diameter measurement). Exactly one measurement counts per lesion and exam.
   */
  setMeasurementOfRecord(input: { lesionId: number; studyRowId: number; measurementId: number | null }): Promise<void>;
  /**
   * Sign an exam's assessment as the reader of the call; refused while the exam has review items
   * pending or its assessment is not valid RECIST. A signed exam is locked until reopened.
   */
  signOffExam(input: { studyRowId: number }): Promise<ExamSignoff>;
  /** Reopen a signed exam (explicit, with a reason; audited). */
  reopenExam(input: { studyRowId: number; reason: string }): Promise<ExamSignoff>;
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
  setMeasurementOfRecord: {},
  signOffExam: {},
  reopenExam: {},
} as const satisfies MethodTable<LesionsApi>;

export interface LesionsEvents {
  /** After a committed change to a patient's lesions, measurements, per-exam statuses, measurements of record or sign-offs. */
  onLesionsChanged: { patientRowId: number };
}

export const LESIONS_EVENTS = { onLesionsChanged: true } as const satisfies EventTable<LesionsEvents>;

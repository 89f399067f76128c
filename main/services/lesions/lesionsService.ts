/**
 * The lesions domain: lesion identities per patient, measurements on series, per-exam
 * status, the audit trail and the lesion table with RECIST 1.1 and volumetry. Writes go
 * through lesionStore.ts, the only writer of `lesions`, `measurements` and
 * `lesion_assessments`.
 */
import type { LesionsApi, NewMeasurementInput } from '../../../core/api/contract';
import { requireInt } from '../../../core/api/errors';
import type { AuditEntry, ExamSignoff, LesionExamStatus, LesionFields, LesionTable, Vec3 } from '../../../core/api/types';
import { conflict, invalid, notFound } from '../../../core/api/errors';
import { listFindings, listLinks } from '../followup/followUpStore';
import { studyPatientId } from '../library/catalog';
import { reopenExam, signExam } from './signoffStore';
import { auditTrail, lesionHistory } from '../audit/auditLog';
import { recordReaderFindings } from '../inference/aiService';
import type { Db } from '../registry/db';
import type { VolumeAccess } from '../volumes/volumeAccess';
import { assessLesionTable } from '../../../core/recist/lesionAssessment';
import * as lesions from './lesionStore';
import { lesionTableData } from './lesionTable';

export interface LesionsDeps {
  db: Db;
  volumes: VolumeAccess;
}

export class LesionsService implements LesionsApi {
  constructor(private readonly deps: LesionsDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  async listLesions(patientRowId: number) {
    return lesions.listLesions(this.db, requireInt(patientRowId, 'patient id'));
  }

  async createLesion(patientRowId: number, fields: Partial<LesionFields>) {
    return lesions.createLesion(this.db, requireInt(patientRowId, 'patient id'), fields ?? {});
  }

  async updateLesion(lesionId: number, patch: Partial<LesionFields>) {
    return lesions.updateLesion(this.db, requireInt(lesionId, 'lesion id'), patch ?? {});
  }

  async deleteLesion(lesionId: number) {
    lesions.deleteLesion(this.db, requireInt(lesionId, 'lesion id'));
  }

  async restoreLesion(lesionId: number) {
    return lesions.restoreLesion(this.db, requireInt(lesionId, 'lesion id'));
  }

  async listMeasurements(filter: { lesionId?: number; seriesId?: number }) {
    return lesions.listMeasurements(this.db, filter ?? {});
  }

  /** ROI statistics need the decoded volume of the series the tool was drawn on. */
  private async volumeForRoi(seriesId: number, kind: string) {
    if (kind !== 'ellipse' && kind !== 'freehand') return undefined;
    const { voxels, geometry } = await this.deps.volumes.seriesVolume(seriesId);
    return { voxels, geometry };
  }

  async addMeasurement(m: NewMeasurementInput) {
    const seriesId = requireInt(m?.seriesId, 'series id');
    const created = lesions.addMeasurement(this.db, { ...m, seriesId, lesionId: requireInt(m.lesionId, 'lesion id') }, await this.volumeForRoi(seriesId, m.kind));
    // A lesion the reader measured by hand on a series a model ran on: a miss of the model unless it proposed it (monitoring, owned by the AI domain).
    recordReaderFindings(this.db, created);
    return created;
  }

  async updateMeasurement(measurementId: number, pointsLps: Vec3[]) {
    const current = lesions.getMeasurement(this.db, requireInt(measurementId, 'measurement id'));
    return lesions.updateMeasurementPoints(this.db, current.id, pointsLps, await this.volumeForRoi(current.seriesId, current.kind));
  }

  async deleteMeasurement(measurementId: number) {
    lesions.deleteMeasurement(this.db, requireInt(measurementId, 'measurement id'));
  }

  async restoreMeasurement(measurementId: number) {
    return lesions.restoreMeasurement(this.db, requireInt(measurementId, 'measurement id'));
  }

  async setLesionAssessment(lesionId: number, studyRowId: number, status: LesionExamStatus | null) {
    lesions.setLesionAssessment(this.db, requireInt(lesionId, 'lesion id'), requireInt(studyRowId, 'study id'), status);
  }

  async getAuditTrail(entity: AuditEntry['entity'], entityId: number) {
    return auditTrail(this.db, entity, requireInt(entityId, 'id'));
  }

  async getLesionHistory(lesionId: number) {
    return lesionHistory(this.db, requireInt(lesionId, 'lesion id'));
  }

  async getLesionTable(patientRowId: number): Promise<LesionTable> {
    const table = lesionTableData(this.db, requireInt(patientRowId, 'patient id'));
    return { table, assessment: assessLesionTable(table) };
  }

  async setMeasurementOfRecord(input: { lesionId: number; studyRowId: number; measurementId: number | null }) {
    const measurementId = input?.measurementId === null ? null : requireInt(input?.measurementId, 'measurement id');
    lesions.setMeasurementOfRecord(this.db, requireInt(input.lesionId, 'lesion id'), requireInt(input.studyRowId, 'study id'), measurementId);
  }

  async signOffExam(input: { studyRowId: number }): Promise<ExamSignoff> {
    const studyRowId = requireInt(input?.studyRowId, 'study id');
    const patientRowId = studyPatientId(this.db, studyRowId);
    if (patientRowId === null) throw notFound(`study ${studyRowId} is not in the library`);
    // The response is what the reader signs: nothing on the exam may still wait for review.
    const pending = [
      ...listLinks(this.db, { followUpStudyRowId: studyRowId, status: 'proposed' }).map((l) => `link-${l.id} (${l.kind} ${l.fromLabel} → ${l.toLabel})`),
      ...listFindings(this.db, { followUpStudyRowId: studyRowId, status: 'proposed' }).map((f) => `finding-${f.id} (${f.label} ${f.kind})`),
    ];
    if (pending.length) throw conflict(`cannot sign study ${studyRowId}: ${pending.length} review item(s) pending — ${pending.join(', ')}; decide them first`);
    const { table, assessment } = await this.getLesionTable(patientRowId);
    if (assessment.recistErrors.length) throw invalid(`cannot sign study ${studyRowId}: the assessment is not valid RECIST 1.1 — ${assessment.recistErrors.join('; ')}`);
    const i = assessment.recistStudyRowIds.indexOf(studyRowId);
    const tp = i >= 0 ? assessment.recist?.timepoints[i] : undefined;
    if (!tp) throw invalid(`cannot sign study ${studyRowId}: no lesion is assessed on it`);
    return signExam(this.db, studyRowId, {
      date: table.exams.find((e) => e.studyRowId === studyRowId)?.date ?? null,
      sumMm: tp.sumMm,
      targetResponse: tp.targetResponse,
      nonTargetResponse: tp.nonTargetResponse,
      overallResponse: tp.overallResponse,
      newLesionIds: tp.newLesionIds,
      explanation: tp.explanation,
    });
  }

  async reopenExam(input: { studyRowId: number; reason: string }): Promise<ExamSignoff> {
    return reopenExam(this.db, requireInt(input?.studyRowId, 'study id'), input.reason);
  }
}

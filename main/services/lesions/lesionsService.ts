/**
 * The lesions domain: lesion identities per patient, measurements on series, per-exam
 * status, the audit trail and the lesion table with RECIST 1.1 and volumetry. Writes go
 * through lesionStore.ts, the only writer of `lesions`, `measurements` and
 * `lesion_assessments`.
 */
import type { LesionsApi, NewMeasurementInput } from '../../../core/api/contract';
import { requireInt } from '../../../core/api/errors';
import type { AuditEntry, LesionExamStatus, LesionFields, LesionTable, Vec3 } from '../../../core/api/types';
import { auditTrail, lesionHistory } from '../audit/auditLog';
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
    return lesions.addMeasurement(this.db, { ...m, seriesId, lesionId: requireInt(m.lesionId, 'lesion id') }, await this.volumeForRoi(seriesId, m.kind));
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
}

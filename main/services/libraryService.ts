/**
 * The main-process implementation of the API contract. Both shells (Electron IPC and
 * the HTTP server) expose this one object; neither adds logic of its own.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, promises as fsp, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { LongitudeApi, LongitudeEvents, EventName, NewMeasurementInput } from '../../core/api/contract';
import type { AppInfo, AuditEntry, HuStats, ImportReport, LesionExamStatus, LesionFields, LesionTable, SeriesDetail, Vec3, VolumeInfo } from '../../core/api/types';
import * as lesions from './lesions/lesionStore';
import * as segs from './lesions/segmentationStore';
import { decodeMaskRle, encodeMaskRle, type MaskRle } from '../../core/api/maskRle';
import { autoBidirectional } from '../../core/segmentation';
import { parseSeg, segMasksOnGrid, SEGMENTATION_STORAGE } from './dicom/seg/index';
import { assessLesionTable } from './lesions/lesionAssessment';
import { lesionTableData } from './lesions/lesionTable';
import { huStats } from '../../core/volume/stats';
import { transferSyntaxName } from './dicom/decode/index';
import { openRegistry, type Db } from './registry/db';
import { WorkerPool } from './workers/pool';
import { getSeriesRow, getStudyAndPatient, listInstances, listPatients, listSeries, listStudies, stackSeries, type SeriesRow } from './library/catalog';
import { importPaths } from './library/importer';
import { sweepStaleTemporaries } from './library/storeFile';
import { encodeGrayPng, thumbnailFromSlice } from './library/png';
import { VolumeLoader, type LoadedVolume } from './library/volumeLoader';
import { AiService } from './inference/aiService';
import { InferenceHost } from './inference/inferenceHost';
import { defaultAppModelsDir, ModelStore } from './inference/modelStore';
import { ValidationService } from './inference/validation';
import { FollowUpService } from './followup/followUpService';
import { listRegistrations } from './registration/registrationStore';
import type { AcceptProposalInput, RunModelInput, ValidateModelInput } from '../../core/api/types';

export class NotFoundError extends Error {
  readonly status = 404;
}
export class BadRequestError extends Error {
  readonly status = 400;
}

export interface LibraryServiceOptions {
  homeDir: string;
  mode: AppInfo['mode'];
  version?: string;
  /** Electron supplies the native dialog; serve mode has none. */
  pickImportPaths?: () => Promise<string[]>;
  workers?: number;
  /** The app's own models (default: resources/models); the user's are in <home>/models. */
  appModelsDir?: string;
}

/** Chunks of this many slices travel between main and renderer. */
const CHUNK_SLICES = 8;

export class LibraryService implements LongitudeApi {
  readonly events = new EventEmitter();
  readonly db: Db;
  readonly homeDir: string;
  private readonly pool: WorkerPool;
  private readonly volumes: VolumeLoader;
  private importQueue: Promise<unknown> = Promise.resolve();
  readonly inference = new InferenceHost();
  readonly ai: AiService;
  readonly validation: ValidationService;
  readonly followUp: FollowUpService;

  constructor(private readonly opts: LibraryServiceOptions) {
    this.homeDir = resolve(opts.homeDir);
    mkdirSync(join(this.homeDir, 'library'), { recursive: true });
    sweepStaleTemporaries(this.homeDir);
    this.db = openRegistry(join(this.homeDir, 'registry.sqlite'));
    this.pool = new WorkerPool(opts.workers);
    this.volumes = new VolumeLoader(this.pool, this.homeDir, (seriesId, slicesDecoded, sliceCount) =>
      this.emit('onVolumeProgress', { seriesId, slicesDecoded, sliceCount }),
    );
    const models = new ModelStore(opts.appModelsDir ?? defaultAppModelsDir(), join(this.homeDir, 'models'), this.inference);
    this.ai = new AiService(this.db, this.homeDir, this.inference, models, (id) => this.seriesVolume(id), (e) => this.emit('onAiProgress', e));
    this.validation = new ValidationService({
      db: this.db,
      host: this.inference,
      models,
      enqueue: (job) => this.ai.enqueue(job),
      emit: (e) => this.emit('onValidationProgress', e),
    });
    this.followUp = new FollowUpService({ db: this.db, homeDir: this.homeDir, seriesVolume: (id) => this.seriesVolume(id), emit: (e) => this.emit('onRegistrationProgress', e) });
  }

  emit<E extends EventName>(name: E, payload: LongitudeEvents[E]): void {
    this.events.emit('event', name, payload);
  }

  /** Resolves when the worker threads are up. */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  async close(): Promise<void> {
    await this.importQueue.catch(() => undefined);
    await this.inference.close();
    await this.pool.close();
    this.db.close();
  }

  async listPatients() {
    return listPatients(this.db);
  }
  async listStudies(patientRowId: number) {
    return listStudies(this.db, requireInt(patientRowId, 'patient id'));
  }
  async listSeries(studyRowId: number) {
    return listSeries(this.db, requireInt(studyRowId, 'study id'));
  }

  private seriesRow(seriesId: number): SeriesRow {
    const row = getSeriesRow(this.db, requireInt(seriesId, 'series id'));
    if (!row) throw new NotFoundError(`series ${seriesId} is not in the library`);
    return row;
  }

  async getSeries(seriesId: number): Promise<SeriesDetail> {
    const row = this.seriesRow(seriesId);
    if (!row.geometry) throw new BadRequestError(`series ${seriesId} (${row.modality} "${row.description}") has no image volume`);
    const { study, patient } = getStudyAndPatient(this.db, row.studyRowId);
    const syntaxes = this.db.prepare('SELECT DISTINCT transfer_syntax_uid AS uid FROM instances WHERE series_id = ?').all(row.id) as { uid: string }[];
    const { uidDerived: _u, windowCenter, windowWidth, ...rest } = row;
    return {
      ...rest,
      geometry: row.geometry,
      patient,
      study,
      transferSyntaxes: syntaxes.map((s) => ({ uid: s.uid, name: transferSyntaxName(s.uid) })),
      defaultWindow: windowCenter !== null && windowWidth !== null && windowWidth > 0 ? { center: windowCenter, width: windowWidth } : null,
    };
  }

  importPaths(paths: string[]): Promise<ImportReport> {
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && p.length > 0)) {
      return Promise.reject(new BadRequestError('importPaths needs a list of file or folder paths'));
    }
    // Imports run one at a time so two batches never race on the same series.
    const run = this.importQueue.then(() =>
      importPaths(paths, { db: this.db, homeDir: this.homeDir, pool: this.pool, onProgress: (p) => this.emit('onImportProgress', p) }),
    );
    this.importQueue = run.catch(() => undefined);
    return run;
  }

  async pickImportPaths(): Promise<string[]> {
    if (!this.opts.pickImportPaths) throw new BadRequestError('the file dialog exists only in the desktop app; give a path or upload files instead');
    return this.opts.pickImportPaths();
  }

  private uploadDir(batchId: string): string {
    if (typeof batchId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(batchId)) throw new BadRequestError(`invalid upload batch id "${String(batchId)}"`);
    return join(this.homeDir, 'tmp', `upload-${batchId}`);
  }

  async uploadFile(batchId: string, relativePath: string, bytes: ArrayBuffer | Uint8Array): Promise<void> {
    const dir = this.uploadDir(batchId);
    if (typeof relativePath !== 'string' || relativePath.length === 0) throw new BadRequestError('upload needs a file name');
    const target = resolve(dir, relativePath.replace(/^[/\\]+/, ''));
    if (!target.startsWith(dir + sep)) throw new BadRequestError(`upload path "${relativePath}" points outside its batch`);
    mkdirSync(dirname(target), { recursive: true });
    await fsp.writeFile(target, bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  }

  async importUploaded(batchId: string): Promise<ImportReport> {
    const dir = this.uploadDir(batchId);
    if (!existsSync(dir)) throw new NotFoundError(`upload batch ${batchId} has no files`);
    try {
      const report = await this.importPaths([dir]);
      // Report names relative to the batch, as the user chose them.
      for (const f of report.files) if (f.file.startsWith(dir + sep)) f.file = f.file.slice(dir.length + 1);
      return report;
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }

  async getAppInfo(): Promise<AppInfo> {
    return { version: this.opts.version ?? '0.0.0', mode: this.opts.mode, homeDir: this.homeDir };
  }

  private loadVolume(seriesId: number): LoadedVolume {
    const cached = this.volumes.get(seriesId);
    if (cached) return cached;
    const row = this.seriesRow(seriesId);
    const stack = stackSeries(listInstances(this.db, row.id));
    if (!stack || !row.geometry) throw new BadRequestError(`series ${seriesId} (${row.modality} "${row.description}") has no image volume`);
    return this.volumes.open(row.id, stack.geometry, stack.ordered);
  }

  async openVolume(seriesId: number): Promise<VolumeInfo> {
    const vol = this.loadVolume(seriesId);
    return { seriesId: vol.seriesId, geometry: vol.geometry, chunkSlices: CHUNK_SLICES };
  }

  async getVolumeChunk(seriesId: number, firstSlice: number, sliceCount: number): Promise<ArrayBuffer> {
    const vol = this.loadVolume(seriesId);
    await this.volumes.waitForSlices(vol, firstSlice, sliceCount);
    const sliceLen = vol.geometry.dims[0] * vol.geometry.dims[1];
    const view = vol.voxels.subarray(firstSlice * sliceLen, (firstSlice + sliceCount) * sliceLen);
    return view.slice().buffer;
  }

  // ---- lesions ----
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
    const vol = this.loadVolume(seriesId);
    await vol.complete;
    return { voxels: vol.voxels, geometry: vol.geometry };
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
  async getLesionHistory(lesionId: number) {
    return lesions.lesionHistory(this.db, requireInt(lesionId, 'lesion id'));
  }
  async getAuditTrail(entity: AuditEntry['entity'], entityId: number) {
    return lesions.auditTrail(this.db, entity, requireInt(entityId, 'id'));
  }

  // ---- segmentations ----
  private async seriesVolume(seriesId: number) {
    const row = this.seriesRow(seriesId);
    const vol = this.loadVolume(row.id);
    await vol.complete;
    return { seriesId: row.id, seriesUid: row.seriesInstanceUid, geometry: vol.geometry, voxels: vol.voxels };
  }
  async listSegmentations(filter: { seriesId?: number; lesionId?: number }) {
    return segs.listSegmentations(this.db, filter ?? {});
  }
  async saveSegmentation(input: { seriesId: number; lesionId: number | null; structure: 'lesion' | 'liver'; mask: MaskRle }) {
    const v = await this.seriesVolume(requireInt(input?.seriesId, 'series id'));
    return segs.saveSegmentation(this.db, this.homeDir, { ...v, mask: decodeMaskRle(input.mask), lesionId: input.lesionId ?? null, structure: input.structure });
  }
  async updateSegmentation(segmentationId: number, mask: MaskRle) {
    const current = segs.getSegmentation(this.db, requireInt(segmentationId, 'segmentation id'));
    const v = await this.seriesVolume(current.seriesId);
    const decoded = decodeMaskRle(mask);
    const updated = await segs.updateSegmentationMask(this.db, this.homeDir, current.id, { ...v, mask: decoded });
    // An edited AI mask: log how far the radiologist moved from the model (monitoring).
    if (updated.source === 'ai') this.ai.segmentationEdited(updated.id, decoded);
    return updated;
  }
  async getSegmentationMask(segmentationId: number, which: 'current' | 'original' = 'current') {
    return encodeMaskRle(segs.readMask(this.db, this.homeDir, requireInt(segmentationId, 'segmentation id'), which));
  }
  async deleteSegmentation(segmentationId: number) {
    segs.deleteSegmentation(this.db, requireInt(segmentationId, 'segmentation id'));
  }
  async measureFromMask(segmentationId: number) {
    const seg = segs.getSegmentation(this.db, requireInt(segmentationId, 'segmentation id'));
    if (seg.lesionId === null) throw new BadRequestError(`segmentation ${seg.id} is not a lesion mask`);
    const { geometry } = await this.seriesVolume(seg.seriesId);
    const bi = autoBidirectional(segs.readMask(this.db, this.homeDir, seg.id), geometry);
    if (!bi) throw new BadRequestError(`segmentation ${seg.id} is empty: nothing to measure`);
    return lesions.addMeasurement(this.db, { lesionId: seg.lesionId, seriesId: seg.seriesId, kind: 'bidirectional', pointsLps: bi.pointsLps, sliceIndex: bi.sliceIndex, source: 'mask' });
  }
  async importSegSegment(input: { segSeriesId: number; segmentNumber: number; targetSeriesId: number; lesionId: number | null; structure: 'lesion' | 'liver' }) {
    const segSeries = this.seriesRow(requireInt(input?.segSeriesId, 'SEG series id'));
    const file = listInstances(this.db, segSeries.id).find((i) => i.sopClassUid === SEGMENTATION_STORAGE);
    if (!file) throw new BadRequestError(`series ${segSeries.id} holds no DICOM Segmentation`);
    const target = this.seriesRow(requireInt(input.targetSeriesId, 'target series id'));
    const v = await this.seriesVolume(target.id);
    const doc = parseSeg(readFileSync(join(this.homeDir, file.path)), file.path);
    const placed = segMasksOnGrid(doc, { geometry: v.geometry, frameOfReferenceUid: target.frameOfReferenceUid || undefined, seriesInstanceUid: target.seriesInstanceUid }, { segmentNumbers: [input.segmentNumber] });
    const segment = placed.segments[0];
    if (!segment) throw new NotFoundError(`segment ${input.segmentNumber} is not in series ${segSeries.id}`);
    return segs.saveSegmentation(this.db, this.homeDir, { ...v, mask: segment.mask, lesionId: input.lesionId ?? null, structure: input.structure, source: 'dicom-seg' });
  }

  async getLesionTable(patientRowId: number): Promise<LesionTable> {
    const table = lesionTableData(this.db, requireInt(patientRowId, 'patient id'));
    return { table, assessment: assessLesionTable(table) };
  }

  /** The decoded volume and its HU statistics (CLI `series`, tests, benchmarks). */
  async volumeStats(seriesId: number): Promise<{ volume: LoadedVolume; stats: HuStats }> {
    const vol = this.loadVolume(seriesId);
    await vol.complete;
    return { volume: vol, stats: huStats(vol.voxels) };
  }

  async getThumbnail(seriesId: number): Promise<ArrayBuffer> {
    const row = this.seriesRow(seriesId);
    const cacheFile = join(this.homeDir, 'cache', 'thumbnails', `${row.seriesInstanceUid}-${row.sliceCount}.png`);
    if (existsSync(cacheFile)) return toArrayBuffer(readFileSync(cacheFile));
    const stack = stackSeries(listInstances(this.db, row.id));
    if (!stack) throw new BadRequestError(`series ${seriesId} has no image to show`);
    const mid = stack.ordered[Math.floor(stack.ordered.length / 2)];
    const decoded = await this.pool.run('decodeInstanceFile', { path: join(this.homeDir, mid.path), label: mid.path }, { priority: true });
    const frame = decoded.frames[mid.frameIndex];
    const center = row.windowCenter ?? 40;
    const width = row.windowWidth && row.windowWidth > 0 ? row.windowWidth : 400;
    const t = thumbnailFromSlice(frame, decoded.columns, decoded.rows, center, width);
    const png = encodeGrayPng(t.pixels, t.width, t.height);
    mkdirSync(dirname(cacheFile), { recursive: true });
    await fsp.writeFile(cacheFile, png);
    return toArrayBuffer(png);
  }

  // ---- local AI ----
  async listModels() {
    return (await this.ai.models.list()).map((m) => m.info);
  }
  async addModel(folder: string) {
    if (typeof folder !== 'string' || !folder) throw new BadRequestError('addModel needs the path of a model folder');
    return this.ai.models.add(folder);
  }
  async runModel(input: RunModelInput) {
    if (!input || typeof input.modelId !== 'string') throw new BadRequestError('runModel needs { seriesId, modelId }');
    return this.ai.runModel({ ...input, seriesId: this.seriesRow(input.seriesId).id });
  }
  async cancelModelRun(runId: number) {
    return this.ai.cancelRun(requireInt(runId, 'run id'));
  }
  async getModelRun(runId: number) {
    return this.ai.getRun(requireInt(runId, 'run id'));
  }
  async listModelRuns(seriesId?: number) {
    return this.ai.listRuns(seriesId === undefined || seriesId === null ? undefined : requireInt(seriesId, 'series id'));
  }
  async listProposals(filter: { runId?: number; seriesId?: number }) {
    return this.ai.listProposals(filter ?? {});
  }
  async getProposalMask(proposalId: number) {
    return this.ai.getProposalMask(requireInt(proposalId, 'proposal id'));
  }
  async acceptProposal(proposalId: number, input?: AcceptProposalInput) {
    return this.ai.acceptProposal(requireInt(proposalId, 'proposal id'), input ?? {});
  }
  async rejectProposal(proposalId: number) {
    return this.ai.rejectProposal(requireInt(proposalId, 'proposal id'));
  }
  async listAgreement(filter?: { modelId?: string }) {
    return this.ai.listAgreement(filter ?? {});
  }
  async validateModel(input: ValidateModelInput) {
    if (!input || typeof input.modelId !== 'string' || typeof input.cohortDir !== 'string') throw new BadRequestError('validateModel needs { modelId, cohortDir }');
    return (await this.validation.start(input)).report;
  }
  async getValidation(validationId: number) {
    return this.validation.get(requireInt(validationId, 'validation id'));
  }
  async listValidations() {
    return this.validation.list();
  }

  // ---- follow-up: registration, navigation, matching ----
  async registerSeries(input: { fixedSeriesId: number; movingSeriesId: number; transform?: 'rigid' | 'affine' | 'bspline' }) {
    const fixed = this.seriesRow(input?.fixedSeriesId).id;
    const moving = this.seriesRow(input.movingSeriesId).id;
    return this.followUp.registerSeries({ fixedSeriesId: fixed, movingSeriesId: moving, transform: input.transform });
  }
  async setLandmarkRegistration(input: { fixedSeriesId: number; movingSeriesId: number; pairs: { fixedMm: Vec3; movingMm: Vec3 }[]; kind?: 'rigid' | 'affine' }) {
    return this.followUp.setLandmarkRegistration({ ...input, fixedSeriesId: this.seriesRow(input?.fixedSeriesId).id, movingSeriesId: this.seriesRow(input.movingSeriesId).id });
  }
  async listRegistrations(patientRowId: number) {
    return listRegistrations(this.db, requireInt(patientRowId, 'patient id'));
  }
  async mapPoint(input: { fromSeriesId: number; toSeriesId: number; pointLps: Vec3 }) {
    if (!input || !Array.isArray(input.pointLps) || input.pointLps.length !== 3) throw new BadRequestError('mapPoint needs { fromSeriesId, toSeriesId, pointLps: [x, y, z] }');
    return this.followUp.mapPoint({ ...input, fromSeriesId: requireInt(input.fromSeriesId, 'series id'), toSeriesId: requireInt(input.toSeriesId, 'series id') });
  }
  async matchFollowUp(input: { baselineStudyRowId: number; followUpStudyRowId: number }) {
    return this.followUp.matchFollowUp({ baselineStudyRowId: requireInt(input?.baselineStudyRowId, 'study id'), followUpStudyRowId: requireInt(input.followUpStudyRowId, 'study id') });
  }
  async listLesionLinks(filter: { patientRowId?: number; status?: 'proposed' | 'confirmed' | 'rejected'; baselineStudyRowId?: number; followUpStudyRowId?: number }) {
    return this.followUp.listLinks(filter ?? {});
  }
  async confirmLesionLink(linkId: number) {
    return this.followUp.confirmLink(requireInt(linkId, 'link id'));
  }
  async rejectLesionLink(linkId: number) {
    return this.followUp.rejectLink(requireInt(linkId, 'link id'));
  }
  async linkLesions(input: { baselineStudyRowId: number; followUpStudyRowId: number; fromLesionId: number; toLesionId: number; kind: 'match' | 'split' | 'merge' }) {
    return this.followUp.linkLesions(input);
  }
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function requireInt(v: unknown, what: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new BadRequestError(`${what} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

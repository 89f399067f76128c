/**
 * Local AI in the library: run a model on a series (one run at a time, in the inference
 * process), keep every result as proposals with full provenance, let the radiologist
 * accept or reject each one, and log for monitoring what the reader made of the model's
 * work: how far the final mask is from the model's (accepts and edits, with Dice), the
 * proposals rejected (false positives) and the lesions the reader added that the model
 * missed (false negatives), each with its run and reader.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type {
  AcceptProposalInput,
  AcceptProposalResult,
  AgreementEntry,
  AiProgressEvent,
  AiProposal,
  AiRun,
  Lesion,
  LesionFields,
  RunModelInput,
  Segmentation,
  ValidateModelInput,
  Vec3,
} from '../../../core/api/types';
import { decodeMaskRle, encodeMaskRle, type MaskRle } from '../../../core/api/maskRle';
import type { ProposalDraft } from '../../../core/inference';
import { defaultRecistRole } from '../../../core/recist/defaultRole';
import { overlapOfLabels } from '../../../core/metrics/overlap';
import { monitoringByModel, type MonitoringEvent, type MonitoringRunInfo } from '../../../core/metrics/monitoring';
import type { ModelMonitoring } from '../../../core/api/domains/ai';
import type { Db } from '../registry/db';
import { changed, transaction } from '../registry/changes';
import { audit } from '../audit/auditLog';
import type { VolumeAccess } from '../volumes/volumeAccess';
import type { AiApi } from '../../../core/api/contract';
import { requireInt } from '../../../core/api/errors';
import { ValidationService, type ValidationDeps } from './validation';
import * as lesions from '../lesions/lesionStore';
import { insertSegmentationRow, writeMaskFile, writeMaskFiles } from '../segmentation/segmentationStore';
import { InferenceCancelledError, type InferenceHost } from './inferenceHost';
import type { ModelStore } from './modelStore';
import { PROVIDER_ORDER, type ProviderName } from './protocol';
import { ApiError } from '../../../core/api/errors';
import { currentReader } from '../session/readerContext';

export class AiInputError extends ApiError {
  constructor(message: string) {
    super('invalid', message);
  }
}
export class AiNotFoundError extends ApiError {
  constructor(message: string) {
    super('not-found', message);
  }
}


interface RunRow {
  id: number;
  series_id: number;
  model_id: string;
  model_version: string;
  model_sha256: string;
  provider: string | null;
  parameters_json: string;
  status: AiRun['status'];
  error: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  session_run_ms: number | null;
  windows: number | null;
  proposal_count: number;
}

interface ProposalRow {
  id: number;
  run_id: number;
  series_id: number;
  kind: AiProposal['kind'];
  label_value: number;
  label_name: string;
  lesion_type: string | null;
  class_probabilities_json: string;
  mean_probability: number;
  voxel_count: number;
  volume_ml: number;
  centroid_json: string;
  long_axis_mm: number | null;
  short_axis_mm: number | null;
  axis_points_json: string | null;
  slice_index: number | null;
  mask_path: string;
  status: AiProposal['status'];
  lesion_id: number | null;
  segmentation_id: number | null;
  measurement_id: number | null;
  decided_at: string | null;
}

const now = (): string => new Date().toISOString();

function toProposal(r: ProposalRow): AiProposal {
  return {
    id: r.id,
    runId: r.run_id,
    seriesId: r.series_id,
    kind: r.kind,
    labelValue: r.label_value,
    labelName: r.label_name,
    lesionType: r.lesion_type,
    classProbabilities: JSON.parse(r.class_probabilities_json),
    meanProbability: r.mean_probability,
    voxelCount: r.voxel_count,
    volumeMl: r.volume_ml,
    centroidLps: JSON.parse(r.centroid_json),
    longAxisMm: r.long_axis_mm,
    shortAxisMm: r.short_axis_mm,
    axisPointsLps: r.axis_points_json ? JSON.parse(r.axis_points_json) : null,
    sliceIndex: r.slice_index,
    status: r.status,
    lesionId: r.lesion_id,
    segmentationId: r.segmentation_id,
    measurementId: r.measurement_id,
    decidedAt: r.decided_at,
  };
}

/** A proposal's mask file: the run lengths of the model's mask, as JSON, gzipped. */
const RLE_SUFFIX = '.rle.json.gz';

const RUN_SELECT = `SELECT r.*, (SELECT COUNT(*) FROM ai_proposals p WHERE p.run_id = r.id) AS proposal_count FROM ai_runs r`;

export type { AiProgressEvent, RunModelInput };

export interface AiServiceDeps {
  db: Db;
  homeDir: string;
  host: InferenceHost;
  models: ModelStore;
  volumes: VolumeAccess;
  emit: (e: AiProgressEvent) => void;
  emitValidation: ValidationDeps['emit'];
}

/**
 * The AI domain's engine and the only writer of `ai_runs`, `ai_proposals` and
 * `ai_agreement`; lesions, masks and measurements it creates go through their owners.
 */
export class AiService implements AiApi {
  private queue: Promise<unknown> = Promise.resolve();
  /** Run id → inference-process call id, while running. */
  private readonly active = new Map<number, number | null>();
  private readonly cancelRequested = new Set<number>();
  /** Callers of waitForRun, per run. */
  private readonly waiters = new Map<number, (() => void)[]>();
  /** Last progress per run, for polling clients. */
  private readonly progress = new Map<number, { phase: string; done: number; total: number }>();

  private readonly db: Db;
  private readonly homeDir: string;
  private readonly host: InferenceHost;
  readonly models: ModelStore;
  private readonly volumes: VolumeAccess;
  private readonly emit: (e: AiProgressEvent) => void;
  /** Validation on local cohorts; its model jobs share this service's queue. */
  readonly validation: ValidationService;

  constructor(deps: AiServiceDeps) {
    ({ db: this.db, homeDir: this.homeDir, host: this.host, models: this.models, volumes: this.volumes, emit: this.emit } = deps);
    const db = this.db;
    this.validation = new ValidationService({ db, host: this.host, models: this.models, enqueue: (job) => this.enqueue(job), emit: deps.emitValidation });
    // Runs cut short by a previous shutdown are not running any more.
    db.prepare("UPDATE ai_runs SET status = 'failed', error = 'the workstation closed during the run', finished_at = ? WHERE status IN ('queued', 'running')").run(now());
  }

  // ---- the API (arguments checked here) ----

  async listModels() {
    return (await this.models.list()).map((m) => m.info);
  }

  async addModel(folder: string) {
    if (typeof folder !== 'string' || !folder) throw new AiInputError('addModel needs the path of a model folder');
    return this.models.add(folder);
  }

  async runModel(input: RunModelInput): Promise<AiRun> {
    if (!input || typeof input.modelId !== 'string') throw new AiInputError('runModel needs { seriesId, modelId }');
    return this.queueRun({ ...input, seriesId: this.volumes.seriesRow(input.seriesId).id });
  }

  async cancelModelRun(runId: number) {
    return this.cancelRun(requireInt(runId, 'run id'));
  }

  async getModelRun(runId: number) {
    return this.getRun(requireInt(runId, 'run id'));
  }

  async listModelRuns(seriesId?: number) {
    return this.listRuns(seriesId === undefined || seriesId === null ? undefined : requireInt(seriesId, 'series id'));
  }

  async validateModel(input: ValidateModelInput) {
    if (!input || typeof input.modelId !== 'string' || typeof input.cohortDir !== 'string') throw new AiInputError('validateModel needs { modelId, cohortDir }');
    return (await this.validation.start(input)).report;
  }

  async getValidation(validationId: number) {
    return this.validation.get(requireInt(validationId, 'validation id'));
  }

  async listValidations() {
    return this.validation.list();
  }

  // ---- runs ----

  getRun(runId: number): AiRun {
    const r = this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(runId) as RunRow | undefined;
    if (!r) throw new AiNotFoundError(`model run ${runId} does not exist`);
    return this.toRun(r);
  }

  listRuns(seriesId?: number): AiRun[] {
    const rows = (seriesId === undefined
      ? this.db.prepare(`${RUN_SELECT} ORDER BY r.id DESC`).all()
      : this.db.prepare(`${RUN_SELECT} WHERE r.series_id = ? ORDER BY r.id DESC`).all(seriesId)) as RunRow[];
    return rows.map((r) => this.toRun(r));
  }

  private toRun(r: RunRow): AiRun {
    return {
      id: r.id,
      seriesId: r.series_id,
      modelId: r.model_id,
      modelVersion: r.model_version,
      modelSha256: r.model_sha256,
      provider: r.provider,
      parameters: JSON.parse(r.parameters_json),
      status: r.status,
      error: r.error,
      progress: this.progress.get(r.id) ?? null,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      durationMs: r.duration_ms,
      sessionRunMs: r.session_run_ms,
      windows: r.windows,
      proposalCount: r.proposal_count,
    };
  }

  /** Queue a run; returns at once with the run (status queued). Progress comes as events. */
  private async queueRun(input: RunModelInput): Promise<AiRun> {
    const { manifest, info, modelPath } = await this.models.get(input.modelId, input.modelVersion);
    if (manifest.task !== 'segmentation') throw new AiInputError(`model "${info.id}" is a ${manifest.task} model; runs on a series need a segmentation model`);
    const opts = input.options ?? {};
    if (opts.providers && !opts.providers.every((p) => (PROVIDER_ORDER as readonly string[]).includes(p))) {
      throw new AiInputError(`providers must be among ${PROVIDER_ORDER.join(', ')}`);
    }
    const seriesOk = this.db.prepare('SELECT geometry_json IS NOT NULL AS ok FROM series WHERE id = ?').get(input.seriesId) as { ok: number } | undefined;
    if (!seriesOk) throw new AiNotFoundError(`series ${input.seriesId} is not in the library`);
    if (!seriesOk.ok) throw new AiInputError(`series ${input.seriesId} has no image volume to run a model on`);
    const parameters = {
      batchSize: opts.batchSize ?? 2,
      mirror: opts.mirror ?? (manifest.input.mirrorAxes?.length ?? 0) > 0,
      minLesionVolumeMl: opts.minLesionVolumeMl ?? 0.05,
      providers: opts.providers ?? [...PROVIDER_ORDER],
      spacingMm: manifest.input.spacingMm,
      patchSize: manifest.input.patchSize,
      overlap: manifest.input.overlap,
      normalization: manifest.input.normalization,
      modelSource: info.source,
    };
    const runId = Number(
      this.db
        .prepare(
          `INSERT INTO ai_runs (series_id, model_id, model_version, model_sha256, parameters_json, status, started_at)
           VALUES (?, ?, ?, ?, ?, 'queued', ?)`,
        )
        .run(input.seriesId, info.id, info.version, info.sha256, JSON.stringify(parameters), now()).lastInsertRowid,
    );
    this.active.set(runId, null);
    changed(this.db, 'onAiChanged', { seriesId: input.seriesId, runId });
    void this.enqueue(() => this.execute(runId, input.seriesId, modelPath, manifest, parameters));
    return this.getRun(runId);
  }

  /** Run a job after the runs and validations queued before it (one model job at a time). */
  enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves when the run has finished (whatever its outcome). */
  async waitForRun(runId: number): Promise<AiRun> {
    if (this.active.has(runId)) await new Promise<void>((resolve) => this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), resolve]));
    return this.getRun(runId);
  }

  cancelRun(runId: number): AiRun {
    const run = this.getRun(runId);
    if (!this.active.has(runId)) return run;
    this.cancelRequested.add(runId);
    const callId = this.active.get(runId);
    if (callId != null) this.host.cancel(callId);
    return run;
  }

  private setStatus(runId: number, seriesId: number, status: AiRun['status'], phase: string, done: number, total: number, error: string | null = null): void {
    this.progress.set(runId, { phase, done, total });
    this.emit({ runId, seriesId, status, phase, done, total, error });
  }

  private async execute(
    runId: number,
    seriesId: number,
    modelPath: string,
    manifest: Awaited<ReturnType<ModelStore['get']>>['manifest'],
    parameters: { batchSize: number; mirror: boolean; minLesionVolumeMl: number; providers: string[] },
  ): Promise<void> {
    const t0 = performance.now();
    const finish = (status: AiRun['status'], error: string | null, extra: Partial<{ provider: string; sessionRunMs: number; windows: number; stats: unknown }> = {}): void => {
      this.db
        .prepare('UPDATE ai_runs SET status = ?, error = ?, finished_at = ?, duration_ms = ?, provider = COALESCE(?, provider), session_run_ms = ?, windows = ?, stats_json = ? WHERE id = ?')
        .run(status, error, now(), performance.now() - t0, extra.provider ?? null, extra.sessionRunMs ?? null, extra.windows ?? null, extra.stats ? JSON.stringify(extra.stats) : null, runId);
      changed(this.db, 'onAiChanged', { seriesId, runId });
    };
    try {
      if (this.cancelRequested.has(runId)) throw new InferenceCancelledError();
      this.db.prepare("UPDATE ai_runs SET status = 'running' WHERE id = ?").run(runId);
      this.setStatus(runId, seriesId, 'running', 'loading', 0, 1);
      const vol = await this.volumes.seriesVolume(seriesId);
      if (this.cancelRequested.has(runId)) throw new InferenceCancelledError();
      const call = this.host.run(
        {
          modelPath,
          manifest,
          volume: vol.voxels,
          geometry: vol.geometry,
          options: {
            batchSize: parameters.batchSize,
            mirror: parameters.mirror,
            minLesionVolumeMl: parameters.minLesionVolumeMl,
            providers: parameters.providers as ProviderName[],
          },
        },
        (p) => this.setStatus(runId, seriesId, 'running', p.phase, p.done, p.total),
      );
      this.active.set(runId, call.id);
      if (this.cancelRequested.has(runId)) this.host.cancel(call.id);
      const result = await call.promise;
      // Masks are written (and flushed) first; the rows in one transaction after.
      const paths: string[] = [];
      try {
        // The model's masks are kept as their run lengths (small, and nothing to expand while
        // the radiologist waits); one flush for all.
        const payloads = result.drafts.map((d) => Buffer.from(JSON.stringify(d.mask)));
        paths.push(...(await writeMaskFiles(this.homeDir, vol.seriesUid, payloads, 6, RLE_SUFFIX)));
        transaction(this.db, () => {
          result.drafts.forEach((d, i) => this.insertProposal(runId, seriesId, d, paths[i]));
          finish('done', null, {
            provider: result.provider,
            sessionRunMs: result.timings.sessionRunMs,
            windows: result.windows,
            stats: { timings: result.timings, attempts: result.attempts, msPerWindow: result.msPerWindow, peakRssMb: result.peakRssMb, calls: result.calls },
          });
        });
      } catch (e) {
        await Promise.all(paths.map((p) => fsp.rm(join(this.homeDir, p), { force: true })));
        throw e;
      }
      this.setStatus(runId, seriesId, 'done', 'done', 1, 1);
    } catch (e) {
      const cancelled = e instanceof InferenceCancelledError;
      const message = cancelled ? null : (e as Error).message;
      finish(cancelled ? 'cancelled' : 'failed', message);
      this.setStatus(runId, seriesId, cancelled ? 'cancelled' : 'failed', 'done', 0, 1, message);
    } finally {
      this.active.delete(runId);
      this.cancelRequested.delete(runId);
      for (const resolve of this.waiters.get(runId) ?? []) resolve();
      this.waiters.delete(runId);
    }
  }

  private insertProposal(runId: number, seriesId: number, d: ProposalDraft, maskPath: string): void {
    this.db
      .prepare(
        `INSERT INTO ai_proposals (run_id, series_id, kind, label_value, label_name, lesion_type, class_probabilities_json, mean_probability,
           voxel_count, volume_ml, centroid_json, long_axis_mm, short_axis_mm, axis_points_json, slice_index, mask_path)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        runId,
        seriesId,
        d.kind,
        d.labelValue,
        d.labelName,
        d.lesionType,
        JSON.stringify(d.classProbabilities),
        d.meanProbability,
        d.voxelCount,
        d.volumeMl,
        JSON.stringify(d.centroidLps),
        d.bidirectional?.longAxisMm ?? null,
        d.bidirectional?.shortAxisMm ?? null,
        d.bidirectional ? JSON.stringify(d.bidirectional.pointsLps) : null,
        d.bidirectional?.sliceIndex ?? null,
        maskPath,
      );
  }

  // ---- proposals ----

  getProposal(id: number): AiProposal {
    const r = this.db.prepare('SELECT * FROM ai_proposals WHERE id = ?').get(id) as ProposalRow | undefined;
    if (!r) throw new AiNotFoundError(`proposal ${id} does not exist`);
    return toProposal(r);
  }

  async listProposals(filter: { runId?: number; seriesId?: number }): Promise<AiProposal[]> {
    return this.proposalsWhere(filter ?? {});
  }

  private proposalsWhere(filter: { runId?: number; seriesId?: number }): AiProposal[] {
    const where: string[] = [];
    const args: number[] = [];
    for (const [column, value] of [['run_id', filter.runId], ['series_id', filter.seriesId]] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      args.push(value);
    }
    const sql = `SELECT * FROM ai_proposals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY run_id DESC, kind DESC, volume_ml DESC`;
    return (this.db.prepare(sql).all(...args) as ProposalRow[]).map(toProposal);
  }

  private readModelRle(id: number): MaskRle {
    const r = this.db.prepare('SELECT mask_path FROM ai_proposals WHERE id = ?').get(id) as { mask_path: string } | undefined;
    if (!r) throw new AiNotFoundError(`proposal ${id} does not exist`);
    const bytes = gunzipSync(readFileSync(join(this.homeDir, r.mask_path)));
    return r.mask_path.endsWith(RLE_SUFFIX) ? (JSON.parse(bytes.toString('utf8')) as MaskRle) : encodeMaskRle(new Uint8Array(bytes));
  }

  private readModelMask(id: number): Uint8Array {
    return decodeMaskRle(this.readModelRle(id));
  }

  /** The model's mask of a proposal, as it came from the model. */
  async getProposalMask(proposalId: number): Promise<MaskRle> {
    return this.readModelRle(requireInt(proposalId, 'proposal id'));
  }

  async acceptProposal(proposalId: number, input: AcceptProposalInput = {}): Promise<AcceptProposalResult> {
    const id = requireInt(proposalId, 'proposal id');
    input ??= {};
    const p = this.getProposal(id);
    if (p.status !== 'proposed') throw new AiInputError(`proposal ${id} was already ${p.status}`);
    const run = this.getRun(p.runId);
    const vol = await this.volumes.seriesVolume(p.seriesId);
    const mask = this.readModelMask(id);
    // The model's mask becomes the segmentation as it is; an edit later keeps it as the original.
    const rel = await writeMaskFile(this.homeDir, vol.seriesUid, mask);
    try {
      const out = transaction(this.db, (): AcceptProposalResult => {
        const still = this.getProposal(id);
        if (still.status !== 'proposed') throw new AiInputError(`proposal ${id} was already ${still.status}`);
        const { patientId } = this.db
          .prepare('SELECT st.patient_id AS patientId FROM series se JOIN studies st ON st.id = se.study_id WHERE se.id = ?')
          .get(p.seriesId) as { patientId: number };
        let lesion: Lesion | null = null;
        if (p.kind === 'lesion') {
          if (input.lesionId !== undefined) {
            lesion = lesions.getLesion(this.db, input.lesionId);
            if (lesion.patientRowId !== patientId) throw new AiInputError(`lesion ${lesion.label} belongs to another patient`);
          } else {
            const site = input.fields?.site ?? 'liver';
            lesion = lesions.createLesion(this.db, patientId, {
              site,
              lesionType: (p.lesionType as LesionFields['lesionType']) ?? 'indeterminate',
              recistRole: defaultRecistRole({
                site,
                longAxisMm: p.longAxisMm,
                lesionType: p.lesionType,
                sliceThicknessMm: vol.geometry.spacingMm[2],
                targets: lesions.listLesions(this.db, patientId).filter((l) => l.recistRole === 'target'),
              }),
              notes: `AI proposal ${p.id}: ${run.modelId} ${run.modelVersion}, p = ${p.meanProbability.toFixed(2)}`,
              ...input.fields,
            });
          }
        }
        const segmentation = insertSegmentationRow(
          this.db,
          { ...vol, mask, lesionId: lesion?.id ?? null, structure: p.kind === 'organ' ? 'liver' : 'lesion', source: 'ai' },
          rel,
        );
        const measurement =
          lesion && p.axisPointsLps
            ? lesions.addMeasurement(this.db, { lesionId: lesion.id, seriesId: p.seriesId, kind: 'bidirectional', pointsLps: p.axisPointsLps as Vec3[], sliceIndex: p.sliceIndex, source: 'ai' })
            : null;
        const t = now();
        this.db
          .prepare("UPDATE ai_proposals SET status = 'accepted', lesion_id = ?, segmentation_id = ?, measurement_id = ?, decided_at = ? WHERE id = ?")
          .run(lesion?.id ?? null, segmentation.id, measurement?.id ?? null, t, id);
        logAgreement(this.db, { runId: p.runId, proposalId: id, segmentationId: segmentation.id, lesionId: lesion?.id ?? null, modelId: run.modelId, modelVersion: run.modelVersion, event: 'accepted', dice: 1, at: t });
        // Accepted into a lesion the reader had added by hand: the model did find it after all.
        if (lesion) this.db.prepare("DELETE FROM ai_agreement WHERE run_id = ? AND lesion_id = ? AND event = 'missed'").run(p.runId, lesion.id);
        const proposal = this.getProposal(id);
        audit(this.db, 'ai-proposal', id, 'update', p, proposal);
        changed(this.db, 'onAiChanged', { seriesId: p.seriesId, runId: p.runId });
        return { proposal, lesion, segmentation, measurement };
      });
      return out;
    } catch (e) {
      await fsp.rm(join(this.homeDir, rel), { force: true });
      throw e;
    }
  }

  async rejectProposal(proposalId: number): Promise<AiProposal> {
    const id = requireInt(proposalId, 'proposal id');
    return transaction(this.db, () => {
      const p = this.getProposal(id);
      if (p.status !== 'proposed') throw new AiInputError(`proposal ${id} was already ${p.status}`);
      const t = now();
      this.db.prepare("UPDATE ai_proposals SET status = 'rejected', decided_at = ? WHERE id = ?").run(t, id);
      const run = this.getRun(p.runId);
      // A false positive of the model (only lesion proposals count as such in monitoring).
      logAgreement(this.db, { runId: p.runId, proposalId: id, segmentationId: null, lesionId: null, modelId: run.modelId, modelVersion: run.modelVersion, event: 'rejected', dice: null, at: t });
      const after = this.getProposal(id);
      audit(this.db, 'ai-proposal', id, 'update', p, after);
      changed(this.db, 'onAiChanged', { seriesId: p.seriesId, runId: p.runId });
      return after;
    });
  }

  // ---- agreement (monitoring) ----

  /** After a mask was edited: if it came from an accepted proposal, log Dice(model mask, edited mask). */
  maskEdited(segmentation: Segmentation, finalMask: Uint8Array): void {
    if (segmentation.source !== 'ai') return;
    const segmentationId = segmentation.id;
    const row = this.db
      .prepare(
        'SELECT p.id, p.run_id AS runId, p.lesion_id AS lesionId, r.model_id AS modelId, r.model_version AS modelVersion FROM ai_proposals p JOIN ai_runs r ON r.id = p.run_id WHERE p.segmentation_id = ?',
      )
      .get(segmentationId) as { id: number; runId: number; lesionId: number | null; modelId: string; modelVersion: string } | undefined;
    if (!row) return;
    const dice = overlapOfLabels(this.readModelMask(row.id), finalMask, 1).dice;
    logAgreement(this.db, { ...row, proposalId: row.id, segmentationId, event: 'edited', dice });
  }

  async listAgreement(filter: { modelId?: string } = {}): Promise<AgreementEntry[]> {
    return listAgreementRows(this.db, modelFilter(filter));
  }

  async getMonitoring(filter: { modelId?: string } = {}): Promise<ModelMonitoring[]> {
    return monitoring(this.db, modelFilter(filter));
  }
}

function modelFilter(filter: { modelId?: string } | null | undefined): string | undefined {
  const modelId = filter?.modelId;
  if (modelId === undefined || modelId === null || modelId === '') return undefined;
  if (typeof modelId !== 'string') throw new AiInputError('modelId must be a string');
  return modelId;
}

// ---- monitoring: the agreement log (this file is the only writer of ai_agreement) ----

interface AgreementRow {
  id: number;
  run_id: number;
  proposal_id: number | null;
  segmentation_id: number | null;
  lesion_id: number | null;
  model_id: string;
  model_version: string;
  event: AgreementEntry['event'];
  dice: number | null;
  at: string;
  reader_name: string | null;
  reader_id: string | null;
}

/** One monitoring event, with the reader of the call in progress. Dice only for accepts and edits. */
function logAgreement(
  db: Db,
  e: { runId: number; proposalId: number | null; segmentationId: number | null; lesionId: number | null; modelId: string; modelVersion: string; event: AgreementEntry['event']; dice: number | null; at?: string },
): void {
  const reader = currentReader();
  db.prepare(
    `INSERT INTO ai_agreement (run_id, proposal_id, segmentation_id, lesion_id, model_id, model_version, event, dice, at, reader_name, reader_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.runId, e.proposalId, e.segmentationId, e.lesionId, e.modelId, e.modelVersion, e.event, e.dice === null ? null : Math.min(1, Math.max(0, e.dice)), e.at ?? now(), reader.name, reader.id ?? null);
}

export function listAgreementRows(db: Db, modelId?: string): AgreementEntry[] {
  const rows = (modelId
    ? db.prepare('SELECT * FROM ai_agreement WHERE model_id = ? ORDER BY at, id').all(modelId)
    : db.prepare('SELECT * FROM ai_agreement ORDER BY at, id').all()) as AgreementRow[];
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    proposalId: r.proposal_id,
    segmentationId: r.segmentation_id,
    lesionId: r.lesion_id,
    modelId: r.model_id,
    modelVersion: r.model_version,
    event: r.event,
    dice: r.dice,
    at: r.at,
    readerName: r.reader_name,
  }));
}

/**
 * Per model and per reviewed run (a run with at least one logged decision or miss): true
 * positives, false positives, misses, sensitivity, false positives per exam and mean Dice,
 * with running totals in time order (core/metrics/monitoring.ts). Only lesion proposals and
 * misses count; organ proposals (the liver) are left out.
 */
export function monitoring(db: Db, modelId?: string): ModelMonitoring[] {
  const byModel = modelId ? ' AND a.model_id = ?' : '';
  const args = modelId ? [modelId] : [];
  const events = (
    db
      .prepare(
        `SELECT a.id, a.run_id AS runId, a.proposal_id AS proposalId, a.lesion_id AS lesionId, a.event, a.dice, a.at
         FROM ai_agreement a LEFT JOIN ai_proposals p ON p.id = a.proposal_id
         WHERE (a.proposal_id IS NULL OR p.kind = 'lesion')${byModel}`,
      )
      .all(...args) as MonitoringEvent[]
  );
  const runs = db
    .prepare(
      `SELECT r.id AS runId, r.model_id AS modelId, r.model_version AS modelVersion, r.series_id AS seriesId, st.study_date AS studyDate, r.finished_at AS finishedAt,
              (SELECT COUNT(*) FROM ai_proposals p WHERE p.run_id = r.id AND p.kind = 'lesion' AND p.status = 'proposed') AS undecided
       FROM ai_runs r JOIN series se ON se.id = r.series_id JOIN studies st ON st.id = se.study_id
       WHERE r.id IN (SELECT a.run_id FROM ai_agreement a WHERE 1 = 1${byModel})`,
    )
    .all(...args) as MonitoringRunInfo[];
  return monitoringByModel(runs, events);
}

// ---- changes other domains ask for (follow-up linking) ----

/** The proposals accepted as a lesion on the given series. */
export function proposalIdsOn(db: Db, lesionId: number, seriesIds: readonly number[]): number[] {
  if (!seriesIds.length) return [];
  const rows = db.prepare(`SELECT id FROM ai_proposals WHERE lesion_id = ? AND series_id IN (${seriesIds.map(() => '?').join(',')})`).all(lesionId, ...seriesIds) as { id: number }[];
  return rows.map((r) => r.id);
}

/** Point accepted proposals at another lesion (its identity continues a baseline lesion, or that is undone). */
export function reassignProposals(db: Db, proposalIds: readonly number[], toLesionId: number): void {
  transaction(db, () => {
    const update = db.prepare('UPDATE ai_proposals SET lesion_id = ? WHERE id = ?');
    for (const id of proposalIds) update.run(toLesionId, id);
    if (proposalIds.length) changed(db, 'onAiChanged', { seriesId: null, runId: null });
  });
}

// ---- findings other domains report (monitoring of errors) ----

/**
 * The run of each model whose proposals the reader reads on a series: per model id and
 * version, the newest finished run with a decided proposal, else the newest finished run
 * (the one the AI panel shows first). Older reruns of the same model are not exams of their own.
 */
function readRuns(db: Db, seriesId: number): { id: number; modelId: string; modelVersion: string }[] {
  const rows = db
    .prepare(
      `SELECT r.id, r.model_id AS modelId, r.model_version AS modelVersion,
              EXISTS (SELECT 1 FROM ai_proposals p WHERE p.run_id = r.id AND p.status <> 'proposed') AS decided
       FROM ai_runs r WHERE r.series_id = ? AND r.status = 'done' ORDER BY r.id DESC`,
    )
    .all(seriesId) as { id: number; modelId: string; modelVersion: string; decided: number }[];
  const chosen = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    const key = `${r.modelId}@${r.modelVersion}`;
    const best = chosen.get(key);
    if (!best || (!best.decided && r.decided)) chosen.set(key, r);
  }
  return [...chosen.values()].map(({ id, modelId, modelVersion }) => ({ id, modelId, modelVersion }));
}

/**
 * The reader added a lesion finding by hand — a manual measurement, or a manual lesion mask —
 * on a series: for each model run the reader reads there (a finished run, see readRuns) with
 * no accepted proposal for that lesion, the model missed it. Logs one 'missed' event per
 * (run, lesion), with the reader; a second finding on the same lesion adds nothing (the
 * unique index). Findings that are not the reader's own (AI, from a mask, DICOM SEG) and
 * liver masks are ignored. Called by the lesions and segmentation services after their
 * owner wrote the finding (they do not write ai tables); a monitoring failure is logged, never
 * thrown at the reader whose finding is already saved. Returns the misses logged.
 */
export function recordReaderFindings(db: Db, finding: { seriesId: number; lesionId: number | null; source: string; structure?: string }): number {
  if (finding.source !== 'manual' || finding.lesionId === null || (finding.structure !== undefined && finding.structure !== 'lesion')) return 0;
  const lesionId = finding.lesionId;
  try {
    return transaction(db, () => {
      let logged = 0;
      for (const run of readRuns(db, finding.seriesId)) {
        const found = db.prepare("SELECT 1 FROM ai_proposals WHERE run_id = ? AND lesion_id = ? AND status = 'accepted'").get(run.id, lesionId);
        if (found) continue;
        const reader = currentReader();
        const { changes } = db
          .prepare(
            `INSERT INTO ai_agreement (run_id, proposal_id, segmentation_id, lesion_id, model_id, model_version, event, dice, at, reader_name, reader_id)
             VALUES (?, NULL, NULL, ?, ?, ?, 'missed', NULL, ?, ?, ?)
             ON CONFLICT (run_id, lesion_id) WHERE event = 'missed' DO NOTHING`,
          )
          .run(run.id, lesionId, run.modelId, run.modelVersion, now(), reader.name, reader.id ?? null);
        if (changes) {
          logged++;
          changed(db, 'onAiChanged', { seriesId: finding.seriesId, runId: run.id });
        }
      }
      return logged;
    });
  } catch (e) {
    console.error(`monitoring: could not log a missed lesion ${lesionId} on series ${finding.seriesId}:`, e);
    return 0;
  }
}

/**
 * The reader found that a lesion is not a lesion (e.g. at follow-up review): each proposal
 * accepted as that lesion was a false positive after all, so a 'rejected' event is logged for
 * it (once), with the reader; its earlier accept no longer counts as a true positive. A miss
 * logged for that lesion is withdrawn: the model was right to propose nothing.
 */
export function recordNotALesion(db: Db, lesionId: number): void {
  transaction(db, () => {
    const rows = db
      .prepare(
        `SELECT p.id, p.run_id AS runId, p.series_id AS seriesId, p.segmentation_id AS segmentationId, r.model_id AS modelId, r.model_version AS modelVersion
         FROM ai_proposals p JOIN ai_runs r ON r.id = p.run_id
         WHERE p.lesion_id = ? AND p.status = 'accepted'
           AND NOT EXISTS (SELECT 1 FROM ai_agreement a WHERE a.proposal_id = p.id AND a.event = 'rejected')`,
      )
      .all(lesionId) as { id: number; runId: number; seriesId: number; segmentationId: number | null; modelId: string; modelVersion: string }[];
    for (const p of rows) {
      logAgreement(db, { runId: p.runId, proposalId: p.id, segmentationId: p.segmentationId, lesionId, modelId: p.modelId, modelVersion: p.modelVersion, event: 'rejected', dice: null });
      changed(db, 'onAiChanged', { seriesId: p.seriesId, runId: p.runId });
    }
    const misses = db.prepare("SELECT DISTINCT run_id AS runId FROM ai_agreement WHERE lesion_id = ? AND event = 'missed'").all(lesionId) as { runId: number }[];
    db.prepare("DELETE FROM ai_agreement WHERE lesion_id = ? AND event = 'missed'").run(lesionId);
    for (const m of misses) changed(db, 'onAiChanged', { seriesId: null, runId: m.runId });
  });
}

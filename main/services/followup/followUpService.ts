/**
 * Follow-up exams: register each to the baseline (elastix in a worker thread, or the
 * radiologist's corresponding points), map points between exams for synchronized
 * navigation, match the follow-up's lesion findings to the baseline lesions, and keep the
 * links and the lineage they make (split, merge) in the registry.
 *
 * A "finding" is a lesion identity with a measurement or mask on an exam. Matching pairs the
 * follow-up findings that have no baseline finding of their own (e.g. accepted AI proposals,
 * new lesions drawn on the follow-up) with baseline lesions that have no follow-up finding.
 * Confirming a match moves the follow-up finding onto the baseline lesion (its identity
 * continues); a split makes the follow-up finding a fragment of the baseline lesion; a merge
 * records that a baseline lesion coalesced into another. Links at or above the confidence
 * threshold are confirmed automatically; the others wait in the review queue. Every change
 * is audited, and rejecting a confirmed link undoes what confirming did.
 */
import type { FollowUpFindingRow, FollowUpMatchResult, FollowUpReviewItem, LesionLinkRow, RegistrationProgressEvent, Vec3 } from '../../../core/api/types';
import type { FollowUpApi } from '../../../core/api/contract';
import { ApiError, invalid, notFound, requireInt } from '../../../core/api/errors';
import { indexToLps } from '../../../core/dicom/geometry';
import { matchLesions, type MatchLesion } from '../../../core/matching/lesionMatching';
import { applyMat4, identityMat4, type Mat4 } from '../../../core/registration/affine';
import { transformPath } from '../../../core/registration/transformPath';
import { fitLandmarkTransform, type LandmarkPair } from '../../../core/registration/registrationError';
import { audit } from '../audit/auditLog';
import { proposalIdsOn, reassignProposals, recordNotALesion } from '../inference/aiService';
import { getSeriesRow, primaryImageSeries, seriesIdsOfStudy, seriesPatientId, studyPatientId } from '../library/catalog';
import {
  getLesion,
  hasLiveFindings,
  lesionAssessmentStatus,
  measurementIdsOn,
  moveAssessment,
  reassignMeasurements,
  restoreLesion,
  retireLesion,
  setLesionAssessment,
} from '../lesions/lesionStore';
import { assertExamOpen } from '../lesions/signoffStore';
import { liverSegmentationOf, readMask, reassignSegmentations, segmentationIdsOn } from '../segmentation/segmentationStore';
import { transaction } from '../registry/changes';
import type { Db } from '../registry/db';
import { registerInWorker, type ElastixStage, type RegistrationProgress } from '../registration/elastixRegistration';
import { currentRegistration, listRegistrations, saveRegistration, type RegistrationRecord } from '../registration/registrationStore';
import type { VolumeAccess } from '../volumes/volumeAccess';
import {
  clearProposedFindings,
  clearProposedMatches,
  confirmedMatchOf,
  deleteFinding,
  findingEffect,
  getFinding,
  insertFinding,
  listFindings,
  markFinding,
  type FindingEffect,
  getLink,
  insertLineage,
  insertLink,
  linkEffect,
  linkPairs,
  listLinks,
  markLinkConfirmed,
  markLinkRejected,
  retireLineage,
  type LinkEffect,
  type LinkFilter,
} from './followUpStore';

export class FollowUpError extends ApiError {
  constructor(message: string) {
    super('invalid', message);
  }
}

export interface FollowUpDeps {
  db: Db;
  homeDir: string;
  volumes: VolumeAccess;
  emit: (e: RegistrationProgressEvent) => void;
}

export class FollowUpService implements FollowUpApi {
  /** Links below this confidence wait for the radiologist. */
  readonly reviewBelow = 0.6;

  constructor(private readonly deps: FollowUpDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  // ---- exams and series ----

  private studyPatient(studyRowId: number): number {
    const p = studyPatientId(this.db, studyRowId);
    if (p === null) throw notFound(`study ${studyRowId} is not in the library`);
    return p;
  }

  /** The image series a study is read on: the CT (else any) volume with the most slices. */
  primarySeries(studyRowId: number): number {
    const id = primaryImageSeries(this.db, studyRowId);
    if (id === null) throw new FollowUpError(`study ${studyRowId} has no image series`);
    return id;
  }

  // ---- registration ----

  /** Register the moving (follow-up) series to the fixed (baseline) one with elastix; stored as the pair's current transform. */
  async registerSeries(input: { fixedSeriesId: number; movingSeriesId: number; transform?: ElastixStage }): Promise<RegistrationRecord> {
    const fixedSeriesId = this.deps.volumes.seriesRow(input?.fixedSeriesId).id;
    const movingSeriesId = this.deps.volumes.seriesRow(input.movingSeriesId).id;
    const emit = (phase: string, state: RegistrationProgressEvent['state'], fraction: number, error: string | null = null) =>
      this.deps.emit({ fixedSeriesId, movingSeriesId, phase, state, fraction, error });
    try {
      emit('loading', 'started', 0);
      const [fixed, moving] = [await this.deps.volumes.seriesVolume(fixedSeriesId), await this.deps.volumes.seriesVolume(movingSeriesId)];
      // The liver mask of the baseline, when there is one, keeps the metric on the organ that is followed.
      const liver = liverSegmentationOf(this.db, fixedSeriesId);
      const fixedMask = liver !== null ? readMask(this.db, this.deps.homeDir, liver) : undefined;
      const result = await registerInWorker(
        {
          fixed: { hu: fixed.voxels, geometry: fixed.geometry },
          moving: { hu: moving.voxels, geometry: moving.geometry },
          options: { transform: input.transform ?? 'affine', ...(fixedMask ? { fixedMask } : {}) },
        },
        { onProgress: (p: RegistrationProgress) => emit(p.phase, p.state, p.fraction) },
      );
      const record = saveRegistration(this.db, {
        fixedSeriesId,
        movingSeriesId,
        method: result.method,
        matrix4x4: result.matrix4x4,
        parameters: { ...result.parameters, rigid: result.rigid, metric: result.metric, durationsMs: result.durationsMs, warnings: result.warnings, liverMask: Boolean(fixedMask) },
        metric: result.metric.after,
        durationMs: result.durationsMs.total,
      });
      emit('done', 'done', 1);
      return record;
    } catch (e) {
      emit('failed', 'failed', 1, (e as Error).message);
      throw e;
    }
  }

  /**
   * Manual correction: corresponding points clicked in both exams (fixed = baseline LPS,
   * moving = follow-up LPS); rigid from 3 points, affine from 4 or more if asked.
   */
  async setLandmarkRegistration(input: { fixedSeriesId: number; movingSeriesId: number; pairs: LandmarkPair[]; kind?: 'rigid' | 'affine' }): Promise<RegistrationRecord> {
    const fixedSeriesId = this.deps.volumes.seriesRow(input?.fixedSeriesId).id;
    const movingSeriesId = this.deps.volumes.seriesRow(input.movingSeriesId).id;
    const pairs = input.pairs;
    if (!Array.isArray(pairs) || pairs.length < 3) throw new FollowUpError('a manual registration needs at least three pairs of corresponding points');
    const kind = input.kind ?? 'rigid';
    const fit = fitLandmarkTransform(pairs, kind);
    return saveRegistration(this.db, {
      fixedSeriesId,
      movingSeriesId,
      method: 'landmarks',
      matrix4x4: fit.matrix,
      landmarks: pairs,
      parameters: { kind, rmsErrorMm: fit.rmsErrorMm, residualsMm: fit.residualsMm },
      metric: fit.rmsErrorMm,
    });
  }

  /**
   * The transform from series A's LPS to series B's LPS, through the stored registrations:
   * direct, inverted, or through a common fixed (baseline) series. Same frame of reference → identity.
   */
  transformBetween(fromSeriesId: number, toSeriesId: number): { matrix: Mat4; registrationIds: number[] } {
    if (fromSeriesId === toSeriesId) return { matrix: identityMat4(), registrationIds: [] };
    const a = getSeriesRow(this.db, fromSeriesId);
    const b = getSeriesRow(this.db, toSeriesId);
    if (!a || !b) throw notFound(`series ${!a ? fromSeriesId : toSeriesId} is not in the library`);
    const patient = seriesPatientId(this.db, a.id)!;
    const path = transformPath(
      listRegistrations(this.db, patient, { currentOnly: true }),
      { seriesId: a.id, frameOfReferenceUid: a.frameOfReferenceUid },
      { seriesId: b.id, frameOfReferenceUid: b.frameOfReferenceUid },
    );
    if (!path) throw new FollowUpError(`series ${fromSeriesId} and ${toSeriesId} have no registration between them; register the follow-up to its baseline first`);
    return { matrix: path.matrix, registrationIds: path.registrations.map((r) => r.id) };
  }

  async listRegistrations(patientRowId: number): Promise<RegistrationRecord[]> {
    return listRegistrations(this.db, requireInt(patientRowId, 'patient id'));
  }

  /** Synchronized navigation: where a point of one series lies in another. */
  async mapPoint(input: { fromSeriesId: number; toSeriesId: number; pointLps: Vec3 }): Promise<{ pointLps: Vec3; registrationIds: number[] }> {
    if (!input || !Array.isArray(input.pointLps) || input.pointLps.length !== 3) throw invalid('mapPoint needs { fromSeriesId, toSeriesId, pointLps: [x, y, z] }');
    const t = this.transformBetween(requireInt(input.fromSeriesId, 'series id'), requireInt(input.toSeriesId, 'series id'));
    return { pointLps: applyMat4(t.matrix, input.pointLps), registrationIds: t.registrationIds };
  }

  // ---- findings ----

  /** Lesion findings of a study: centroid, volume, long axis, type, mask samples. */
  findings(studyRowId: number): MatchLesion<number>[] {
    const out = new Map<number, MatchLesion<number>>();
    const segs = this.db
      .prepare(
        `SELECT sg.id, sg.lesion_id AS lesionId, sg.series_id AS seriesId, sg.volume_ml AS volumeMl, sg.voxel_count AS voxelCount, l.lesion_type AS type
         FROM segmentations sg JOIN series se ON se.id = sg.series_id JOIN lesions l ON l.id = sg.lesion_id
         WHERE se.study_id = ? AND sg.structure = 'lesion' AND sg.deleted_at IS NULL AND l.deleted_at IS NULL
         ORDER BY sg.updated_at, sg.id`,
      )
      .all(studyRowId) as { id: number; lesionId: number; seriesId: number; volumeMl: number; voxelCount: number; type: string }[];
    for (const s of segs) {
      const geometry = getSeriesRow(this.db, s.seriesId)?.geometry;
      if (!geometry) continue;
      const mask = readMask(this.db, this.deps.homeDir, s.id);
      const [nx, ny] = geometry.dims;
      // About 600 voxel centres are enough for the mask overlap.
      const step = Math.max(1, Math.floor(s.voxelCount / 600));
      let n = 0;
      const sum: Vec3 = [0, 0, 0];
      const samples: Vec3[] = [];
      for (let i = 0; i < mask.length; i++) {
        if (!mask[i]) continue;
        const p = indexToLps(geometry, [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))]);
        sum[0] += p[0];
        sum[1] += p[1];
        sum[2] += p[2];
        if (n % step === 0) samples.push(p);
        n++;
      }
      if (!n) continue;
      out.set(s.lesionId, {
        key: s.lesionId,
        centroidMm: [sum[0] / n, sum[1] / n, sum[2] / n],
        volumeMl: s.volumeMl,
        diameterMm: null,
        type: s.type === 'indeterminate' ? null : s.type,
        samplesMm: samples,
      });
    }
    const ms = this.db
      .prepare(
        `SELECT m.lesion_id AS lesionId, m.points_json AS points, m.long_axis_mm AS longAxisMm, l.lesion_type AS type
         FROM measurements m JOIN series se ON se.id = m.series_id JOIN lesions l ON l.id = m.lesion_id
         WHERE se.study_id = ? AND m.deleted_at IS NULL AND l.deleted_at IS NULL ORDER BY m.updated_at, m.id`,
      )
      .all(studyRowId) as { lesionId: number; points: string; longAxisMm: number | null; type: string }[];
    for (const m of ms) {
      const existing = out.get(m.lesionId);
      if (existing) {
        if (m.longAxisMm !== null) existing.diameterMm = m.longAxisMm;
        continue;
      }
      const pts = JSON.parse(m.points) as Vec3[];
      if (!pts.length) continue;
      const c: Vec3 = [0, 1, 2].map((a) => pts.reduce((s, p) => s + p[a], 0) / pts.length) as Vec3;
      out.set(m.lesionId, { key: m.lesionId, centroidMm: c, volumeMl: null, diameterMm: m.longAxisMm, type: m.type === 'indeterminate' ? null : m.type });
    }
    return [...out.values()];
  }

  // ---- matching and links ----

  private getLink(id: number): LesionLinkRow {
    return getLink(this.db, id);
  }

  async listLesionLinks(filter: LinkFilter): Promise<LesionLinkRow[]> {
    return listLinks(this.db, filter ?? {});
  }

  /** The study rows of a patient in date order (time, then row id, breaks ties). */
  private studiesInOrder(patientRowId: number): { id: number; date: string | null }[] {
    return this.db.prepare('SELECT id, study_date AS date FROM studies WHERE patient_id = ? ORDER BY study_date, study_time, id').all(patientRowId) as { id: number; date: string | null }[];
  }

  /** The transform from one series' LPS to another's, registering the pair (fixed = `toSeriesId`) when there is no path yet. */
  private async transformOrRegister(fromSeriesId: number, toSeriesId: number): Promise<Mat4> {
    try {
      return this.transformBetween(fromSeriesId, toSeriesId).matrix;
    } catch (e) {
      if (!(e instanceof FollowUpError)) throw e;
      await this.registerSeries({ fixedSeriesId: toSeriesId, movingSeriesId: fromSeriesId });
      return this.transformBetween(fromSeriesId, toSeriesId).matrix;
    }
  }

  /**
   * Every lesion known before the follow-up — the baseline's and those first seen on earlier
   * follow-ups — as found on the latest exam before the follow-up where it has a finding, mapped
   * into the baseline's LPS. A lesion that coalesced into another before the follow-up is not
   * looked for again (the other carries it).
   */
  private async knownBefore(patient: number, bs: number, fs: number): Promise<MatchLesion<number>[]> {
    const studies = this.studiesInOrder(patient);
    const upTo = studies.findIndex((s) => s.id === fs);
    const earlier = studies.slice(0, upTo).reverse();
    const coalesced = new Set(
      (
        this.db
          .prepare(
            `SELECT ln.child_lesion_id AS c FROM lesion_lineage ln JOIN studies st ON st.id = ln.study_id
             WHERE ln.patient_id = ? AND ln.kind = 'merge' AND ln.deleted_at IS NULL AND st.id IN (${earlier.map(() => '?').join(',') || 'NULL'})`,
          )
          .all(patient, ...earlier.map((s) => s.id)) as { c: number }[]
      ).map((r) => r.c),
    );
    const out = new Map<number, MatchLesion<number>>();
    const baselineSeries = this.primarySeries(bs);
    for (const st of earlier) {
      const found = this.findings(st.id).filter((f) => !out.has(f.key) && !coalesced.has(f.key));
      if (!found.length) continue;
      let toBaseline: Mat4 | null = null;
      if (st.id !== bs) toBaseline = await this.transformOrRegister(this.primarySeries(st.id), baselineSeries);
      for (const f of found) {
        out.set(
          f.key,
          toBaseline
            ? { ...f, centroidMm: applyMat4(toBaseline, f.centroidMm), ...(f.samplesMm ? { samplesMm: f.samplesMm.map((p) => applyMat4(toBaseline!, p)) } : {}) }
            : f,
        );
      }
    }
    return [...out.values()];
  }

  /**
   * Match a follow-up exam against every lesion known before it (the baseline's and those first
   * seen on earlier follow-ups, in the baseline's frame): registers the two primary series first
   * when they have no registration, proposes links, confirms the confident ones and queues the
   * rest. A follow-up finding with no counterpart is recorded as a new lesion at this exam, a
   * known lesion with no counterpart as proposed disappeared — both for the reader to review.
   */
  async matchFollowUp(input: { baselineStudyRowId: number; followUpStudyRowId: number }): Promise<FollowUpMatchResult> {
    const bs = requireInt(input?.baselineStudyRowId, 'study id');
    const fs = requireInt(input.followUpStudyRowId, 'study id');
    const patient = this.studyPatient(bs);
    if (this.studyPatient(fs) !== patient) throw new FollowUpError(`studies ${bs} and ${fs} belong to different patients`);
    if (bs === fs) throw new FollowUpError('the baseline and the follow-up are the same exam');
    const order = this.studiesInOrder(patient).map((s) => s.id);
    if (order.indexOf(bs) > order.indexOf(fs)) throw new FollowUpError(`study ${bs} is later than study ${fs}: match a follow-up to an earlier baseline`);
    assertExamOpen(this.db, fs, 'match the exam');
    const warnings: string[] = [];
    const fixed = this.primarySeries(bs);
    const moving = this.primarySeries(fs);
    let registration = currentRegistration(this.db, fixed, moving);
    if (!registration) {
      const a = getSeriesRow(this.db, fixed)!;
      const b = getSeriesRow(this.db, moving)!;
      if (a.frameOfReferenceUid && a.frameOfReferenceUid === b.frameOfReferenceUid) warnings.push('both exams share a frame of reference: matched without registration');
      else registration = await this.registerSeries({ fixedSeriesId: fixed, movingSeriesId: moving });
    }
    const matrix = registration?.matrix4x4 ?? identityMat4();

    const prior = await this.knownBefore(patient, bs, fs);
    const followUp = this.findings(fs);
    const priorKeys = new Set(prior.map((p) => p.key));
    // A lesion with a finding (or a status the reader set) on the follow-up already continues there.
    const decidedHere = new Set(
      (this.db.prepare('SELECT lesion_id AS l FROM lesion_assessments WHERE study_id = ?').all(fs) as { l: number }[]).map((r) => r.l),
    );
    const inBoth = new Set(followUp.map((f) => f.key).filter((k) => priorKeys.has(k)));
    const decided = linkPairs(this.db, bs, fs, 'confirmed');
    const takenB = new Set([...inBoth, ...decidedHere, ...decided.map((d) => d.from)]);
    const takenF = new Set([...inBoth, ...decided.map((d) => d.to)]);
    const rejected = new Set(linkPairs(this.db, bs, fs, 'rejected').map((r) => `${r.from}>${r.to}>${r.kind}`));
    const result = matchLesions(
      prior.filter((b) => !takenB.has(b.key)),
      followUp.filter((f) => !takenF.has(f.key)),
      matrix,
      { reviewBelow: this.reviewBelow },
    );

    const toConfirm: number[] = [];
    transaction(this.db, () => {
      clearProposedMatches(this.db, patient, bs, fs);
      clearProposedFindings(this.db, patient, fs);
      for (const l of result.links) {
        if (rejected.has(`${l.baseline}>${l.followUp}>${l.kind}`)) continue;
        const id = insertLink(this.db, {
          patientRowId: patient,
          baselineStudyRowId: bs,
          followUpStudyRowId: fs,
          registrationId: registration?.id ?? null,
          kind: l.kind,
          fromLesionId: l.baseline,
          toLesionId: l.followUp,
          confidence: l.confidence,
          distanceMm: l.distanceMm,
          overlap: l.overlap,
          cost: l.cost,
          source: 'matching',
        });
        if (!l.needsReview) toConfirm.push(id);
      }
      // Confident matches first, so a merge that follows one of them finds its target.
      for (const id of toConfirm) this.applyConfirm(id, true);
      for (const lesionId of result.newLesions) insertFinding(this.db, { patientRowId: patient, baselineStudyRowId: bs, followUpStudyRowId: fs, lesionId, kind: 'new' });
      for (const lesionId of result.disappeared) insertFinding(this.db, { patientRowId: patient, baselineStudyRowId: bs, followUpStudyRowId: fs, lesionId, kind: 'disappeared' });
    });
    return {
      baselineStudyRowId: bs,
      followUpStudyRowId: fs,
      registrationId: registration?.id ?? null,
      warnings,
      links: listLinks(this.db, { baselineStudyRowId: bs, followUpStudyRowId: fs }),
      newLesionIds: result.newLesions,
      disappearedLesionIds: result.disappeared,
      findings: listFindings(this.db, { followUpStudyRowId: fs }),
    };
  }

  async confirmLesionLink(linkId: number): Promise<LesionLinkRow> {
    const id = requireInt(linkId, 'link id');
    transaction(this.db, () => {
      assertExamOpen(this.db, this.getLink(id).followUpStudyRowId, `confirm link ${id}`);
      this.applyConfirm(id, false);
    });
    return this.getLink(id);
  }

  /** Reject a proposed link, or unlink a confirmed one (undoing what confirming did). */
  async rejectLesionLink(linkId: number): Promise<LesionLinkRow> {
    const id = requireInt(linkId, 'link id');
    transaction(this.db, () => {
      const before = this.getLink(id);
      if (before.status === 'rejected') return;
      assertExamOpen(this.db, before.followUpStudyRowId, `${before.status === 'confirmed' ? 'unlink' : 'reject'} link ${id}`);
      if (before.status === 'confirmed') this.undo(before);
      markLinkRejected(this.db, before);
      audit(this.db, 'lesion-link', id, 'update', before, this.getLink(id));
    });
    return this.getLink(id);
  }

  /** A link the radiologist makes (relink, or declare a split / merge), confirmed at once. */
  async linkLesions(input: { baselineStudyRowId: number; followUpStudyRowId: number; fromLesionId: number; toLesionId: number; kind: LesionLinkRow['kind'] }): Promise<LesionLinkRow> {
    if (!input) throw invalid('linkLesions needs { baselineStudyRowId, followUpStudyRowId, fromLesionId, toLesionId, kind }');
    for (const k of ['baselineStudyRowId', 'followUpStudyRowId', 'fromLesionId', 'toLesionId'] as const) requireInt(input[k], k);
    const patient = this.studyPatient(input.baselineStudyRowId);
    if (this.studyPatient(input.followUpStudyRowId) !== patient) throw new FollowUpError('the two exams belong to different patients');
    if (!['match', 'split', 'merge'].includes(input.kind)) throw new FollowUpError('kind must be match, split or merge');
    for (const lid of [input.fromLesionId, input.toLesionId]) if (getLesion(this.db, lid).patientRowId !== patient) throw new FollowUpError(`lesion ${lid} belongs to another patient`);
    if (input.fromLesionId === input.toLesionId) throw new FollowUpError('a lesion cannot be linked to itself');
    const id = transaction(this.db, () => {
      assertExamOpen(this.db, input.followUpStudyRowId, 'link lesions');
      const linkId = insertLink(this.db, {
        patientRowId: patient,
        baselineStudyRowId: input.baselineStudyRowId,
        followUpStudyRowId: input.followUpStudyRowId,
        kind: input.kind,
        fromLesionId: input.fromLesionId,
        toLesionId: input.toLesionId,
        source: 'manual',
      });
      this.applyConfirm(linkId, false);
      return linkId;
    });
    return this.getLink(id);
  }

  /** Within a transaction: make a link's effect (through each table's owner) and mark it confirmed. */
  private applyConfirm(id: number, auto: boolean): void {
    const before = this.getLink(id);
    if (before.status !== 'proposed') throw new FollowUpError(`link ${id} is already ${before.status}`);
    const fs = before.followUpStudyRowId;
    const effect: LinkEffect = {};
    // A link explains both lesions on this exam: what matching found unexplained about them no longer holds.
    this.clearFindingsOf(fs, before.kind === 'split' ? [before.toLesionId] : [before.fromLesionId, before.toLesionId]);
    if (before.kind === 'match') {
      // The follow-up finding continues the baseline lesion's identity.
      const seriesIds = seriesIdsOfStudy(this.db, fs);
      effect.measurements = measurementIdsOn(this.db, before.toLesionId, seriesIds);
      effect.segmentations = segmentationIdsOn(this.db, before.toLesionId, seriesIds);
      effect.proposals = proposalIdsOn(this.db, before.toLesionId, seriesIds);
      reassignMeasurements(this.db, effect.measurements, before.fromLesionId);
      reassignSegmentations(this.db, effect.segmentations, before.fromLesionId);
      reassignProposals(this.db, effect.proposals, before.fromLesionId);
      if (moveAssessment(this.db, before.toLesionId, before.fromLesionId, fs)) effect.assessments = [fs];
      if (!hasLiveFindings(this.db, before.toLesionId)) {
        retireLesion(this.db, before.toLesionId, { continuedAs: before.fromLabel, link: id });
        effect.retired = true;
      }
    } else {
      // split: the follow-up finding is a fragment of the baseline lesion.
      // merge: the baseline lesion coalesced into the follow-up finding — or into the lesion
      // that finding was matched to, when that match is confirmed.
      let parent = before.kind === 'split' ? before.fromLesionId : before.toLesionId;
      let child = before.kind === 'split' ? before.toLesionId : before.fromLesionId;
      if (before.kind === 'merge') {
        const matched = confirmedMatchOf(this.db, before.toLesionId, fs);
        if (matched !== null) parent = matched;
        if (parent === child) child = before.fromLesionId;
      }
      effect.lineageId = insertLineage(this.db, { patientRowId: before.patientRowId, kind: before.kind, parentLesionId: parent, childLesionId: child, studyRowId: fs, linkId: id });
    }
    markLinkConfirmed(this.db, before, auto, effect);
    audit(this.db, 'lesion-link', id, 'update', before, this.getLink(id));
  }

  // ---- findings (new, disappeared) and the review queue ----

  /** Within a transaction: forget what matching found about these lesions on an exam, undoing any decision first. */
  private clearFindingsOf(followUpStudyRowId: number, lesionIds: number[]): void {
    for (const f of listFindings(this.db, { followUpStudyRowId })) {
      if (!lesionIds.includes(f.lesionId)) continue;
      if (f.status !== 'proposed') this.undoFinding(f);
      deleteFinding(this.db, f);
      audit(this.db, 'followup-finding', f.id, 'delete', f, null);
    }
  }

  private undoFinding(f: FollowUpFindingRow): void {
    const effect = findingEffect(this.db, f.id);
    if (effect.retired) restoreLesion(this.db, f.lesionId);
    if (effect.statusWritten) setLesionAssessment(this.db, f.lesionId, f.followUpStudyRowId, effect.statusWritten.previous);
  }

  /**
   * The reader's decision on a finding. New lesion: confirm (an unequivocal new lesion: PD),
   * equivocal (RECIST 1.1 §4.3.5: PD only once a later exam confirms it, dated from this exam),
   * reject (not a lesion: the identity is retired, and an accepted AI proposal counts as a false
   * positive). Disappeared: confirm (a target counts 0 mm) or reject (it is there: measure it).
   * Reopen takes a decision back, undoing what it changed.
   */
  async decideFinding(input: { findingId: number; decision: 'confirm' | 'reject' | 'equivocal' | 'reopen' }): Promise<FollowUpFindingRow> {
    const id = requireInt(input?.findingId, 'finding id');
    const decision = input.decision;
    if (!['confirm', 'reject', 'equivocal', 'reopen'].includes(decision)) throw invalid('decision must be confirm, reject, equivocal or reopen');
    transaction(this.db, () => {
      const before = getFinding(this.db, id);
      assertExamOpen(this.db, before.followUpStudyRowId, `decide finding-${id} (${before.label})`);
      if (decision === 'reopen') {
        if (before.status === 'proposed') throw new FollowUpError(`finding-${id} (${before.label}) is not decided yet`);
        this.undoFinding(before);
        markFinding(this.db, before, 'proposed', null);
      } else {
        if (before.status !== 'proposed') throw new FollowUpError(`finding-${id} (${before.label} ${before.kind}) is already ${before.status}; reopen it first`);
        if (decision === 'equivocal' && before.kind !== 'new') throw new FollowUpError(`finding-${id}: only a new lesion can be equivocal`);
        const fs = before.followUpStudyRowId;
        const effect: FindingEffect = {};
        if (before.kind === 'new' && decision === 'equivocal') {
          effect.statusWritten = { previous: lesionAssessmentStatus(this.db, before.lesionId, fs) };
          setLesionAssessment(this.db, before.lesionId, fs, 'equivocal');
        } else if (before.kind === 'new' && decision === 'reject') {
          recordNotALesion(this.db, before.lesionId);
          retireLesion(this.db, before.lesionId, { notALesion: true, finding: id });
          effect.retired = true;
        } else if (before.kind === 'disappeared' && decision === 'confirm') {
          effect.statusWritten = { previous: lesionAssessmentStatus(this.db, before.lesionId, fs) };
          setLesionAssessment(this.db, before.lesionId, fs, 'disappeared');
        }
        markFinding(this.db, before, decision === 'confirm' ? 'confirmed' : decision === 'reject' ? 'rejected' : 'equivocal', effect);
      }
      audit(this.db, 'followup-finding', id, 'update', before, getFinding(this.db, id));
    });
    return getFinding(this.db, id);
  }

  /** A patient's review queue: proposed links and findings (with `includeDecided`, the decided ones too). */
  async getReviewQueue(input: { patientRowId: number; includeDecided?: boolean }): Promise<FollowUpReviewItem[]> {
    const patientRowId = requireInt(input?.patientRowId, 'patient id');
    const all = input.includeDecided === true;
    const dateOf = new Map(this.studiesInOrder(patientRowId).map((s) => [s.id, s.date ?? `study ${s.id}`]));
    const items: FollowUpReviewItem[] = [];
    for (const l of listLinks(this.db, { patientRowId })) {
      if (!all && l.status !== 'proposed') continue;
      const on = dateOf.get(l.followUpStudyRowId);
      const description =
        l.kind === 'match'
          ? `${l.toLabel} on ${on} continues ${l.fromLabel}${l.distanceMm !== null ? ` (${l.distanceMm.toFixed(1)} mm apart after registration)` : ''}`
          : l.kind === 'split'
            ? `${l.toLabel} on ${on} is a fragment of ${l.fromLabel} (split: RECIST sums the fragments)`
            : `${l.fromLabel} coalesced into ${l.toLabel} on ${on} (merge: the coalesced lesion is measured once)`;
      items.push({
        itemId: `link-${l.id}`,
        kind: l.kind,
        status: l.status,
        baselineStudyRowId: l.baselineStudyRowId,
        followUpStudyRowId: l.followUpStudyRowId,
        lesionLabels: [l.fromLabel, l.toLabel],
        confidence: l.confidence,
        description,
        decisions: l.status === 'proposed' ? ['confirm', 'reject'] : l.status === 'confirmed' ? ['reject'] : [],
      });
    }
    for (const f of listFindings(this.db, { patientRowId })) {
      if (!all && f.status !== 'proposed') continue;
      const on = dateOf.get(f.followUpStudyRowId);
      const description =
        f.kind === 'new'
          ? `${f.label} is first seen on ${on}, with no counterpart among the lesions known before: a new lesion (PD) unless marked equivocal or not a lesion`
          : `${f.label} has no counterpart on ${on}: confirm it disappeared (0 mm) or measure it`;
      items.push({
        itemId: `finding-${f.id}`,
        kind: f.kind,
        status: f.status,
        baselineStudyRowId: f.baselineStudyRowId,
        followUpStudyRowId: f.followUpStudyRowId,
        lesionLabels: [f.label],
        confidence: null,
        description,
        decisions: f.status !== 'proposed' ? ['reopen'] : f.kind === 'new' ? ['confirm', 'equivocal', 'reject'] : ['confirm', 'reject'],
      });
    }
    return items;
  }

  /** Decide one review item by its id (`link-<id>` or `finding-<id>`), as the CLI's followup confirm / reject / equivocal do. */
  async decideReviewItem(input: { itemId: string; decision: 'confirm' | 'reject' | 'equivocal' | 'reopen' }): Promise<FollowUpReviewItem> {
    const m = /^(link|finding)-(\d+)$/.exec(String(input?.itemId ?? ''));
    if (!m) throw invalid(`review item "${String(input?.itemId)}" is not an item id: use link-<n> or finding-<n> as listed by the queue`);
    const id = Number(m[2]);
    let patientRowId: number;
    if (m[1] === 'link') {
      if (input.decision === 'confirm') patientRowId = (await this.confirmLesionLink(id)).patientRowId;
      else if (input.decision === 'reject') patientRowId = (await this.rejectLesionLink(id)).patientRowId;
      else throw new FollowUpError(`link-${id}: a link is confirmed or rejected (rejecting a confirmed link unlinks it)`);
    } else patientRowId = (await this.decideFinding({ findingId: id, decision: input.decision })).patientRowId;
    const item = (await this.getReviewQueue({ patientRowId, includeDecided: true })).find((i) => i.itemId === input.itemId);
    if (!item) throw notFound(`review item ${input.itemId} is gone`);
    return item;
  }

  private undo(link: LesionLinkRow): void {
    const effect = linkEffect(this.db, link.id);
    if (effect.retired) restoreLesion(this.db, link.toLesionId);
    reassignMeasurements(this.db, effect.measurements ?? [], link.toLesionId);
    reassignSegmentations(this.db, effect.segmentations ?? [], link.toLesionId);
    reassignProposals(this.db, effect.proposals ?? [], link.toLesionId);
    for (const st of effect.assessments ?? []) moveAssessment(this.db, link.fromLesionId, link.toLesionId, st);
    if (effect.lineageId) retireLineage(this.db, effect.lineageId, link.patientRowId);
  }
}


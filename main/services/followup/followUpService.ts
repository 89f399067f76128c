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
import type { FollowUpMatchResult, LesionLinkRow, RegistrationProgressEvent, Vec3 } from '../../../core/api/types';
import type { FollowUpApi } from '../../../core/api/contract';
import { ApiError, invalid, notFound, requireInt } from '../../../core/api/errors';
import { indexToLps } from '../../../core/dicom/geometry';
import { matchLesions, type MatchLesion } from '../../../core/matching/lesionMatching';
import { applyMat4, identityMat4, type Mat4 } from '../../../core/registration/affine';
import { transformPath } from '../../../core/registration/transformPath';
import { fitLandmarkTransform, type LandmarkPair } from '../../../core/registration/registrationError';
import { audit } from '../audit/auditLog';
import { proposalIdsOn, reassignProposals } from '../inference/aiService';
import { getSeriesRow, primaryImageSeries, seriesIdsOfStudy, seriesPatientId, studyPatientId } from '../library/catalog';
import { getLesion, hasLiveFindings, measurementIdsOn, moveAssessment, reassignMeasurements, restoreLesion, retireLesion } from '../lesions/lesionStore';
import { liverSegmentationOf, readMask, reassignSegmentations, segmentationIdsOn } from '../segmentation/segmentationStore';
import { transaction } from '../registry/changes';
import type { Db } from '../registry/db';
import { registerInWorker, type ElastixStage, type RegistrationProgress } from '../registration/elastixRegistration';
import { currentRegistration, listRegistrations, saveRegistration, type RegistrationRecord } from '../registration/registrationStore';
import type { VolumeAccess } from '../volumes/volumeAccess';
import {
  clearProposedMatches,
  confirmedMatchOf,
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

  /**
   * Match a follow-up exam to the baseline: registers the two primary series first when they
   * have no registration, proposes links, confirms the confident ones, queues the rest.
   */
  async matchFollowUp(input: { baselineStudyRowId: number; followUpStudyRowId: number }): Promise<FollowUpMatchResult> {
    const bs = requireInt(input?.baselineStudyRowId, 'study id');
    const fs = requireInt(input.followUpStudyRowId, 'study id');
    const patient = this.studyPatient(bs);
    if (this.studyPatient(fs) !== patient) throw new FollowUpError(`studies ${bs} and ${fs} belong to different patients`);
    if (bs === fs) throw new FollowUpError('the baseline and the follow-up are the same exam');
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

    const baseline = this.findings(bs);
    const followUp = this.findings(fs);
    const inBoth = new Set(baseline.map((b) => b.key).filter((k) => followUp.some((f) => f.key === k)));
    const decided = linkPairs(this.db, bs, fs, 'confirmed');
    const takenB = new Set([...inBoth, ...decided.map((d) => d.from)]);
    const takenF = new Set([...inBoth, ...decided.map((d) => d.to)]);
    const rejected = new Set(linkPairs(this.db, bs, fs, 'rejected').map((r) => `${r.from}>${r.to}>${r.kind}`));
    const result = matchLesions(
      baseline.filter((b) => !takenB.has(b.key)),
      followUp.filter((f) => !takenF.has(f.key)),
      matrix,
      { reviewBelow: this.reviewBelow },
    );

    const toConfirm: number[] = [];
    transaction(this.db, () => {
      clearProposedMatches(this.db, patient, bs, fs);
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
    });
    return {
      baselineStudyRowId: bs,
      followUpStudyRowId: fs,
      registrationId: registration?.id ?? null,
      warnings,
      links: listLinks(this.db, { baselineStudyRowId: bs, followUpStudyRowId: fs }),
      newLesionIds: result.newLesions,
      disappearedLesionIds: result.disappeared,
    };
  }

  async confirmLesionLink(linkId: number): Promise<LesionLinkRow> {
    const id = requireInt(linkId, 'link id');
    transaction(this.db, () => this.applyConfirm(id, false));
    return this.getLink(id);
  }

  /** Reject a proposed link, or unlink a confirmed one (undoing what confirming did). */
  async rejectLesionLink(linkId: number): Promise<LesionLinkRow> {
    const id = requireInt(linkId, 'link id');
    transaction(this.db, () => {
      const before = this.getLink(id);
      if (before.status === 'rejected') return;
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

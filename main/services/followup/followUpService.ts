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
import type { FollowUpMatchResult, LesionLinkRow, RegistrationProgressEvent, Vec3, VolumeGeometry } from '../../../core/api/types';
import { indexToLps } from '../../../core/dicom/geometry';
import { matchLesions, type MatchLesion } from '../../../core/matching/lesionMatching';
import { applyMat4, composeMat4, identityMat4, invertMat4, type Mat4 } from '../../../core/registration/affine';
import { fitLandmarkTransform, type LandmarkPair } from '../../../core/registration/registrationError';
import { getSeriesRow } from '../library/catalog';
import { audit, getLesion } from '../lesions/lesionStore';
import { readMask } from '../lesions/segmentationStore';
import type { Db } from '../registry/db';
import { registerInWorker, type ElastixStage, type RegistrationProgress } from '../registration/elastixRegistration';
import { currentRegistration, saveRegistration, type RegistrationRecord } from '../registration/registrationStore';

export class FollowUpError extends Error {
  readonly status = 400;
}

interface LinkRow {
  id: number;
  patient_id: number;
  baseline_study_id: number;
  followup_study_id: number;
  registration_id: number | null;
  kind: LesionLinkRow['kind'];
  from_lesion_id: number;
  to_lesion_id: number;
  confidence: number | null;
  distance_mm: number | null;
  overlap: number | null;
  source: LesionLinkRow['source'];
  status: LesionLinkRow['status'];
  auto: number;
  effect_json: string | null;
  created_at: string;
  decided_at: string | null;
  from_label: string;
  to_label: string;
}

interface Effect {
  measurements?: number[];
  segmentations?: number[];
  proposals?: number[];
  assessments?: number[];
  retired?: boolean;
  lineageId?: number;
}

const now = (): string => new Date().toISOString();
const LINK_SELECT = `SELECT k.*, lf.label AS from_label, lt.label AS to_label FROM lesion_links k
  JOIN lesions lf ON lf.id = k.from_lesion_id JOIN lesions lt ON lt.id = k.to_lesion_id`;

function toLink(r: LinkRow): LesionLinkRow {
  return {
    id: r.id,
    patientRowId: r.patient_id,
    baselineStudyRowId: r.baseline_study_id,
    followUpStudyRowId: r.followup_study_id,
    registrationId: r.registration_id,
    kind: r.kind,
    fromLesionId: r.from_lesion_id,
    fromLabel: r.from_label,
    toLesionId: r.to_lesion_id,
    toLabel: r.to_label,
    confidence: r.confidence,
    distanceMm: r.distance_mm,
    overlap: r.overlap,
    source: r.source,
    status: r.status,
    auto: r.auto === 1,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
  };
}

export interface FollowUpDeps {
  db: Db;
  homeDir: string;
  seriesVolume: (seriesId: number) => Promise<{ geometry: VolumeGeometry; voxels: Int16Array }>;
  emit: (e: RegistrationProgressEvent) => void;
}

export class FollowUpService {
  /** Links below this confidence wait for the radiologist. */
  readonly reviewBelow = 0.6;

  constructor(private readonly deps: FollowUpDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  // ---- exams and series ----

  private studyPatient(studyRowId: number): number {
    const r = this.db.prepare('SELECT patient_id AS p FROM studies WHERE id = ?').get(studyRowId) as { p: number } | undefined;
    if (!r) throw Object.assign(new Error(`study ${studyRowId} is not in the library`), { status: 404 });
    return r.p;
  }

  /** The image series a study is read on: the CT (else any) volume with the most slices. */
  primarySeries(studyRowId: number): number {
    const r = this.db
      .prepare(
        `SELECT id FROM series WHERE study_id = ? AND geometry_json IS NOT NULL
         ORDER BY (modality = 'CT') DESC, slice_count DESC, id LIMIT 1`,
      )
      .get(studyRowId) as { id: number } | undefined;
    if (!r) throw new FollowUpError(`study ${studyRowId} has no image series`);
    return r.id;
  }

  // ---- registration ----

  /** Register the moving (follow-up) series to the fixed (baseline) one with elastix; stored as the pair's current transform. */
  async registerSeries(input: { fixedSeriesId: number; movingSeriesId: number; transform?: ElastixStage }): Promise<RegistrationRecord> {
    const { fixedSeriesId, movingSeriesId } = input;
    const emit = (phase: string, state: RegistrationProgressEvent['state'], fraction: number, error: string | null = null) =>
      this.deps.emit({ fixedSeriesId, movingSeriesId, phase, state, fraction, error });
    try {
      emit('loading', 'started', 0);
      const [fixed, moving] = [await this.deps.seriesVolume(fixedSeriesId), await this.deps.seriesVolume(movingSeriesId)];
      // The liver mask of the baseline, when there is one, keeps the metric on the organ that is followed.
      const liver = this.db
        .prepare("SELECT id FROM segmentations WHERE series_id = ? AND structure = 'liver' AND deleted_at IS NULL ORDER BY updated_at DESC LIMIT 1")
        .get(fixedSeriesId) as { id: number } | undefined;
      const fixedMask = liver ? readMask(this.db, this.deps.homeDir, liver.id) : undefined;
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
  setLandmarkRegistration(input: { fixedSeriesId: number; movingSeriesId: number; pairs: LandmarkPair[]; kind?: 'rigid' | 'affine' }): RegistrationRecord {
    const pairs = input.pairs;
    if (!Array.isArray(pairs) || pairs.length < 3) throw new FollowUpError('a manual registration needs at least three pairs of corresponding points');
    const kind = input.kind ?? 'rigid';
    const fit = fitLandmarkTransform(pairs, kind);
    return saveRegistration(this.db, {
      fixedSeriesId: input.fixedSeriesId,
      movingSeriesId: input.movingSeriesId,
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
    if (!a || !b) throw Object.assign(new Error(`series ${!a ? fromSeriesId : toSeriesId} is not in the library`), { status: 404 });
    if (a.frameOfReferenceUid && a.frameOfReferenceUid === b.frameOfReferenceUid) return { matrix: identityMat4(), registrationIds: [] };
    const direct = currentRegistration(this.db, fromSeriesId, toSeriesId);
    if (direct) return { matrix: direct.matrix4x4, registrationIds: [direct.id] };
    const reverse = currentRegistration(this.db, toSeriesId, fromSeriesId);
    if (reverse) return { matrix: invertMat4(reverse.matrix4x4), registrationIds: [reverse.id] };
    // Both registered to the same baseline: A → baseline → B.
    const viaA = this.db.prepare("SELECT id, fixed_series_id AS f FROM registrations WHERE moving_series_id = ? AND status = 'current'").all(fromSeriesId) as { id: number; f: number }[];
    for (const r of viaA) {
      const toB = currentRegistration(this.db, r.f, toSeriesId);
      const fromA = currentRegistration(this.db, r.f, fromSeriesId)!;
      if (toB) return { matrix: composeMat4(toB.matrix4x4, invertMat4(fromA.matrix4x4)), registrationIds: [fromA.id, toB.id] };
    }
    throw new FollowUpError(`series ${fromSeriesId} and ${toSeriesId} have no registration between them; register the follow-up to its baseline first`);
  }

  /** Synchronized navigation: where a point of one series lies in another. */
  mapPoint(input: { fromSeriesId: number; toSeriesId: number; pointLps: Vec3 }): { pointLps: Vec3; registrationIds: number[] } {
    const t = this.transformBetween(input.fromSeriesId, input.toSeriesId);
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

  getLink(id: number): LesionLinkRow {
    const r = this.db.prepare(`${LINK_SELECT} WHERE k.id = ?`).get(id) as LinkRow | undefined;
    if (!r) throw Object.assign(new Error(`lesion link ${id} does not exist`), { status: 404 });
    return toLink(r);
  }

  listLinks(filter: { patientRowId?: number; status?: LesionLinkRow['status']; baselineStudyRowId?: number; followUpStudyRowId?: number }): LesionLinkRow[] {
    const where: string[] = [];
    const args: (number | string)[] = [];
    if (filter.patientRowId !== undefined) where.push('k.patient_id = ?') && args.push(filter.patientRowId);
    if (filter.status !== undefined) where.push('k.status = ?') && args.push(filter.status);
    if (filter.baselineStudyRowId !== undefined) where.push('k.baseline_study_id = ?') && args.push(filter.baselineStudyRowId);
    if (filter.followUpStudyRowId !== undefined) where.push('k.followup_study_id = ?') && args.push(filter.followUpStudyRowId);
    const rows = this.db.prepare(`${LINK_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY k.status = 'proposed' DESC, k.confidence, k.id`).all(...args) as LinkRow[];
    return rows.map(toLink);
  }

  /**
   * Match a follow-up exam to the baseline: registers the two primary series first when they
   * have no registration, proposes links, confirms the confident ones, queues the rest.
   */
  async matchFollowUp(input: { baselineStudyRowId: number; followUpStudyRowId: number }): Promise<FollowUpMatchResult> {
    const { baselineStudyRowId: bs, followUpStudyRowId: fs } = input;
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
    const decided = this.db
      .prepare("SELECT from_lesion_id AS f, to_lesion_id AS t FROM lesion_links WHERE baseline_study_id = ? AND followup_study_id = ? AND status = 'confirmed'")
      .all(bs, fs) as { f: number; t: number }[];
    const takenB = new Set([...inBoth, ...decided.map((d) => d.f)]);
    const takenF = new Set([...inBoth, ...decided.map((d) => d.t)]);
    const rejected = new Set(
      (this.db.prepare("SELECT from_lesion_id AS f, to_lesion_id AS t, kind FROM lesion_links WHERE baseline_study_id = ? AND followup_study_id = ? AND status = 'rejected'").all(bs, fs) as {
        f: number;
        t: number;
        kind: string;
      }[]).map((r) => `${r.f}>${r.t}>${r.kind}`),
    );
    const result = matchLesions(
      baseline.filter((b) => !takenB.has(b.key)),
      followUp.filter((f) => !takenF.has(f.key)),
      matrix,
      { reviewBelow: this.reviewBelow },
    );

    const toConfirm: number[] = [];
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM lesion_links WHERE baseline_study_id = ? AND followup_study_id = ? AND status = 'proposed' AND source = 'matching'").run(bs, fs);
      const insert = this.db.prepare(
        `INSERT INTO lesion_links (patient_id, baseline_study_id, followup_study_id, registration_id, kind, from_lesion_id, to_lesion_id, confidence, distance_mm, overlap, cost, source, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'matching', 'proposed', ?)`,
      );
      for (const l of result.links) {
        if (rejected.has(`${l.baseline}>${l.followUp}>${l.kind}`)) continue;
        const id = Number(insert.run(patient, bs, fs, registration?.id ?? null, l.kind, l.baseline, l.followUp, l.confidence, l.distanceMm, l.overlap, l.cost, now()).lastInsertRowid);
        if (!l.needsReview) toConfirm.push(id);
      }
      // Confident matches first, so a merge that follows one of them finds its target.
      for (const id of toConfirm) this.applyConfirm(id, true);
    })();
    return {
      baselineStudyRowId: bs,
      followUpStudyRowId: fs,
      registrationId: registration?.id ?? null,
      warnings,
      links: this.listLinks({ baselineStudyRowId: bs, followUpStudyRowId: fs }),
      newLesionIds: result.newLesions,
      disappearedLesionIds: result.disappeared,
    };
  }

  confirmLink(id: number): LesionLinkRow {
    this.db.transaction(() => this.applyConfirm(id, false))();
    return this.getLink(id);
  }

  /** Reject a proposed link, or unlink a confirmed one (undoing what confirming did). */
  rejectLink(id: number): LesionLinkRow {
    this.db.transaction(() => {
      const before = this.getLink(id);
      if (before.status === 'rejected') return;
      if (before.status === 'confirmed') this.undo(id);
      this.db.prepare("UPDATE lesion_links SET status = 'rejected', decided_at = ?, effect_json = NULL WHERE id = ?").run(now(), id);
      audit(this.db, 'lesion-link', id, 'update', before, this.getLink(id));
    })();
    return this.getLink(id);
  }

  /** A link the radiologist makes (relink, or declare a split / merge), confirmed at once. */
  linkLesions(input: { baselineStudyRowId: number; followUpStudyRowId: number; fromLesionId: number; toLesionId: number; kind: LesionLinkRow['kind'] }): LesionLinkRow {
    const patient = this.studyPatient(input.baselineStudyRowId);
    if (this.studyPatient(input.followUpStudyRowId) !== patient) throw new FollowUpError('the two exams belong to different patients');
    if (!['match', 'split', 'merge'].includes(input.kind)) throw new FollowUpError('kind must be match, split or merge');
    for (const lid of [input.fromLesionId, input.toLesionId]) if (getLesion(this.db, lid).patientRowId !== patient) throw new FollowUpError(`lesion ${lid} belongs to another patient`);
    if (input.fromLesionId === input.toLesionId) throw new FollowUpError('a lesion cannot be linked to itself');
    let id = 0;
    this.db.transaction(() => {
      id = Number(
        this.db
          .prepare(
            `INSERT INTO lesion_links (patient_id, baseline_study_id, followup_study_id, kind, from_lesion_id, to_lesion_id, source, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'manual', 'proposed', ?)`,
          )
          .run(patient, input.baselineStudyRowId, input.followUpStudyRowId, input.kind, input.fromLesionId, input.toLesionId, now()).lastInsertRowid,
      );
      this.applyConfirm(id, false);
    })();
    return this.getLink(id);
  }

  /** Within a transaction: make a link's effect and mark it confirmed. */
  private applyConfirm(id: number, auto: boolean): void {
    const before = this.getLink(id);
    if (before.status !== 'proposed') throw new FollowUpError(`link ${id} is already ${before.status}`);
    const fs = before.followUpStudyRowId;
    const effect: Effect = {};
    if (before.kind === 'match') {
      // The follow-up finding continues the baseline lesion's identity.
      const seriesIds = (this.db.prepare('SELECT id FROM series WHERE study_id = ?').all(fs) as { id: number }[]).map((r) => r.id);
      const inList = seriesIds.map(() => '?').join(',') || 'NULL';
      const ids = (table: string) =>
        (this.db.prepare(`SELECT id FROM ${table} WHERE lesion_id = ? AND series_id IN (${inList}) AND deleted_at IS NULL`).all(before.toLesionId, ...seriesIds) as { id: number }[]).map((r) => r.id);
      effect.measurements = ids('measurements');
      effect.segmentations = ids('segmentations');
      effect.proposals = (this.db.prepare(`SELECT id FROM ai_proposals WHERE lesion_id = ? AND series_id IN (${inList})`).all(before.toLesionId, ...seriesIds) as { id: number }[]).map((r) => r.id);
      for (const m of effect.measurements) this.db.prepare('UPDATE measurements SET lesion_id = ? WHERE id = ?').run(before.fromLesionId, m);
      for (const s of effect.segmentations) this.db.prepare('UPDATE segmentations SET lesion_id = ? WHERE id = ?').run(before.fromLesionId, s);
      for (const p of effect.proposals) this.db.prepare('UPDATE ai_proposals SET lesion_id = ? WHERE id = ?').run(before.fromLesionId, p);
      const hasOwn = this.db.prepare('SELECT 1 FROM lesion_assessments WHERE lesion_id = ? AND study_id = ?').get(before.fromLesionId, fs);
      if (!hasOwn && this.db.prepare('SELECT 1 FROM lesion_assessments WHERE lesion_id = ? AND study_id = ?').get(before.toLesionId, fs)) {
        this.db.prepare('UPDATE lesion_assessments SET lesion_id = ? WHERE lesion_id = ? AND study_id = ?').run(before.fromLesionId, before.toLesionId, fs);
        effect.assessments = [fs];
      }
      const left = this.db
        .prepare('SELECT (SELECT COUNT(*) FROM measurements WHERE lesion_id = ? AND deleted_at IS NULL) + (SELECT COUNT(*) FROM segmentations WHERE lesion_id = ? AND deleted_at IS NULL) AS n')
        .get(before.toLesionId, before.toLesionId) as { n: number };
      if (left.n === 0) {
        const retiredBefore = getLesion(this.db, before.toLesionId);
        this.db.prepare('UPDATE lesions SET deleted_at = ? WHERE id = ?').run(now(), before.toLesionId);
        effect.retired = true;
        audit(this.db, 'lesion', before.toLesionId, 'delete', retiredBefore, { ...retiredBefore, continuedAs: before.fromLabel, link: id });
      }
    } else {
      // split: the follow-up finding is a fragment of the baseline lesion.
      // merge: the baseline lesion coalesced into the follow-up finding — or into the lesion
      // that finding was matched to, when that match is confirmed.
      let parent = before.kind === 'split' ? before.fromLesionId : before.toLesionId;
      let child = before.kind === 'split' ? before.toLesionId : before.fromLesionId;
      if (before.kind === 'merge') {
        const m = this.db
          .prepare("SELECT from_lesion_id AS f FROM lesion_links WHERE kind = 'match' AND status = 'confirmed' AND to_lesion_id = ? AND followup_study_id = ?")
          .get(before.toLesionId, fs) as { f: number } | undefined;
        if (m) parent = m.f;
        if (parent === child) child = before.fromLesionId;
      }
      effect.lineageId = Number(
        this.db
          .prepare('INSERT INTO lesion_lineage (patient_id, kind, parent_lesion_id, child_lesion_id, study_id, link_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(before.patientRowId, before.kind, parent, child, fs, id, now()).lastInsertRowid,
      );
    }
    this.db.prepare("UPDATE lesion_links SET status = 'confirmed', auto = ?, decided_at = ?, effect_json = ? WHERE id = ?").run(auto ? 1 : 0, now(), JSON.stringify(effect), id);
    audit(this.db, 'lesion-link', id, 'update', before, this.getLink(id));
  }

  private undo(id: number): void {
    const link = this.getLink(id);
    const row = this.db.prepare('SELECT effect_json FROM lesion_links WHERE id = ?').get(id) as { effect_json: string | null };
    const effect = (row.effect_json ? JSON.parse(row.effect_json) : {}) as Effect;
    if (effect.retired) {
      this.db.prepare('UPDATE lesions SET deleted_at = NULL WHERE id = ?').run(link.toLesionId);
      audit(this.db, 'lesion', link.toLesionId, 'restore', null, getLesion(this.db, link.toLesionId));
    }
    for (const m of effect.measurements ?? []) this.db.prepare('UPDATE measurements SET lesion_id = ? WHERE id = ?').run(link.toLesionId, m);
    for (const s of effect.segmentations ?? []) this.db.prepare('UPDATE segmentations SET lesion_id = ? WHERE id = ?').run(link.toLesionId, s);
    for (const p of effect.proposals ?? []) this.db.prepare('UPDATE ai_proposals SET lesion_id = ? WHERE id = ?').run(link.toLesionId, p);
    for (const st of effect.assessments ?? []) this.db.prepare('UPDATE lesion_assessments SET lesion_id = ? WHERE lesion_id = ? AND study_id = ?').run(link.toLesionId, link.fromLesionId, st);
    if (effect.lineageId) this.db.prepare('UPDATE lesion_lineage SET deleted_at = ? WHERE id = ?').run(now(), effect.lineageId);
  }
}

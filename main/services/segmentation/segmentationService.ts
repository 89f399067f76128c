/**
 * The segmentation domain: masks on a series' grid (lesions and the liver), their
 * auto-bidirectional measurement, and DICOM SEG segments placed as masks. Writes go
 * through segmentationStore.ts, the only writer of `segmentations`; the measurement a
 * mask gives, and the lesions a placed SEG brings, are written by the lesions domain's store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SegmentationApi } from '../../../core/api/contract';
import type { SegPlacementResult } from '../../../core/api/domains/segmentation';
import { invalid, notFound, requireInt } from '../../../core/api/errors';
import { decodeMaskRle, encodeMaskRle, type MaskRle } from '../../../core/api/maskRle';
import type { Lesion, Segmentation } from '../../../core/api/types';
import { autoBidirectional } from '../../../core/segmentation';
import { parseSeg, segMasksOnGrid, SEGMENTATION_STORAGE, type SegmentMask, type SegSegment } from '../dicom/seg/index';
import { recordReaderFindings } from '../inference/aiService';
import { listInstances, seriesPatientId } from '../library/catalog';
import { addMeasurement, adoptTrackingUid, createLesion, getLesion, LesionInputError, lesionByTrackingUid } from '../lesions/lesionStore';
import { activeSignoff, assertSeriesOpen } from '../lesions/signoffStore';
import { transaction } from '../registry/changes';
import type { Db } from '../registry/db';
import type { VolumeAccess } from '../volumes/volumeAccess';
import * as segs from './segmentationStore';
import {
  existingMask,
  isAnatomySegment,
  isLesionSegment,
  isLiverSegment,
  keptMaskReason,
  lesionFieldsOfSegment,
  readSegSeries,
  segmentName,
  segmentsOnTarget,
  segmentTrackingUid,
  segTargetSeries,
  type SegTargetSeries,
} from './segPlacement';

export interface SegmentationDeps {
  db: Db;
  homeDir: string;
  volumes: VolumeAccess;
  /** Told when a mask is edited (the AI domain logs the agreement with its model's mask). */
  onMaskEdited: (segmentation: Segmentation, mask: Uint8Array) => void;
}

type Structure = Segmentation['structure'];

export class SegmentationService implements SegmentationApi {
  constructor(private readonly deps: SegmentationDeps) {}

  private get db(): Db {
    return this.deps.db;
  }

  async listSegmentations(filter: { seriesId?: number; lesionId?: number }) {
    return segs.listSegmentations(this.db, filter ?? {});
  }

  async saveSegmentation(input: { seriesId: number; lesionId: number | null; structure: Structure; mask: MaskRle }) {
    const v = await this.deps.volumes.seriesVolume(requireInt(input?.seriesId, 'series id'));
    const saved = await segs.saveSegmentation(this.db, this.deps.homeDir, { ...v, mask: decodeMaskRle(input.mask), lesionId: input.lesionId ?? null, structure: input.structure });
    // A lesion the reader drew by hand on a series a model ran on: a miss of the model unless it proposed it (monitoring, owned by the AI domain; liver masks do not count).
    recordReaderFindings(this.db, saved);
    return saved;
  }

  async updateSegmentation(segmentationId: number, mask: MaskRle) {
    const current = segs.getSegmentation(this.db, requireInt(segmentationId, 'segmentation id'));
    const v = await this.deps.volumes.seriesVolume(current.seriesId);
    const decoded = decodeMaskRle(mask);
    const updated = await segs.updateSegmentationMask(this.db, this.deps.homeDir, current.id, { ...v, mask: decoded });
    this.deps.onMaskEdited(updated, decoded);
    return updated;
  }

  async getSegmentationMask(segmentationId: number, which: 'current' | 'original' = 'current') {
    return encodeMaskRle(segs.readMask(this.db, this.deps.homeDir, requireInt(segmentationId, 'segmentation id'), which));
  }

  async deleteSegmentation(segmentationId: number) {
    segs.deleteSegmentation(this.db, requireInt(segmentationId, 'segmentation id'));
  }

  async measureFromMask(segmentationId: number) {
    const seg = segs.getSegmentation(this.db, requireInt(segmentationId, 'segmentation id'));
    if (seg.lesionId === null) throw invalid(`segmentation ${seg.id} is not a lesion mask`);
    const { geometry } = await this.deps.volumes.seriesVolume(seg.seriesId);
    const bi = autoBidirectional(segs.readMask(this.db, this.deps.homeDir, seg.id), geometry);
    if (!bi) throw invalid(`segmentation ${seg.id} is empty: nothing to measure`);
    return addMeasurement(this.db, { lesionId: seg.lesionId, seriesId: seg.seriesId, kind: 'bidirectional', pointsLps: bi.pointsLps, sliceIndex: bi.sliceIndex, source: 'mask' });
  }

  async importSegSegment(input: { segSeriesId: number; segmentNumber: number; targetSeriesId: number; lesionId: number | null; structure: Structure }) {
    const { volumes, homeDir } = this.deps;
    const segSeries = volumes.seriesRow(input?.segSeriesId);
    const file = listInstances(this.db, segSeries.id).find((i) => i.sopClassUid === SEGMENTATION_STORAGE);
    if (!file) throw invalid(`series ${segSeries.id} holds no DICOM Segmentation`);
    const target = volumes.seriesRow(input.targetSeriesId);
    const v = await volumes.seriesVolume(target.id);
    const doc = parseSeg(readFileSync(join(homeDir, file.path)), file.path);
    const placed = segMasksOnGrid(doc, { geometry: v.geometry, frameOfReferenceUid: target.frameOfReferenceUid || undefined, seriesInstanceUid: target.seriesInstanceUid }, { segmentNumbers: [input.segmentNumber] });
    const segment = placed.segments[0];
    if (!segment) throw notFound(`segment ${input.segmentNumber} is not in series ${segSeries.id}`);
    return segs.saveSegmentation(this.db, homeDir, { ...v, mask: segment.mask, lesionId: input.lesionId ?? null, structure: input.structure, source: 'dicom-seg' });
  }

  /**
   * "Place on CT": every segment of a SEG series on the CT it references. A segment goes onto the
   * patient's lesion with its Tracking UID (a writer that gives none: a UID derived from the SEG
   * and the segment number); without such a lesion, a segment of a lesion category becomes a new
   * lesion that keeps the UID (and its Tracking ID as label when that is a free "L<n>"), since a
   * lesion mask always belongs to a lesion. The liver is the liver mask; other anatomy is not kept.
   * A segment already placed identically is not placed again; on a signed exam nothing changes.
   */
  async importSegMasks(input: { seriesId: number }): Promise<SegPlacementResult> {
    const { db } = this;
    const { homeDir, volumes } = this.deps;
    const segSeriesId = volumes.seriesRow(input?.seriesId).id;
    const patientRowId = seriesPatientId(db, segSeriesId)!;
    const source = readSegSeries(db, homeDir, segSeriesId);
    const result: SegPlacementResult = { segSeriesId, targetSeriesId: null, masks: 0, lesionsMatched: [], lesionsCreated: [], skipped: [] };
    const target = segTargetSeries(db, source.doc);
    const onGrid = 'why' in target ? target : segmentsOnTarget(source, target);
    if ('why' in onGrid) {
      for (const s of source.doc.segments) result.skipped.push(`${segmentName(source, s)}: ${onGrid.why}`);
      return result;
    }
    const ct = target as SegTargetSeries;
    result.targetSeriesId = ct.seriesId;
    type Plan = { segment: SegSegment; mask: SegmentMask; structure: Structure; lesion: Lesion | null; newUid: string | null };
    const plans: Plan[] = [];
    for (const segment of source.doc.segments) {
      const name = segmentName(source, segment);
      const mask = onGrid.masks.get(segment.segmentNumber)!;
      if (!mask.voxelCount) {
        result.skipped.push(`${name}: the segment is empty`);
        continue;
      }
      if (isLiverSegment(segment)) {
        plans.push({ segment, mask, structure: 'liver', lesion: null, newUid: null });
        continue;
      }
      const uid = segmentTrackingUid(source.doc, segment);
      const lesion = lesionByTrackingUid(db, patientRowId, uid);
      if (lesion) plans.push({ segment, mask, structure: 'lesion', lesion, newUid: null });
      else if (isAnatomySegment(segment)) result.skipped.push(`${name}: ${segment.type?.codeMeaning || 'it'} is an anatomical structure other than the liver; only lesions and the liver are kept as masks`);
      else if (!isLesionSegment(segment)) result.skipped.push(`${name}: its category (${segment.category?.codeMeaning || 'not given'}) is not a lesion, and no lesion has its Tracking UID`);
      else plans.push({ segment, mask, structure: 'lesion', lesion: null, newUid: uid });
    }
    // The sign-off lock, before anything is written.
    if (activeSignoff(db, ct.studyRowId) && plans.some((p) => (p.structure === 'lesion' && !p.lesion) || existingMask(db, homeDir, ct.seriesId, p.structure, p.lesion?.id ?? null, p.mask).state === 'none')) {
      assertSeriesOpen(db, ct.seriesId, `place the masks of SEG series ${segSeriesId}`);
    }
    for (const p of plans) {
      if (!p.newUid) continue;
      const uid = p.newUid;
      try {
        p.lesion = transaction(db, () => {
          const created = createLesion(
            db,
            patientRowId,
            { ...lesionFieldsOfSegment(p.segment), recistRole: 'non-target', notes: `From the segmentation ${source.doc.sopInstanceUid} (segment ${p.segment.segmentNumber} "${p.segment.label}")` },
            { label: p.segment.trackingId ?? undefined },
          );
          adoptTrackingUid(db, created.id, uid);
          return getLesion(db, created.id);
        });
        result.lesionsCreated.push(p.lesion.label);
      } catch (e) {
        if (!(e instanceof LesionInputError)) throw e;
        result.skipped.push(`${segmentName(source, p.segment)}: ${e.message}`);
      }
    }
    for (const p of plans) {
      if (p.structure === 'lesion' && !p.lesion) continue;
      const existing = existingMask(db, homeDir, ct.seriesId, p.structure, p.lesion?.id ?? null, p.mask);
      if (p.lesion && !result.lesionsCreated.includes(p.lesion.label) && !result.lesionsMatched.includes(p.lesion.label)) result.lesionsMatched.push(p.lesion.label);
      if (existing.state === 'same') continue;
      if (existing.state === 'other') {
        result.skipped.push(`${segmentName(source, p.segment)}: ${keptMaskReason(p.structure, p.lesion?.label ?? 'the liver', ct.seriesId, existing.other!)}`);
        continue;
      }
      await this.importSegSegment({ segSeriesId, segmentNumber: p.segment.segmentNumber, targetSeriesId: ct.seriesId, lesionId: p.lesion?.id ?? null, structure: p.structure });
      result.masks++;
    }
    return result;
  }
}

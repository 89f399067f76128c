/**
 * The segmentation domain: masks on a series' grid (lesions and the liver), their
 * auto-bidirectional measurement, and DICOM SEG segments placed as masks. Writes go
 * through segmentationStore.ts, the only writer of `segmentations`; the measurement a
 * mask gives is written by the lesions domain's store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SegmentationApi } from '../../../core/api/contract';
import { invalid, notFound, requireInt } from '../../../core/api/errors';
import { decodeMaskRle, encodeMaskRle, type MaskRle } from '../../../core/api/maskRle';
import type { Segmentation } from '../../../core/api/types';
import { autoBidirectional } from '../../../core/segmentation';
import { parseSeg, segMasksOnGrid, SEGMENTATION_STORAGE } from '../dicom/seg/index';
import { recordReaderFindings } from '../inference/aiService';
import { listInstances } from '../library/catalog';
import { addMeasurement } from '../lesions/lesionStore';
import type { Db } from '../registry/db';
import type { VolumeAccess } from '../volumes/volumeAccess';
import * as segs from './segmentationStore';

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
}

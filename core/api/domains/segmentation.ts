/** Segmentation: masks on a series' grid (lesions, the liver), DICOM SEG placed as masks. */
import type { MaskRle } from '../maskRle';
import type { Measurement, Segmentation } from '../types';
import type { EventTable, MethodTable } from './spec';

export interface SegmentationApi {
  listSegmentations(filter: { seriesId?: number; lesionId?: number }): Promise<Segmentation[]>;
  /** Save a mask (run lengths on the series grid); volume and HU statistics are computed from the series. */
  saveSegmentation(input: { seriesId: number; lesionId: number | null; structure: 'lesion' | 'liver'; mask: MaskRle }): Promise<Segmentation>;
  updateSegmentation(segmentationId: number, mask: MaskRle): Promise<Segmentation>;
  getSegmentationMask(segmentationId: number, which?: 'current' | 'original'): Promise<MaskRle>;
  deleteSegmentation(segmentationId: number): Promise<void>;
  /** The auto-bidirectional measurement of a lesion mask (longest in-plane diameter and its perpendicular), saved on the lesion. */
  measureFromMask(segmentationId: number): Promise<Measurement>;
  /** Place a segment of a DICOM SEG series of the library on an image series, as a mask. */
  importSegSegment(input: { segSeriesId: number; segmentNumber: number; targetSeriesId: number; lesionId: number | null; structure: 'lesion' | 'liver' }): Promise<Segmentation>;
}

export const SEGMENTATION_METHODS = {
  listSegmentations: {},
  saveSegmentation: {},
  updateSegmentation: {},
  getSegmentationMask: {},
  deleteSegmentation: {},
  measureFromMask: {},
  importSegSegment: {},
} as const satisfies MethodTable<SegmentationApi>;

export interface SegmentationEvents {
  /** After a committed change to masks of a series (saved, edited, deleted, moved to another lesion). */
  onSegmentationsChanged: { patientRowId: number; seriesId: number };
}

export const SEGMENTATION_EVENTS = { onSegmentationsChanged: true } as const satisfies EventTable<SegmentationEvents>;

/** Segmentation: masks on a series' grid (lesions, the liver), DICOM SEG placed as masks. */
import type { MaskRle } from '../maskRle';
import type { Measurement, Segmentation } from '../types';
import type { EventTable, MethodTable } from './spec';

/** A DICOM SEG series placed on its CT: lesion masks by Tracking UID, the liver as the liver mask. */
export interface SegPlacementResult {
  segSeriesId: number;
  /** The CT series the masks are on (null when it is not in the library). */
  targetSeriesId: number | null;
  /** Masks saved now (segments already placed identically are not placed again). */
  masks: number;
  lesionsMatched: string[];
  lesionsCreated: string[];
  /** Segments that were not placed, each with why. */
  skipped: string[];
}

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
  /**
   * Place every segment of a SEG series on the CT it references: a segment onto the patient's
   * lesion with its Tracking UID (a new lesion that keeps the UID when there is none), the liver
   * as the liver mask. Idempotent; what cannot be placed is named with why.
   */
  importSegMasks(input: { seriesId: number }): Promise<SegPlacementResult>;
}

export const SEGMENTATION_METHODS = {
  listSegmentations: {},
  saveSegmentation: {},
  updateSegmentation: {},
  getSegmentationMask: {},
  deleteSegmentation: {},
  measureFromMask: {},
  importSegSegment: {},
  importSegMasks: {},
} as const satisfies MethodTable<SegmentationApi>;

export interface SegmentationEvents {
  /** After a committed change to masks of a series (saved, edited, deleted, moved to another lesion). */
  onSegmentationsChanged: { patientRowId: number; seriesId: number };
}

export const SEGMENTATION_EVENTS = { onSegmentationsChanged: true } as const satisfies EventTable<SegmentationEvents>;

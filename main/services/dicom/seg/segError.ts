/** Why a DICOM Segmentation could not be read or placed on a series. */
export type SegErrorCode =
  | 'not-dicom'
  | 'not-seg'
  | 'missing-attribute'
  | 'unsupported'
  | 'truncated'
  | 'frame-of-reference-mismatch'
  | 'orientation-mismatch'
  | 'off-grid'
  | 'overlap'
  | 'invalid-argument';

/** What the user can do about each kind of failure. */
const HINTS: Record<SegErrorCode, string> = {
  'not-dicom': 'Choose a DICOM Segmentation (SEG) file.',
  'not-seg': 'Choose a DICOM Segmentation (SEG) file; this one holds something else.',
  'missing-attribute': 'The file is incomplete; export the segmentation again from its source.',
  unsupported: 'Export the segmentation again as an uncompressed binary or fractional SEG.',
  truncated: 'Copy or export the file again from its source.',
  'frame-of-reference-mismatch': 'Open it on the series it was made for (same frame of reference).',
  'orientation-mismatch': 'Open it on the series it was made for; resampled segmentations are not supported.',
  'off-grid': 'Open it on the series it was made for; its frames do not fall on this series’ voxels.',
  overlap: 'Read its segments as separate masks instead of one label map.',
  'invalid-argument': '',
};

/**
 * A SEG that cannot be read, or cannot be placed on the series it was opened on.
 * The message names the file, the reason and what to do, so it can be shown as is.
 */
export class SegReadError extends Error {
  override readonly name = 'SegReadError';
  /** The API error kind (core/api/errors.ts) when it reaches a client: the file cannot be used as asked. */
  readonly kind = 'invalid' as const;

  constructor(
    readonly file: string,
    readonly code: SegErrorCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(HINTS[code] ? `${file}: ${reason}. ${HINTS[code]}` : `${file}: ${reason}`, options);
  }
}

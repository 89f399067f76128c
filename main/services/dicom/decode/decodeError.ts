/** Why a file could not be decoded; lets the importer group failures in its report. */
export type DecodeErrorCode =
  | 'not-dicom'
  | 'truncated'
  | 'corrupt'
  | 'unsupported-transfer-syntax'
  | 'unsupported-image'
  | 'missing-attribute'
  | 'invalid-argument';

/** What the user can do about each kind of failure. */
const HINTS: Record<DecodeErrorCode, string> = {
  'not-dicom': 'Leave it out of the import.',
  truncated: 'Copy or export the file again from its source.',
  corrupt: 'The file is damaged; export it again from its source.',
  'unsupported-transfer-syntax': 'Export the series again uncompressed or in a lossless syntax.',
  'unsupported-image': 'Only greyscale CT-like images can be opened.',
  'missing-attribute': 'The file is incomplete; export it again from its source.',
  'invalid-argument': '',
};

/**
 * A file whose pixel data cannot be turned into Hounsfield units. The message
 * names the file, the reason and what to do, so it can be shown as is.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    readonly fileLabel: string,
    readonly code: DecodeErrorCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(HINTS[code] ? `${fileLabel}: ${reason}. ${HINTS[code]}` : `${fileLabel}: ${reason}`, options);
  }
}

/**
 * Thrown below the file level, where the label is not known; decodeFile turns
 * it into a DecodeError that names the file.
 */
export class PixelDataProblem extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Why a file could not be decoded; lets the importer group failures in its report. */
export type DecodeErrorCode =
  | 'not-dicom'
  | 'truncated'
  | 'corrupt'
  | 'unsupported-transfer-syntax'
  | 'unsupported-image'
  | 'missing-attribute'
  | 'invalid-argument';

/**
 * A file whose pixel data cannot be turned into Hounsfield units. The message
 * names the file and the reason, so it can be shown to the user as is.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    readonly fileLabel: string,
    readonly code: DecodeErrorCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${fileLabel}: ${reason}`, options);
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

// Pixel-data decoding for the importer and the volume loader: any transfer
// syntax a CT archive uses → one Int16 HU array per frame.
//
// Runs in the main process or a worker thread (the codecs load
// once per thread, on the first compressed frame or preloadCodecs()).

import { decodeJpeg, decodeJpeg2000, decodeJpegLs, type RawSamples } from './codecs';
import { DecodeError, PixelDataProblem } from './decodeError';
import {
  formatTag,
  parsePart10,
  readNumberString,
  readSequenceItems,
  readString,
  readUint16,
  readUint64Array,
  Tag,
  type DicomDataset,
  type ParsedFile,
} from './dicomParse';
import { readEncapsulated, splitFrames } from './encapsulated';
import { storedToHu, type RescaleValues, type StoredValueLayout } from './modalityLut';
import { decodeRleFrame } from './rle';
import {
  isNativeSyntax,
  SUPPORTED_TRANSFER_SYNTAXES,
  TransferSyntax,
  transferSyntaxName,
} from './transferSyntaxes';

export { DecodeError, type DecodeErrorCode } from './decodeError';
export { SUPPORTED_TRANSFER_SYNTAXES, transferSyntaxName } from './transferSyntaxes';
export { preloadCodecs } from './codecs';
export type { RescaleValues } from './modalityLut';

export interface DecodedFrames {
  rows: number;
  columns: number;
  frameCount: number;
  /** Stored values converted to Hounsfield units (modality LUT: value*slope+intercept, DICOM PS3.3 C.11.1), rounded and clamped to Int16. One Int16Array of rows*columns per frame. */
  frames: Int16Array[];
  transferSyntaxUid: string;
}

export interface DecodeOptions {
  /** Names the file in error messages (a path or a display name). */
  fileLabel?: string;
  /**
   * Rescale per frame when the caller already knows it (e.g. from the Enhanced
   * CT Pixel Value Transformation it parsed itself): one entry for every frame,
   * or a single entry for all. Otherwise it is read from the data set.
   */
  rescale?: readonly RescaleValues[];
  /** Called as each frame starts decoding (a worker task reports it to the pool, which restarts its time budget). */
  onFrame?: (index: number, frameCount: number) => void;
}

/**
 * Decode every frame of a DICOM Part 10 file (bytes of the whole file) to HU.
 * Throws DecodeError, naming the file and the reason, for anything it cannot
 * decode faithfully: it never returns zero-filled or partial frames.
 */
export async function decodeFile(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedFrames> {
  const fileLabel = opts.fileLabel ?? 'DICOM file';
  try {
    return await decodeOrThrow(bytes, opts);
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    if (error instanceof PixelDataProblem) {
      throw new DecodeError(fileLabel, error.code, error.message, { cause: error });
    }
    // Anything else was not anticipated: the stack goes to the log, the user gets the file and a reason.
    console.error(`decode: ${fileLabel}: unexpected error:`, error);
    throw new DecodeError(fileLabel, 'corrupt', 'the file could not be decoded (unexpected error in the decoder; details in the log)', { cause: error });
  }
}

interface ImageLayout {
  rows: number;
  columns: number;
  frameCount: number;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  signed: boolean;
}

async function decodeOrThrow(bytes: Uint8Array, opts: DecodeOptions): Promise<DecodedFrames> {
  const parsed = parsePart10(bytes, (uid) => {
    if (!(uid in SUPPORTED_TRANSFER_SYNTAXES)) {
      throw new PixelDataProblem(
        'unsupported-transfer-syntax',
        `unsupported transfer syntax ${transferSyntaxName(uid)} (${uid})`,
      );
    }
  });
  const { dataset, transferSyntaxUid } = parsed;
  const layout = readImageLayout(dataset);
  // Before anything is allocated per frame: a Number of Frames the pixel data cannot hold is corruption.
  checkFrameCountFits(parsed, layout);
  const rescales = rescalePerFrame(dataset, layout.frameCount, opts.rescale);

  // Native, RLE and encapsulated-uncompressed samples keep the stored layout,
  // High Bit included; the image codecs return values aligned at bit 0.
  const keepsStoredLayout =
    isNativeSyntax(transferSyntaxUid) ||
    transferSyntaxUid === TransferSyntax.rleLossless ||
    transferSyntaxUid === TransferSyntax.encapsulatedUncompressedExplicitVrLittleEndian;
  // Each frame goes to HU as soon as it is decoded, so a long multi-frame file
  // never holds all its raw frames at once.
  const toHu = (frameSamples: RawSamples, index: number): Int16Array => {
    const stored: StoredValueLayout = {
      // A codec may hand back fewer bits than Bits Stored claims (8-bit JPEG); mask no wider than the container.
      bitsStored: Math.min(layout.bitsStored, frameSamples instanceof Uint16Array ? 16 : 8),
      signed: layout.signed,
      shiftBits: keepsStoredLayout ? layout.highBit + 1 - layout.bitsStored : 0,
    };
    return storedToHu(frameSamples, stored, rescales[index]);
  };
  const onFrame = opts.onFrame;
  const frames = isNativeSyntax(transferSyntaxUid)
    ? nativeFrames(parsed, layout, toHu, onFrame)
    : await encapsulatedFrames(parsed, layout, toHu, onFrame);
  return { rows: layout.rows, columns: layout.columns, frameCount: layout.frameCount, frames, transferSyntaxUid };
}

function readImageLayout(dataset: DicomDataset): ImageLayout {
  const rows = readUint16(dataset, Tag.rows);
  const columns = readUint16(dataset, Tag.columns);
  if (!rows || !columns) {
    throw new PixelDataProblem('missing-attribute', 'Rows (0028,0010) or Columns (0028,0011) is missing or zero');
  }
  const samplesPerPixel = readUint16(dataset, Tag.samplesPerPixel) ?? 1;
  const photometric = readString(dataset, Tag.photometricInterpretation) ?? 'MONOCHROME2';
  if (samplesPerPixel !== 1 || (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2')) {
    throw new PixelDataProblem(
      'unsupported-image',
      `${photometric} with ${samplesPerPixel} sample(s) per pixel is not a greyscale image; only MONOCHROME1/2 can be shown in HU`,
    );
  }
  const bitsAllocated = readUint16(dataset, Tag.bitsAllocated);
  if (bitsAllocated === undefined) {
    throw new PixelDataProblem('missing-attribute', 'Bits Allocated (0028,0100) is missing');
  }
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new PixelDataProblem('unsupported-image', `Bits Allocated ${bitsAllocated} is not supported (8 or 16)`);
  }
  const bitsStored = readUint16(dataset, Tag.bitsStored) ?? bitsAllocated;
  const highBit = readUint16(dataset, Tag.highBit) ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new PixelDataProblem(
      'corrupt',
      `inconsistent pixel layout: Bits Allocated ${bitsAllocated}, Bits Stored ${bitsStored}, High Bit ${highBit}`,
    );
  }
  const pixelRepresentation = readUint16(dataset, Tag.pixelRepresentation) ?? 0;
  const frameCount = readNumberString(dataset, Tag.numberOfFrames) ?? 1;
  if (!Number.isInteger(frameCount) || frameCount < 1) {
    throw new PixelDataProblem('corrupt', `Number of Frames (0028,0008) is ${frameCount}, not a positive integer`);
  }
  return { rows, columns, frameCount, bitsAllocated, bitsStored, highBit, signed: pixelRepresentation === 1 };
}

/**
 * Rescale for each frame: the caller's, else the per-frame functional group,
 * else the shared one (Enhanced CT, PS3.3 C.7.6.16.2.9 Pixel Value
 * Transformation), else the top-level Rescale Slope/Intercept, else identity.
 */
function rescalePerFrame(
  dataset: DicomDataset,
  frameCount: number,
  given: readonly RescaleValues[] | undefined,
): RescaleValues[] {
  if (given) {
    if (given.length !== 1 && given.length !== frameCount) {
      throw new PixelDataProblem(
        'invalid-argument',
        `${given.length} rescale values were given for ${frameCount} frames`,
      );
    }
    return Array.from({ length: frameCount }, (_, i) => given[given.length === 1 ? 0 : i]);
  }
  const topLevel = readRescale(dataset) ?? { slope: 1, intercept: 0 };
  const shared = functionalGroupRescale(readSequenceItems(dataset, Tag.sharedFunctionalGroupsSequence)?.[0]);
  const perFrame = readSequenceItems(dataset, Tag.perFrameFunctionalGroupsSequence);
  return Array.from(
    { length: frameCount },
    (_, i) => functionalGroupRescale(perFrame?.[i]) ?? shared ?? topLevel,
  );
}

function functionalGroupRescale(group: DicomDataset | undefined): RescaleValues | undefined {
  const transformation = group && readSequenceItems(group, Tag.pixelValueTransformationSequence)?.[0];
  return transformation ? readRescale(transformation) : undefined;
}

function readRescale(dataset: DicomDataset): RescaleValues | undefined {
  const hasSlope = dataset.elements.has(Tag.rescaleSlope);
  const hasIntercept = dataset.elements.has(Tag.rescaleIntercept);
  if (!hasSlope && !hasIntercept) return undefined;
  const slope = readNumberString(dataset, Tag.rescaleSlope);
  const intercept = readNumberString(dataset, Tag.rescaleIntercept);
  if ((hasSlope && slope === undefined) || (hasIntercept && intercept === undefined)) {
    throw new PixelDataProblem(
      'corrupt',
      `Rescale Slope/Intercept is not a number (${readString(dataset, Tag.rescaleSlope)}, ${readString(dataset, Tag.rescaleIntercept)})`,
    );
  }
  return { slope: slope ?? 1, intercept: intercept ?? 0 };
}

type FrameToHu = (samples: RawSamples, frameIndex: number) => Int16Array;

/**
 * Native: the frames' bytes must be in Pixel Data and in the file. Encapsulated: every frame
 * needs a fragment (PS3.5 A.4), counted without building them.
 */
function checkFrameCountFits({ dataset, pixelData, transferSyntaxUid }: ParsedFile, layout: ImageLayout): void {
  const native = isNativeSyntax(transferSyntaxUid);
  // No Pixel Data, or native data in an encapsulated syntax (or the reverse): the frame readers name it.
  if (!pixelData || native !== (pixelData.length !== undefined)) return;
  if (pixelData.length !== undefined) {
    nativeByteCheck(dataset, pixelData.valueOffset, pixelData.length, layout);
    return;
  }
  const bytes = dataset.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = pixelData.valueOffset;
  let items = 0;
  // The Basic Offset Table item, then one fragment per frame at least.
  while (items <= layout.frameCount && offset + 8 <= bytes.length) {
    const tag = ((view.getUint16(offset, true) << 16) | view.getUint16(offset + 2, true)) >>> 0;
    const length = view.getUint32(offset + 4, true);
    if (tag !== Tag.item || length === 0xffffffff) break;
    offset += 8 + length;
    items++;
  }
  if (items - 1 < layout.frameCount) {
    throw new PixelDataProblem(
      'truncated',
      `Number of Frames is ${layout.frameCount} but the encapsulated Pixel Data holds only ${Math.max(0, items - 1)} fragments`,
    );
  }
}

/** The bytes a native image needs, against what Pixel Data holds and what the file holds. */
function nativeByteCheck(dataset: DicomDataset, valueOffset: number, length: number, layout: ImageLayout): number {
  const frameBytes = layout.rows * layout.columns * (layout.bitsAllocated / 8);
  const neededBytes = frameBytes * layout.frameCount;
  const inFileBytes = dataset.bytes.length - valueOffset;
  // Check the length ourselves: readers that zero-fill a short Pixel Data would
  // hand the viewer black slices that look like real data.
  if (inFileBytes < Math.min(length, neededBytes)) {
    throw new PixelDataProblem(
      'truncated',
      `the file is truncated: Pixel Data has ${inFileBytes} of ${Math.min(length, neededBytes)} bytes`,
    );
  }
  if (length < neededBytes) {
    throw new PixelDataProblem(
      'corrupt',
      `Pixel Data holds ${length} bytes but ${layout.rows}×${layout.columns}×${layout.frameCount} frames of ${layout.bitsAllocated}-bit samples need ${neededBytes}`,
    );
  }
  return frameBytes;
}

function nativeFrames(
  { dataset, pixelData, transferSyntaxUid }: ParsedFile,
  layout: ImageLayout,
  toHu: FrameToHu,
  onFrame?: DecodeOptions['onFrame'],
): Int16Array[] {
  if (!pixelData) {
    throw new PixelDataProblem('missing-attribute', `there is no Pixel Data ${formatTag(Tag.pixelData)}`);
  }
  if (pixelData.length === undefined) {
    throw new PixelDataProblem(
      'corrupt',
      `Pixel Data is encapsulated but the transfer syntax ${transferSyntaxName(transferSyntaxUid)} is not`,
    );
  }
  const bytesPerSample = layout.bitsAllocated / 8;
  const pixelCount = layout.rows * layout.columns;
  const frameBytes = nativeByteCheck(dataset, pixelData.valueOffset, pixelData.length, layout);
  const bigEndian = transferSyntaxUid === TransferSyntax.explicitVrBigEndian;
  const frames: Int16Array[] = [];
  for (let frame = 0; frame < layout.frameCount; frame++) {
    onFrame?.(frame, layout.frameCount);
    const start = pixelData.valueOffset + frame * frameBytes;
    const frameBytesView = dataset.bytes.subarray(start, start + frameBytes);
    let samples: RawSamples;
    if (bytesPerSample === 1) {
      // In Big Endian, 8-bit samples written as OW are swapped in pairs (PS3.5 8.1.1).
      samples = bigEndian && pixelData.vr === 'OW' ? swapBytePairs(frameBytesView) : frameBytesView;
    } else if (bigEndian) {
      samples = bigEndianWords(frameBytesView, pixelCount);
    } else {
      samples = littleEndianWords(frameBytesView, pixelCount);
    }
    frames.push(toHu(samples, frame));
  }
  return frames;
}

/** A Uint16Array on the file's bytes where aligned (no copy), else a copy. Hosts are little endian (x64, arm64). */
function littleEndianWords(frameBytes: Uint8Array, pixelCount: number): Uint16Array {
  if (frameBytes.byteOffset % 2 === 0) return new Uint16Array(frameBytes.buffer, frameBytes.byteOffset, pixelCount);
  return new Uint16Array(frameBytes.slice().buffer, 0, pixelCount);
}

function bigEndianWords(frameBytes: Uint8Array, pixelCount: number): Uint16Array {
  const words = new Uint16Array(pixelCount);
  for (let i = 0, j = 0; i < pixelCount; i++, j += 2) words[i] = (frameBytes[j] << 8) | frameBytes[j + 1];
  return words;
}

function swapBytePairs(frameBytes: Uint8Array): Uint8Array {
  const swapped = new Uint8Array(frameBytes.length);
  for (let i = 0; i + 1 < frameBytes.length; i += 2) {
    swapped[i] = frameBytes[i + 1];
    swapped[i + 1] = frameBytes[i];
  }
  return swapped;
}

async function encapsulatedFrames(
  { dataset, pixelData, transferSyntaxUid }: ParsedFile,
  layout: ImageLayout,
  toHu: FrameToHu,
  onFrame?: DecodeOptions['onFrame'],
): Promise<Int16Array[]> {
  if (!pixelData) {
    throw new PixelDataProblem('missing-attribute', `there is no Pixel Data ${formatTag(Tag.pixelData)}`);
  }
  if (pixelData.length !== undefined) {
    throw new PixelDataProblem(
      'corrupt',
      `the transfer syntax ${transferSyntaxName(transferSyntaxUid)} needs encapsulated Pixel Data, but it is native`,
    );
  }
  const pixelCount = layout.rows * layout.columns;
  // RLE and Encapsulated Uncompressed put each frame in exactly one fragment.
  const oneFragmentPerFrame =
    transferSyntaxUid === TransferSyntax.rleLossless ||
    transferSyntaxUid === TransferSyntax.encapsulatedUncompressedExplicitVrLittleEndian;
  const encoded = splitFrames(
    readEncapsulated(dataset.bytes, pixelData.valueOffset),
    layout.frameCount,
    readUint64Array(dataset, Tag.extendedOffsetTable),
    !oneFragmentPerFrame,
  );

  const frames: Int16Array[] = [];
  for (const [index, frame] of encoded.entries()) {
    onFrame?.(index, layout.frameCount);
    try {
      frames.push(toHu(await decodeEncapsulatedFrame(transferSyntaxUid, frame, layout, pixelCount), index));
    } catch (error) {
      if (error instanceof PixelDataProblem && layout.frameCount > 1) {
        throw new PixelDataProblem(error.code, `frame ${index + 1} of ${layout.frameCount}: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
  return frames;
}

async function decodeEncapsulatedFrame(
  transferSyntaxUid: string,
  frame: Uint8Array,
  layout: ImageLayout,
  pixelCount: number,
): Promise<RawSamples> {
  switch (transferSyntaxUid) {
    case TransferSyntax.rleLossless:
      return decodeRleFrame(frame, pixelCount, layout.bitsAllocated === 16 ? 2 : 1);
    case TransferSyntax.jpegBaseline:
    case TransferSyntax.jpegExtended:
    case TransferSyntax.jpegLossless:
    case TransferSyntax.jpegLosslessSv1:
      return (await decodeJpeg(frame, pixelCount)).samples;
    case TransferSyntax.jpegLsLossless:
    case TransferSyntax.jpegLsNearLossless:
      return (await decodeJpegLs(frame, pixelCount)).samples;
    case TransferSyntax.jpeg2000Lossless:
    case TransferSyntax.jpeg2000:
      return (await decodeJpeg2000(frame, pixelCount)).samples;
    case TransferSyntax.encapsulatedUncompressedExplicitVrLittleEndian: {
      const frameBytes = pixelCount * (layout.bitsAllocated / 8);
      if (frame.length < frameBytes) {
        throw new PixelDataProblem('corrupt', `uncompressed frame holds ${frame.length} bytes, ${frameBytes} expected`);
      }
      const view = frame.subarray(0, frameBytes);
      return layout.bitsAllocated === 8 ? view : littleEndianWords(view, pixelCount);
    }
    default:
      throw new PixelDataProblem(
        'unsupported-transfer-syntax',
        `unsupported transfer syntax ${transferSyntaxName(transferSyntaxUid)} (${transferSyntaxUid})`,
      );
  }
}

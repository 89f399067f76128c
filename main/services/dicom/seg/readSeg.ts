/**
 * Reading DICOM Segmentation objects (PS3.3 A.51 Segmentation IOD, C.8.20
 * Segmentation Image Module) with dcmjs. A full parse is fine here: SEG files are
 * small (a bit per voxel of the segmented frames only).
 *
 * What is read: the segments (number, label, category and type codes, algorithm),
 * and per frame the segment it belongs to and its plane (position, orientation,
 * pixel spacing) from the Per-Frame or Shared Functional Groups. Frame pixels are
 * read on demand by segFrameBits, so a caller can place them without copying.
 */
import dcmjs from 'dcmjs';
import { readFile } from 'node:fs/promises';
import type { Vec3 } from '../../../../core/api/types';
import { SegReadError } from './segError';

// dcmjs logs recoverable oddities (e.g. "Invalid vr type ox - using OW" for the
// implicit-VR Pixel Data of a SEG) to the console; they are not errors here.
{
  const log = (dcmjs as unknown as { log: { setLevel(l: string): void; getLogger(n: string): { setLevel(l: string): void } } }).log;
  log.setLevel('error');
  log.getLogger('validation.dcmjs').setLevel('silent');
}

const { DicomMessage, DicomMetaDictionary } = dcmjs.data as unknown as {
  DicomMessage: { readFile(buffer: ArrayBuffer, options?: unknown): { meta: Record<string, { Value?: unknown[] }>; dict: unknown } };
  DicomMetaDictionary: { naturalizeDataset(dict: unknown): Naturalized };
};

type Naturalized = Record<string, unknown>;

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

/** Transfer syntaxes whose Pixel Data dcmjs hands over as plain bytes. */
const NATIVE_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
};

export interface CodedConcept {
  codeValue: string;
  codingSchemeDesignator: string;
  codeMeaning: string;
}

export interface SegSegment {
  segmentNumber: number;
  label: string;
  description: string | null;
  /** AUTOMATIC, SEMIAUTOMATIC or MANUAL. */
  algorithmType: string;
  algorithmName: string | null;
  category: CodedConcept | null;
  type: CodedConcept | null;
  typeModifier: CodedConcept | null;
  anatomicRegion: CodedConcept | null;
  trackingId: string | null;
  trackingUid: string | null;
  /** CIELab scaled to 0…65535 as stored (PS3.3 C.10.7.1.1). */
  recommendedDisplayCieLab: [number, number, number] | null;
}

export interface SegFrame {
  /** Position of the frame in the Pixel Data, 0-based. */
  index: number;
  segmentNumber: number;
  /** ImagePositionPatient: LPS centre of the frame's first pixel, mm. */
  positionMm: Vec3;
  /** ImageOrientationPatient: row direction then column direction. */
  orientation: [number, number, number, number, number, number];
  /** PixelSpacing as stored: [row spacing, column spacing], mm. */
  pixelSpacingMm: [number, number];
  /** SOP Instance UIDs of the source images the frame was derived from (may be empty). */
  sourceSopInstanceUids: string[];
}

export interface SegDocument {
  file: string;
  transferSyntaxUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  seriesDescription: string;
  contentLabel: string;
  segmentationType: 'BINARY' | 'FRACTIONAL';
  /** PROBABILITY or OCCUPANCY for fractional SEGs, else null. */
  fractionalType: string | null;
  /** MaximumFractionalValue for fractional SEGs, else null. */
  maxFractionalValue: number | null;
  rows: number;
  columns: number;
  /** 1 (binary) or 8 (fractional). */
  bitsAllocated: number;
  segments: SegSegment[];
  frames: SegFrame[];
  /** Series the SEG says it was made from (Referenced Series Sequence). */
  referencedSeriesInstanceUids: string[];
  /** Native Pixel Data: frames back to back; for BINARY, bits packed across frame boundaries. */
  pixelData: Uint8Array;
}

function items(value: unknown): Naturalized[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Naturalized[];
}

function firstItem(ds: Naturalized | undefined, keyword: string): Naturalized | undefined {
  return ds ? items(ds[keyword])[0] : undefined;
}

function text(ds: Naturalized | undefined, keyword: string): string | null {
  const v = ds?.[keyword];
  if (v === undefined || v === null) return null;
  const s = String(Array.isArray(v) ? v[0] : v).trim();
  return s === '' ? null : s;
}

function numbers(ds: Naturalized | undefined, keyword: string): number[] | null {
  const v = ds?.[keyword];
  if (v === undefined || v === null || v === '') return null;
  const list = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'number' ? x : Number(String(x).trim())));
  return list.length > 0 && list.every(Number.isFinite) ? list : null;
}

function code(ds: Naturalized | undefined): CodedConcept | null {
  if (!ds) return null;
  return {
    codeValue: text(ds, 'CodeValue') ?? text(ds, 'LongCodeValue') ?? text(ds, 'URNCodeValue') ?? '',
    codingSchemeDesignator: text(ds, 'CodingSchemeDesignator') ?? '',
    codeMeaning: text(ds, 'CodeMeaning') ?? '',
  };
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Parse a SEG (the whole Part 10 file) and check what placing it needs. Throws SegReadError. */
export function parseSeg(bytes: Uint8Array, file: string): SegDocument {
  let meta: Record<string, { Value?: unknown[] }>;
  let ds: Naturalized;
  try {
    const message = DicomMessage.readFile(toArrayBuffer(bytes));
    meta = message.meta;
    ds = DicomMetaDictionary.naturalizeDataset(message.dict);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SegReadError(file, 'not-dicom', `not a readable DICOM file (${detail})`, { cause: error });
  }
  const fail = (codeName: ConstructorParameters<typeof SegReadError>[1], reason: string): never => {
    throw new SegReadError(file, codeName, reason);
  };

  const sopClassUid = text(ds, 'SOPClassUID') ?? String(meta['00020002']?.Value?.[0] ?? '');
  const modality = text(ds, 'Modality');
  if (sopClassUid !== SEGMENTATION_STORAGE) {
    fail('not-seg', `not a DICOM Segmentation (SOP Class ${sopClassUid || 'missing'}${modality ? `, modality ${modality}` : ''})`);
  }
  const transferSyntaxUid = String(meta['00020010']?.Value?.[0] ?? '').trim();
  if (!NATIVE_SYNTAXES[transferSyntaxUid]) {
    fail('unsupported', `its pixel data uses transfer syntax ${transferSyntaxUid || '(none)'}; only uncompressed little-endian SEGs can be read`);
  }

  const segmentationType = text(ds, 'SegmentationType');
  if (segmentationType !== 'BINARY' && segmentationType !== 'FRACTIONAL') {
    fail('unsupported', `SegmentationType ${segmentationType ?? '(missing)'} is not supported (BINARY and FRACTIONAL are)`);
  }
  const rows = numbers(ds, 'Rows')?.[0] ?? fail('missing-attribute', 'Rows (0028,0010) is missing');
  const columns = numbers(ds, 'Columns')?.[0] ?? fail('missing-attribute', 'Columns (0028,0011) is missing');
  const bitsAllocated = numbers(ds, 'BitsAllocated')?.[0] ?? fail('missing-attribute', 'BitsAllocated (0028,0100) is missing');
  const expectedBits = segmentationType === 'BINARY' ? 1 : 8;
  if (bitsAllocated !== expectedBits) {
    fail('unsupported', `a ${segmentationType} SEG must have BitsAllocated ${expectedBits}, this one has ${bitsAllocated}`);
  }
  let maxFractionalValue: number | null = null;
  if (segmentationType === 'FRACTIONAL') {
    maxFractionalValue = numbers(ds, 'MaximumFractionalValue')?.[0] ?? fail('missing-attribute', 'MaximumFractionalValue (0062,000E) is missing');
    if (!(maxFractionalValue > 0)) fail('missing-attribute', `MaximumFractionalValue is ${maxFractionalValue}`);
  }

  // Segments (PS3.3 C.8.20.2 Segment Sequence).
  const segments: SegSegment[] = items(ds.SegmentSequence).map((s, n) => {
    const segmentNumber = numbers(s, 'SegmentNumber')?.[0] ?? fail('missing-attribute', `segment ${n + 1} of the Segment Sequence has no SegmentNumber`);
    const typeItem = firstItem(s, 'SegmentedPropertyTypeCodeSequence');
    const lab = numbers(s, 'RecommendedDisplayCIELabValue');
    return {
      segmentNumber,
      label: text(s, 'SegmentLabel') ?? `Segment ${segmentNumber}`,
      description: text(s, 'SegmentDescription'),
      algorithmType: text(s, 'SegmentAlgorithmType') ?? '',
      algorithmName: text(s, 'SegmentAlgorithmName'),
      category: code(firstItem(s, 'SegmentedPropertyCategoryCodeSequence')),
      type: code(typeItem),
      typeModifier: code(firstItem(typeItem, 'SegmentedPropertyTypeModifierCodeSequence')),
      anatomicRegion: code(firstItem(s, 'AnatomicRegionSequence')),
      trackingId: text(s, 'TrackingID'),
      trackingUid: text(s, 'TrackingUID'),
      recommendedDisplayCieLab: lab && lab.length >= 3 ? [lab[0], lab[1], lab[2]] : null,
    };
  });
  if (segments.length === 0) fail('missing-attribute', 'the Segment Sequence (0062,0002) is missing or empty');
  const segmentNumbers = new Set(segments.map((s) => s.segmentNumber));

  // Frames (PS3.3 C.7.6.16 Multi-frame Functional Groups).
  const numberOfFrames = numbers(ds, 'NumberOfFrames')?.[0] ?? 1;
  const perFrame = items(ds.PerFrameFunctionalGroupsSequence);
  if (perFrame.length === 0) fail('missing-attribute', 'the Per-Frame Functional Groups Sequence (5200,9230) is missing, so its frames cannot be placed');
  if (perFrame.length !== numberOfFrames) {
    fail('missing-attribute', `NumberOfFrames is ${numberOfFrames} but the Per-Frame Functional Groups Sequence has ${perFrame.length} items`);
  }
  const shared = firstItem(ds, 'SharedFunctionalGroupsSequence');
  const frames: SegFrame[] = perFrame.map((f, index) => {
    const where = `frame ${index + 1}`;
    const segmentNumber =
      numbers(firstItem(f, 'SegmentIdentificationSequence'), 'ReferencedSegmentNumber')?.[0] ??
      numbers(firstItem(shared, 'SegmentIdentificationSequence'), 'ReferencedSegmentNumber')?.[0] ??
      fail('missing-attribute', `${where} has no ReferencedSegmentNumber (Segment Identification Sequence)`);
    if (!segmentNumbers.has(segmentNumber)) fail('missing-attribute', `${where} refers to segment ${segmentNumber}, which the Segment Sequence does not define`);
    const position = numbers(firstItem(f, 'PlanePositionSequence') ?? firstItem(shared, 'PlanePositionSequence'), 'ImagePositionPatient');
    if (!position || position.length !== 3) fail('missing-attribute', `${where} has no ImagePositionPatient (Plane Position Sequence)`);
    const orientation = numbers(firstItem(f, 'PlaneOrientationSequence') ?? firstItem(shared, 'PlaneOrientationSequence'), 'ImageOrientationPatient');
    if (!orientation || orientation.length !== 6) fail('missing-attribute', `${where} has no ImageOrientationPatient (Plane Orientation Sequence)`);
    const spacing = numbers(firstItem(f, 'PixelMeasuresSequence') ?? firstItem(shared, 'PixelMeasuresSequence'), 'PixelSpacing');
    if (!spacing || spacing.length !== 2) fail('missing-attribute', `${where} has no PixelSpacing (Pixel Measures Sequence)`);
    const sourceSopInstanceUids: string[] = [];
    for (const derivation of items(f.DerivationImageSequence))
      for (const source of items(derivation.SourceImageSequence)) {
        const uid = text(source, 'ReferencedSOPInstanceUID');
        if (uid) sourceSopInstanceUids.push(uid);
      }
    return {
      index,
      segmentNumber,
      positionMm: [position![0], position![1], position![2]],
      orientation: orientation as SegFrame['orientation'],
      pixelSpacingMm: [spacing![0], spacing![1]],
      sourceSopInstanceUids,
    };
  });

  // Native pixel data; BINARY frames are packed bit by bit across frame boundaries (PS3.5 8.1.1, PS3.3 C.8.20.2.1).
  const pixelValue = items(ds.PixelData)[0] as unknown;
  if (!(pixelValue instanceof ArrayBuffer) && !ArrayBuffer.isView(pixelValue)) fail('missing-attribute', 'Pixel Data (7FE0,0010) is missing');
  const pixelData = pixelValue instanceof ArrayBuffer ? new Uint8Array(pixelValue) : new Uint8Array((pixelValue as ArrayBufferView).buffer, (pixelValue as ArrayBufferView).byteOffset, (pixelValue as ArrayBufferView).byteLength);
  const neededBytes = segmentationType === 'BINARY' ? Math.ceil((numberOfFrames * rows * columns) / 8) : numberOfFrames * rows * columns;
  if (pixelData.length < neededBytes) {
    fail('truncated', `Pixel Data holds ${pixelData.length} bytes but ${numberOfFrames} frames of ${rows}×${columns} need ${neededBytes}`);
  }

  const referencedSeriesInstanceUids = items(ds.ReferencedSeriesSequence)
    .map((s) => text(s, 'SeriesInstanceUID'))
    .filter((uid): uid is string => uid !== null);

  return {
    file,
    transferSyntaxUid,
    sopInstanceUid: text(ds, 'SOPInstanceUID') ?? '',
    seriesInstanceUid: text(ds, 'SeriesInstanceUID') ?? '',
    studyInstanceUid: text(ds, 'StudyInstanceUID') ?? '',
    frameOfReferenceUid: text(ds, 'FrameOfReferenceUID') ?? '',
    seriesDescription: text(ds, 'SeriesDescription') ?? '',
    contentLabel: text(ds, 'ContentLabel') ?? '',
    segmentationType: segmentationType as 'BINARY' | 'FRACTIONAL',
    fractionalType: segmentationType === 'FRACTIONAL' ? text(ds, 'SegmentationFractionalType') : null,
    maxFractionalValue,
    rows,
    columns,
    bitsAllocated,
    segments,
    frames,
    referencedSeriesInstanceUids,
    pixelData,
  };
}

/** Read and parse a SEG file from disk. */
export async function readSegFile(path: string): Promise<SegDocument> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SegReadError(path, 'not-dicom', `the file could not be read (${detail})`, { cause: error });
  }
  return parseSeg(bytes, path);
}

/**
 * One frame as 0/1 per pixel (rows × columns, column fastest) into `out`.
 * BINARY: bit (frame·rows·columns + pixel) of the Pixel Data, least significant bit
 * first in each byte, so a frame whose pixel count is not a multiple of 8 starts in
 * the middle of a byte. FRACTIONAL: 1 where value ≥ 0.5 × MaximumFractionalValue
 * (a probability or occupancy of at least one half).
 */
export function segFrameBits(doc: SegDocument, frameIndex: number, out: Uint8Array = new Uint8Array(doc.rows * doc.columns)): Uint8Array {
  const n = doc.rows * doc.columns;
  if (frameIndex < 0 || frameIndex >= doc.frames.length) throw new RangeError(`frame ${frameIndex} is outside 0…${doc.frames.length - 1}`);
  const data = doc.pixelData;
  if (doc.segmentationType === 'BINARY') {
    const firstBit = frameIndex * n;
    for (let p = 0; p < n; p++) {
      const bit = firstBit + p;
      out[p] = (data[bit >>> 3] >>> (bit & 7)) & 1;
    }
  } else {
    const threshold = 0.5 * (doc.maxFractionalValue as number);
    const first = frameIndex * n;
    for (let p = 0; p < n; p++) out[p] = data[first + p] >= threshold ? 1 : 0;
  }
  return out;
}

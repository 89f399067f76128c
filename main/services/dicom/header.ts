/**
 * Header-only reading of DICOM Part 10 files with dcmjs. Pixel data is not parsed
 * (a full parse is ~6× slower than copying the file); instead its element is located
 * and its length checked against the image size, because dcmjs zero-fills truncated
 * pixel data instead of failing.
 */
import dcmjs from 'dcmjs';
import type { SlicePlane } from '../../../core/dicom/geometry';
import type { Vec3 } from '../../../core/api/types';
import { transferSyntaxName } from './decode/transferSyntaxes';
import { checkDataSet, checkMetaInformation, DicomStructureError, inflateBounded } from './structure';

// dcmjs logs recoverable oddities (unknown VRs, …) to the console; they are not errors here.
{
  const log = (dcmjs as unknown as { log: { setLevel(l: string): void; getLogger(n: string): { setLevel(l: string): void } } }).log;
  log.setLevel('error');
  // "Invalid vr type xs - using US" and the like: dcmjs recovers, so do we.
  log.getLogger('validation.dcmjs').setLevel('silent');
}

const { DicomMessage, ReadBufferStream } = dcmjs.data as unknown as {
  DicomMessage: {
    _readTag(stream: unknown, syntax: string, opts?: unknown): { tag: { toCleanString(): string; cleanString?: string }; values: unknown[] };
    _read(stream: unknown, syntax: string, opts: unknown): Record<string, DicomElement>;
  };
  ReadBufferStream: new (buffer: ArrayBuffer, littleEndian: boolean | null, opts: { noCopy: boolean }) => DcmStream;
};

interface DcmStream {
  offset: number;
  size: number;
  reset(): void;
  increment(n: number): void;
  readAsciiString(n: number): string;
  more(n: number): DcmStream;
}

export interface DicomElement {
  vr: string;
  Value?: unknown[];
}
export type DicomDataset = Record<string, DicomElement>;

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
} as const;

const NATIVE_SYNTAXES = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflatedLE, TS.explicitBE]);

export interface FramePlane extends SlicePlane {
  /** Modality LUT of this frame (PS3.3 C.11.1). */
  rescaleSlope: number;
  rescaleIntercept: number;
}

export interface DicomHeader {
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  patientId: string;
  patientName: string;
  patientBirthDate: string | null;
  patientSex: string | null;
  studyDate: string | null;
  studyTime: string | null;
  studyDescription: string;
  studyId: string;
  accessionNumber: string;
  modality: string;
  seriesNumber: number | null;
  seriesDescription: string;
  instanceNumber: number | null;
  rows: number;
  columns: number;
  numberOfFrames: number;
  bitsAllocated: number;
  bitsStored: number;
  hasPixelData: boolean;
  /** Per frame; empty when the object has no image plane (SR, SEG without geometry, …). */
  frames: FramePlane[];
  windowCenter: number | null;
  windowWidth: number | null;
  /** Referenced file IDs, for DICOMDIR files only (PS3.10 / PS3.3 F.3). */
  referencedFiles?: string[];
}

export class DicomReadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    /** Set when the reason is a stand-in for an unexpected error (its stack belongs in the log, not in a report). */
    readonly unexpected?: unknown,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'DicomReadError';
  }
}

/** The reason for a header that dcmjs refused after the structure check passed: its own words only where they help the user. */
function parserFailure(file: string, err: unknown): DicomReadError {
  const msg = err instanceof Error ? err.message : String(err);
  const charset = /^Unsupported character set: (.*)$/.exec(msg);
  if (charset) return new DicomReadError(file, `unsupported Specific Character Set (0008,0005) "${charset[1]}"`);
  if (/^Using multiple character sets is not supported/.test(msg)) {
    return new DicomReadError(file, 'several Specific Character Sets (0008,0005), i.e. ISO 2022 code extensions, are not supported');
  }
  return new DicomReadError(file, 'could not be read (the DICOM parser failed on its header; details in the log)', err);
}

function first(ds: DicomDataset, tag: string): unknown {
  const v = ds[tag]?.Value;
  return v && v.length > 0 ? v[0] : undefined;
}
function str(ds: DicomDataset, tag: string): string {
  const v = first(ds, tag);
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && v !== null && 'Alphabetic' in v) return String((v as { Alphabetic?: string }).Alphabetic ?? '').trim();
  return String(v).trim();
}
function num(ds: DicomDataset, tag: string): number | null {
  const v = first(ds, tag);
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : null;
}
function nums(ds: DicomDataset | undefined, tag: string): number[] | null {
  const v = ds?.[tag]?.Value;
  if (!v || v.length === 0) return null;
  const out = v.map((x) => (typeof x === 'number' ? x : Number(String(x).trim())));
  return out.every(Number.isFinite) ? out : null;
}
function seqItem(ds: DicomDataset | undefined, tag: string): DicomDataset | undefined {
  const v = ds?.[tag]?.Value;
  return v && v.length > 0 ? (v[0] as DicomDataset) : undefined;
}

/** DICOM DA (YYYYMMDD) → YYYY-MM-DD; anything else → null. */
export function isoDate(da: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}
/** DICOM TM (HHMMSS.frac) → HH:MM:SS; anything else → null. */
export function isoTime(tm: string): string | null {
  const m = /^(\d{2})(\d{2})?(\d{2})?/.exec(tm.trim());
  if (!m) return null;
  return `${m[1]}:${m[2] ?? '00'}:${m[3] ?? '00'}`;
}

interface PixelDataLocation {
  /** Value length, or -1 for undefined length (encapsulated). */
  length: number;
  /** Bytes of the file (or inflated dataset) available after the element header. */
  available: number;
  encapsulatedComplete?: boolean;
  /** Fragments after the Basic Offset Table (encapsulated only). */
  fragments?: number;
}

const PIXEL_DATA_VRS = new Set(['OB', 'OW', 'UN']);

/** Read the VR and length of the top-level Pixel Data whose tag is at `tagOffset`, and check its bytes are there. */
function locatePixelData(bytes: Uint8Array, tagOffset: number, syntax: string, file: string): PixelDataLocation {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.byteLength;
  let off = tagOffset + 4;
  const little = syntax !== TS.explicitBE;
  const truncated = () => new DicomReadError(file, 'truncated pixel data: the file ends inside the Pixel Data (7FE0,0010) header');
  let length: number;
  if (syntax === TS.implicitLE) {
    if (size - off < 4) throw truncated();
    length = view.getUint32(off, true);
    off += 4;
  } else {
    // Explicit VR: OB/OW/UN have 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
    if (size - off < 8) throw truncated();
    const vr = String.fromCharCode(bytes[off], bytes[off + 1]);
    if (!PIXEL_DATA_VRS.has(vr)) throw new DicomReadError(file, `Pixel Data (7FE0,0010) has the value representation "${vr.replace(/[^ -~]/g, '?')}", not OB or OW (corrupt)`);
    off += 4;
    length = view.getUint32(off, little);
    off += 4;
  }
  const available = size - off;
  if (length !== 0xffffffff) return { length, available };
  // Encapsulated: walk items until the sequence delimiter (PS3.5 A.4).
  let complete = false;
  let items = 0;
  while (off + 8 <= size) {
    const group = view.getUint16(off, true);
    const element = view.getUint16(off + 2, true);
    const itemLen = view.getUint32(off + 4, true);
    off += 8;
    if (group === 0xfffe && element === 0xe0dd) {
      complete = true;
      break;
    }
    if (group !== 0xfffe || element !== 0xe000) break;
    if (itemLen > size - off) break;
    off += itemLen;
    items++;
  }
  return { length: -1, available, encapsulatedComplete: complete, fragments: Math.max(0, items - 1) };
}

function framePlanes(ds: DicomDataset, rows: number, columns: number, frameCount: number): FramePlane[] {
  const shared = seqItem(ds, '52009229');
  const perFrame = ds['52009230']?.Value as DicomDataset[] | undefined;
  const topSlope = num(ds, '00281053') ?? 1;
  const topIntercept = num(ds, '00281052') ?? 0;
  if (perFrame && perFrame.length > 0) {
    // Enhanced multi-frame (PS3.3 C.7.6.16): functional groups per frame, shared as fallback.
    const out: FramePlane[] = [];
    for (let f = 0; f < frameCount; f++) {
      const pf = perFrame[f];
      const pick = (seqTag: string) => seqItem(pf, seqTag) ?? seqItem(shared, seqTag);
      const pos = nums(pick('00209113'), '00200032');
      const ori = nums(pick('00209116'), '00200037');
      const spacing = nums(pick('00289110'), '00280030');
      const pvt = pick('00289145');
      if (!pos || !ori || !spacing || pos.length < 3 || ori.length < 6 || spacing.length < 2) return [];
      out.push({
        positionMm: pos.slice(0, 3) as Vec3,
        orientation: ori.slice(0, 6) as FramePlane['orientation'],
        pixelSpacingMm: [spacing[0], spacing[1]],
        rows,
        columns,
        rescaleSlope: (pvt && num(pvt, '00281053')) ?? topSlope,
        rescaleIntercept: (pvt && num(pvt, '00281052')) ?? topIntercept,
      });
    }
    return out;
  }
  const pos = nums(ds, '00200032');
  const ori = nums(ds, '00200037');
  const spacing = nums(ds, '00280030');
  if (!pos || !ori || !spacing || pos.length < 3 || ori.length < 6 || spacing.length < 2) return [];
  if (frameCount > 1) {
    // Legacy multi-frame with a frame increment along the normal (e.g. NM/US-style); CT rarely uses it.
    const spacingBetween = num(ds, '00180088');
    if (spacingBetween === null) return [];
    const n: Vec3 = [
      ori[1] * ori[5] - ori[2] * ori[4],
      ori[2] * ori[3] - ori[0] * ori[5],
      ori[0] * ori[4] - ori[1] * ori[3],
    ];
    return Array.from({ length: frameCount }, (_, f) => ({
      positionMm: [pos[0] + n[0] * spacingBetween * f, pos[1] + n[1] * spacingBetween * f, pos[2] + n[2] * spacingBetween * f] as Vec3,
      orientation: ori.slice(0, 6) as FramePlane['orientation'],
      pixelSpacingMm: [spacing[0], spacing[1]] as [number, number],
      rows,
      columns,
      rescaleSlope: topSlope,
      rescaleIntercept: topIntercept,
    }));
  }
  return [
    {
      positionMm: pos.slice(0, 3) as Vec3,
      orientation: ori.slice(0, 6) as FramePlane['orientation'],
      pixelSpacingMm: [spacing[0], spacing[1]],
      rows,
      columns,
      rescaleSlope: topSlope,
      rescaleIntercept: topIntercept,
    },
  ];
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/**
 * Read the header of a Part 10 file. Throws DicomReadError with the reason for
 * anything that cannot become part of the library.
 */
export function readDicomHeader(bytes: Uint8Array, file: string): DicomHeader {
  if (bytes.byteLength < 132 || bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) {
    throw new DicomReadError(file, 'not a DICOM Part 10 file (no "DICM" marker at byte 128)');
  }
  let data = toArrayBuffer(bytes);
  let stream: DcmStream = new ReadBufferStream(data, null, { noCopy: true });
  let meta: DicomDataset;
  let ds: DicomDataset;
  let syntax: string;
  let datasetBytes = bytes;
  let pixelDataAt: number | null;
  try {
    // Every length is checked against the bytes that hold it before dcmjs reads any (structure.ts).
    const metaEnd = checkMetaInformation(bytes);
    stream.reset();
    stream.increment(132);
    const el = DicomMessage._readTag(stream, TS.explicitLE);
    if (el.tag.toCleanString() !== '00020000') throw new DicomStructureError('the file meta information group length (0002,0000) is missing');
    const metaLength = Number(el.values[0]);
    if (!(metaLength > 0) || stream.offset + metaLength !== metaEnd) throw new DicomStructureError('the file meta information is truncated');
    meta = DicomMessage._read(stream.more(metaLength), TS.explicitLE, { ignoreErrors: false });
    syntax = str(meta, '00020010');
    if (!syntax) throw new DicomStructureError('the transfer syntax UID (0002,0010) is missing');
    let datasetStart = metaEnd;
    if (syntax === TS.deflatedLE) {
      // PS3.5 A.5: the dataset after the meta group is a raw deflate stream; bounded against deflate bombs.
      datasetBytes = inflateBounded(bytes.subarray(metaEnd));
      datasetStart = 0;
      data = toArrayBuffer(datasetBytes);
      stream = new ReadBufferStream(data, null, { noCopy: true });
      stream.reset();
    }
    const readSyntax = NATIVE_SYNTAXES.has(syntax) ? (syntax === TS.deflatedLE ? TS.explicitLE : syntax) : TS.explicitLE;
    pixelDataAt = checkDataSet(datasetBytes, datasetStart, { littleEndian: readSyntax !== TS.explicitBE, implicit: readSyntax === TS.implicitLE });
    ds = DicomMessage._read(stream, readSyntax, { ignoreErrors: false, untilTag: '7FE00010', includeUntilTagValue: false });
  } catch (err) {
    if (err instanceof DicomReadError) throw err;
    if (err instanceof DicomStructureError) throw new DicomReadError(file, err.reason);
    throw parserFailure(file, err);
  }

  const rows = num(ds, '00280010') ?? 0;
  const columns = num(ds, '00280011') ?? 0;
  const framesValue = num(ds, '00280008');
  const numberOfFrames = Math.max(1, framesValue ?? 1);
  const bitsAllocated = num(ds, '00280100') ?? 16;
  const hasPixelData = '7FE00010' in ds && pixelDataAt !== null;
  const isDicomDir = str(meta, '00020002') === '1.2.840.10008.1.3.10';

  if (!hasPixelData && rows > 0 && columns > 0 && !isDicomDir) {
    throw new DicomReadError(file, 'image attributes but no pixel data (the file is probably truncated)');
  }
  if (hasPixelData) {
    if (rows <= 0 || columns <= 0) throw new DicomReadError(file, 'image without Rows/Columns');
    if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows > 0xffff || columns > 0xffff) {
      throw new DicomReadError(file, `Rows × Columns ${rows} × ${columns} is not an image size (whole numbers up to 65535; corrupt)`);
    }
    if (framesValue !== null && (!Number.isInteger(framesValue) || framesValue < 1)) {
      throw new DicomReadError(file, `Number of Frames (0028,0008) is ${framesValue}, not a positive whole number (corrupt)`);
    }
    const loc = locatePixelData(datasetBytes, pixelDataAt!, syntax === TS.deflatedLE ? TS.explicitLE : NATIVE_SYNTAXES.has(syntax) ? syntax : TS.explicitLE, file);
    // PS3.5 A.4: compressed transfer syntaxes encapsulate Pixel Data, the native ones never do.
    if (NATIVE_SYNTAXES.has(syntax) && loc.length < 0) {
      throw new DicomReadError(file, `Pixel Data is encapsulated but the transfer syntax ${transferSyntaxName(syntax)} is not a compressed one (corrupt)`);
    }
    if (!NATIVE_SYNTAXES.has(syntax) && loc.length >= 0) {
      throw new DicomReadError(file, `the transfer syntax ${transferSyntaxName(syntax)} needs encapsulated Pixel Data, but it is native (corrupt)`);
    }
    if (loc.length >= 0) {
      const samples = num(ds, '00280002') ?? 1;
      const expected = Math.ceil((rows * columns * numberOfFrames * samples * bitsAllocated) / 8);
      if (loc.available < Math.min(loc.length, expected)) {
        throw new DicomReadError(file, `truncated pixel data: ${loc.available} of ${Math.min(loc.length, expected)} bytes present`);
      }
      if (loc.length < expected) {
        throw new DicomReadError(file, `pixel data too short: ${loc.length} bytes for ${rows}×${columns}×${numberOfFrames} at ${bitsAllocated} bits (${expected} bytes)`);
      }
    } else if (!loc.encapsulatedComplete) {
      throw new DicomReadError(file, 'truncated compressed pixel data (no sequence delimiter before end of file)');
    } else if (numberOfFrames > (loc.fragments ?? 0)) {
      // PS3.5 A.4: every frame is one fragment or more.
      throw new DicomReadError(file, `Number of Frames is ${numberOfFrames} but the compressed pixel data holds ${loc.fragments ?? 0} fragments (truncated or corrupt)`);
    }
  }

  let referencedFiles: string[] | undefined;
  if (isDicomDir) {
    const records = (ds['00041220']?.Value as DicomDataset[] | undefined) ?? [];
    referencedFiles = [];
    for (const r of records) {
      const parts = r['00041500']?.Value;
      if (parts && parts.length > 0) referencedFiles.push(parts.map((p) => String(p).trim()).join('/'));
    }
  }

  const winC = nums(ds, '00281050');
  const winW = nums(ds, '00281051');
  return {
    transferSyntaxUid: syntax,
    sopClassUid: str(ds, '00080016') || str(meta, '00020002'),
    sopInstanceUid: str(ds, '00080018') || str(meta, '00020003'),
    studyInstanceUid: str(ds, '0020000D'),
    seriesInstanceUid: str(ds, '0020000E'),
    frameOfReferenceUid: str(ds, '00200052'),
    patientId: str(ds, '00100020'),
    patientName: str(ds, '00100010').replace(/\^+$/, ''),
    patientBirthDate: isoDate(str(ds, '00100030')),
    patientSex: str(ds, '00100040') || null,
    studyDate: isoDate(str(ds, '00080020')),
    studyTime: isoTime(str(ds, '00080030')),
    studyDescription: str(ds, '00081030'),
    studyId: str(ds, '00200010'),
    accessionNumber: str(ds, '00080050'),
    modality: str(ds, '00080060'),
    seriesNumber: num(ds, '00200011'),
    seriesDescription: str(ds, '0008103E'),
    instanceNumber: num(ds, '00200013'),
    rows,
    columns,
    numberOfFrames,
    bitsAllocated,
    bitsStored: num(ds, '00280101') ?? bitsAllocated,
    hasPixelData,
    frames: hasPixelData ? framePlanes(ds, rows, columns, numberOfFrames) : [],
    windowCenter: winC ? winC[0] : null,
    windowWidth: winW ? winW[0] : null,
    referencedFiles,
  };
}

/**
 * A small NRRD reader (http://teem.sourceforge.net/nrrd/format.html) for label maps
 * that come with research cohorts and Slicer exports: attached data, raw or gzip
 * encoding, integer or float samples, a 3D space with directions and origin. The
 * origin is the centre of the first sample, as DICOM's ImagePositionPatient is.
 */
import { gunzipSync } from 'node:zlib';
import type { Mat3, Vec3, VolumeGeometry } from '../../../../core/api/types';

export class NrrdError extends Error {
  override readonly name = 'NrrdError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

export type NrrdSampleType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';
export type NrrdData = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface Nrrd {
  type: NrrdSampleType;
  /** Samples per axis, fastest first. */
  sizes: number[];
  /** Samples in file order (first axis fastest). */
  data: NrrdData;
  /** The `space` field as written, e.g. "left-posterior-superior"; null when absent. */
  space: string | null;
  /** One vector per axis in `space` coordinates; null for non-spatial axes. */
  spaceDirections: (number[] | null)[] | null;
  spaceOrigin: number[] | null;
  /** Every field and key/value pair of the header, as written. */
  fields: Record<string, string>;
}

const TYPES: Record<string, NrrdSampleType> = {};
for (const [type, names] of Object.entries({
  int8: ['signed char', 'int8', 'int8_t'],
  uint8: ['uchar', 'unsigned char', 'uint8', 'uint8_t'],
  int16: ['short', 'short int', 'signed short', 'signed short int', 'int16', 'int16_t'],
  uint16: ['ushort', 'unsigned short', 'unsigned short int', 'uint16', 'uint16_t'],
  int32: ['int', 'signed int', 'int32', 'int32_t'],
  uint32: ['uint', 'unsigned int', 'uint32', 'uint32_t'],
  float32: ['float'],
  float64: ['double'],
})) {
  for (const name of names) TYPES[name] = type as NrrdSampleType;
}

const BYTES: Record<NrrdSampleType, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

function parseVector(text: string): number[] | null {
  const t = text.trim();
  if (t === 'none') return null;
  const m = /^\(([^)]*)\)$/.exec(t);
  if (!m) throw new Error(`"${t}" is not a vector`);
  const v = m[1].split(',').map((x) => Number(x.trim()));
  if (!v.every(Number.isFinite)) throw new Error(`"${t}" is not a numeric vector`);
  return v;
}

export function parseNrrd(bytes: Uint8Array, file: string): Nrrd {
  // The header is ASCII up to the first empty line.
  let end = -1;
  for (let p = 0; p + 1 < bytes.length; p++) {
    if (bytes[p] === 0x0a && bytes[p + 1] === 0x0a) { end = p; break; }
    if (bytes[p] === 0x0a && bytes[p + 1] === 0x0d && bytes[p + 2] === 0x0a) { end = p; break; }
  }
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (!/^NRRD000\d$/.test(magic)) throw new NrrdError(file, 'not a NRRD file (no NRRD000x magic)');
  if (end < 0) throw new NrrdError(file, 'the header has no end (no empty line)');
  const header = Buffer.from(bytes.subarray(0, end)).toString('latin1').split(/\r?\n/);
  const dataStart = end + (bytes[end + 1] === 0x0d ? 3 : 2);
  const fields: Record<string, string> = {};
  for (const line of header.slice(1)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const kv = line.indexOf(':=');
    const f = line.indexOf(': ');
    if (f >= 0 && (kv < 0 || f < kv)) fields[line.slice(0, f).trim().toLowerCase()] = line.slice(f + 2).trim();
    else if (kv >= 0) fields[line.slice(0, kv)] = line.slice(kv + 2);
  }
  if (fields['data file'] || fields.datafile) throw new NrrdError(file, 'detached data files are not supported');
  const type = TYPES[fields.type ?? ''];
  if (!type) throw new NrrdError(file, `sample type "${fields.type ?? '(missing)'}" is not supported`);
  const dimension = Number(fields.dimension);
  const sizes = (fields.sizes ?? '').split(/\s+/).filter(Boolean).map(Number);
  if (!Number.isInteger(dimension) || sizes.length !== dimension || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
    throw new NrrdError(file, `dimension "${fields.dimension}" and sizes "${fields.sizes}" do not agree`);
  }
  let spaceDirections: (number[] | null)[] | null = null;
  let spaceOrigin: number[] | null = null;
  try {
    if (fields['space directions']) spaceDirections = (fields['space directions'].match(/\([^)]*\)|none/g) ?? []).map(parseVector);
    if (fields['space origin']) spaceOrigin = parseVector(fields['space origin']);
  } catch (error) {
    throw new NrrdError(file, `bad space field: ${(error as Error).message}`);
  }

  const count = sizes.reduce((a, b) => a * b, 1);
  const byteCount = count * BYTES[type];
  const encoding = (fields.encoding ?? '').toLowerCase();
  const skip = Number(fields['byte skip'] ?? 0);
  let raw: Uint8Array;
  const payload = bytes.subarray(dataStart);
  if (encoding === 'raw') {
    raw = skip === -1 ? payload.subarray(payload.length - byteCount) : payload.subarray(skip);
  } else if (encoding === 'gzip' || encoding === 'gz') {
    try {
      raw = gunzipSync(payload);
    } catch (error) {
      throw new NrrdError(file, `the gzip data could not be decompressed (${(error as Error).message})`);
    }
    if (skip > 0) raw = raw.subarray(skip);
  } else {
    throw new NrrdError(file, `encoding "${fields.encoding ?? '(missing)'}" is not supported (raw and gzip are)`);
  }
  if (raw.length < byteCount) throw new NrrdError(file, `the data holds ${raw.length} bytes but ${sizes.join('×')} ${type} samples need ${byteCount}`);

  // Copy into an aligned buffer, swapping bytes for big-endian files.
  const aligned = new Uint8Array(byteCount);
  aligned.set(raw.subarray(0, byteCount));
  const width = BYTES[type];
  if (width > 1 && (fields.endian ?? 'little') === 'big') {
    for (let p = 0; p < byteCount; p += width) aligned.subarray(p, p + width).reverse();
  }
  const buffer = aligned.buffer;
  const data: NrrdData = {
    int8: () => new Int8Array(buffer),
    uint8: () => new Uint8Array(buffer),
    int16: () => new Int16Array(buffer),
    uint16: () => new Uint16Array(buffer),
    int32: () => new Int32Array(buffer),
    uint32: () => new Uint32Array(buffer),
    float32: () => new Float32Array(buffer),
    float64: () => new Float64Array(buffer),
  }[type]();
  return { type, sizes, data, space: fields.space ?? null, spaceDirections, spaceOrigin, fields };
}

/**
 * The VolumeGeometry of a 3D NRRD in patient LPS: direction columns are the unit
 * space directions, spacing their lengths. RAS and LAS spaces are converted.
 */
export function nrrdGeometry(nrrd: Nrrd, file: string): VolumeGeometry {
  if (nrrd.sizes.length !== 3) throw new NrrdError(file, `a ${nrrd.sizes.length}D image is not a volume`);
  const dirs = nrrd.spaceDirections;
  if (!dirs || dirs.length !== 3 || dirs.some((d) => !d || d.length !== 3) || !nrrd.spaceOrigin || nrrd.spaceOrigin.length !== 3) {
    throw new NrrdError(file, 'space directions and space origin are needed to place it');
  }
  const space = (nrrd.space ?? '').toLowerCase();
  const flip: Record<string, Vec3> = {
    'left-posterior-superior': [1, 1, 1],
    lps: [1, 1, 1],
    'right-anterior-superior': [-1, -1, 1],
    ras: [-1, -1, 1],
    'left-anterior-superior': [1, -1, 1],
    las: [1, -1, 1],
  };
  const f = flip[space];
  if (!f) throw new NrrdError(file, `space "${nrrd.space ?? '(missing)'}" is not a patient space (LPS, RAS or LAS)`);
  const spacing: number[] = [];
  const direction: number[] = [];
  for (const d of dirs as number[][]) {
    const len = Math.hypot(d[0], d[1], d[2]);
    if (len === 0) throw new NrrdError(file, 'a space direction has zero length');
    spacing.push(len);
    // `+ 0` turns the −0 of a flipped zero component into 0.
    direction.push((f[0] * d[0]) / len + 0, (f[1] * d[1]) / len + 0, (f[2] * d[2]) / len + 0);
  }
  const o = nrrd.spaceOrigin;
  return {
    dims: [nrrd.sizes[0], nrrd.sizes[1], nrrd.sizes[2]],
    spacingMm: spacing as Vec3,
    originMm: [f[0] * o[0] + 0, f[1] * o[1] + 0, f[2] * o[2] + 0],
    direction: direction as Mat3,
  };
}

/**
 * NIfTI-1 single-file (.nii) reading and writing, uncompressed bytes in and out
 * (gzip is the caller's business: main/services/nifti). Reference segmentations of
 * validation cohorts usually come as NIfTI label maps (nnU-Net, TotalSegmentator,
 * public challenges).
 *
 * Header layout and transforms: nifti1.h (NIfTI DFWG, 2004), which this file cites
 * by field name. NIfTI world coordinates are RAS (+x towards the patient's right,
 * +y anterior, +z superior); DICOM and Longitude use LPS (+x left, +y posterior),
 * so x and y change sign. Voxel order is x fastest, as in Longitude's volumes, so the
 * data is used as stored; a NIfTI grid may still run its axes the other way from the
 * DICOM series it came from (see reorientToGrid).
 */
import type { Mat3, Vec3, VolumeGeometry } from '../api/types';

export class NiftiError extends Error {
  override name = 'NiftiError';
}

export type NiftiData = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array;
export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'float32' | 'float64';

interface DatatypeInfo {
  name: NiftiDatatype;
  bytes: number;
  make: (buffer: ArrayBuffer) => NiftiData;
}

/** nifti1.h DT_* codes this reader supports. */
const DATATYPES: Record<number, DatatypeInfo> = {
  2: { name: 'uint8', bytes: 1, make: (b) => new Uint8Array(b) },
  4: { name: 'int16', bytes: 2, make: (b) => new Int16Array(b) },
  8: { name: 'int32', bytes: 4, make: (b) => new Int32Array(b) },
  16: { name: 'float32', bytes: 4, make: (b) => new Float32Array(b) },
  64: { name: 'float64', bytes: 8, make: (b) => new Float64Array(b) },
  256: { name: 'int8', bytes: 1, make: (b) => new Int8Array(b) },
  512: { name: 'uint16', bytes: 2, make: (b) => new Uint16Array(b) },
};
const UNSUPPORTED_DATATYPES: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'RGB24',
  768: 'uint32',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};
const CODE_OF: Record<NiftiDatatype, number> = { uint8: 2, int16: 4, int32: 8, float32: 16, float64: 64, int8: 256, uint16: 512 };

const HEADER_BYTES = 348;
/** Header + the 4-byte extension flag: where a .nii without extensions puts its voxels. */
const MIN_VOX_OFFSET = 352;
/** nifti1.h NIFTI_XFORM_SCANNER_ANAT: coordinates of the scanner, as DICOM's patient coordinates are. */
const XFORM_SCANNER_ANAT = 1;
/** nifti1.h NIFTI_INTENT_LABEL: voxel values are labels (indices). */
const INTENT_LABEL = 1002;
/** Largest |cosine| between two axes still taken as orthogonal (0.006°; float32 storage is ~1e-7). */
const ORTHOGONAL_TOL = 1e-4;

export interface NiftiReadOptions {
  /** Which volume of a 4-D file to read (0-based); required when the file has more than one. */
  volumeIndex?: number;
  /** Apply scl_slope/scl_inter (default true); the data is then Float32 (Float64 for float64 files). */
  applyScaling?: boolean;
}

export interface NiftiVolume {
  /** [x, y, z] voxel counts. */
  dims: Vec3;
  /** Voxel values, x fastest, then y, then z. */
  data: NiftiData;
  /** Type of `data` (after scaling, if any). */
  datatype: NiftiDatatype;
  /** Type stored in the file. */
  storedDatatype: NiftiDatatype;
  /** Grid in patient LPS millimetres. */
  geometry: VolumeGeometry;
  /** Which header transform gave the geometry (sform when sform_code > 0, else qform, else pixdim). */
  geometrySource: 'sform' | 'qform' | 'pixdim';
  /** Scaling applied to the stored values, or null when none was (none in the file, or not asked). */
  scaling: { slope: number; intercept: number } | null;
  littleEndian: boolean;
  volumeCount: number;
  volumeIndex: number;
  /** nifti1.h intent_code (1002 = label map). */
  intentCode: number;
  description: string;
  /** Things a user may want to know that did not stop the reading. */
  warnings: string[];
}

function platformLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: Vec3): number => Math.sqrt(dot(a, a));
// `+ 0` turns −0 into 0, so that a printed or compared geometry shows no "−0".
const ras2lps = (v: Vec3): Vec3 => [-v[0] + 0, -v[1] + 0, v[2] + 0];
const deg = (cos: number): string => `${((Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI).toFixed(3)}°`;

/** Split scaled axis columns into spacing and unit directions; refuse zero-length or non-orthogonal axes. */
function geometryFromColumns(dims: Vec3, columns: [Vec3, Vec3, Vec3], originMm: Vec3, what: string): VolumeGeometry {
  const spacing = columns.map(norm) as Vec3;
  spacing.forEach((s, a) => {
    if (!(s > 0) || !Number.isFinite(s)) throw new NiftiError(`the ${what} gives axis ${'ijk'[a]} a length of ${s}: the voxel size is unknown`);
  });
  const unit = columns.map((c, a) => c.map((v) => v / spacing[a]) as Vec3);
  for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
    const cos = dot(unit[a], unit[b]);
    if (Math.abs(cos) > ORTHOGONAL_TOL) {
      throw new NiftiError(
        `the ${what} axes ${'ijk'[a]} and ${'ijk'[b]} are ${deg(cos)} apart, not 90°: a sheared (non-orthogonal) grid is not supported; resample the image to an orthogonal grid first`,
      );
    }
  }
  const direction = [...unit[0], ...unit[1], ...unit[2]] as Mat3;
  return { dims, spacingMm: spacing, originMm, direction };
}

/** nifti1.h "METHOD 2": rotation from the quaternion (b, c, d), a = √(1 − b² − c² − d²). */
function quaternionToRotation(b: number, c: number, d: number): number[][] {
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // nifti1_io: a 180° rotation stored with rounding; renormalize (b, c, d), a = 0.
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  return [
    [a * a + b * b - c * c - d * d, 2 * b * c - 2 * a * d, 2 * b * d + 2 * a * c],
    [2 * b * c + 2 * a * d, a * a + c * c - b * b - d * d, 2 * c * d - 2 * a * b],
    [2 * b * d - 2 * a * c, 2 * c * d + 2 * a * b, a * a + d * d - c * c - b * b],
  ];
}

/** Parse an uncompressed single-file NIfTI-1 (.nii) image. */
export function parseNifti1(bytes: Uint8Array, options: NiftiReadOptions = {}): NiftiVolume {
  const { applyScaling = true } = options;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new NiftiError('the data is gzip-compressed (.nii.gz): decompress it before parsing');
  }
  if (bytes.length < HEADER_BYTES) throw new NiftiError(`${bytes.length} bytes is too short for a NIfTI-1 header (348 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizeLe = view.getInt32(0, true);
  const sizeBe = view.getInt32(0, false);
  let le: boolean;
  if (sizeLe === HEADER_BYTES) le = true;
  else if (sizeBe === HEADER_BYTES) le = false;
  else if (sizeLe === 540 || sizeBe === 540) throw new NiftiError('NIfTI-2 is not supported (sizeof_hdr 540): save the image as NIfTI-1');
  else throw new NiftiError(`bad sizeof_hdr ${sizeLe}: a NIfTI-1 header starts with 348; this is not a NIfTI-1 file`);

  const i16 = (o: number): number => view.getInt16(o, le);
  const f32 = (o: number): number => view.getFloat32(o, le);

  const magic = ascii(bytes, 344, 4);
  if (magic === 'ni1') throw new NiftiError('this is the header of a .hdr/.img pair (magic "ni1"): only single-file .nii is supported');
  if (magic !== 'n+1') throw new NiftiError(`no NIfTI-1 magic "n+1" (found ${JSON.stringify(magic)}): an ANALYZE 7.5 file or not NIfTI`);

  const dim = Array.from({ length: 8 }, (_, n) => i16(40 + 2 * n));
  const ndim = dim[0];
  if (ndim < 1 || ndim > 7) throw new NiftiError(`dim[0] is ${ndim}: the number of dimensions must be 1 to 7`);
  const size = (n: number): number => (n <= ndim ? dim[n] : 1);
  for (let n = 1; n <= ndim; n++) if (dim[n] < 1) throw new NiftiError(`dim[${n}] is ${dim[n]}: every dimension must be at least 1`);
  const dims: Vec3 = [size(1), size(2), size(3)];
  const volumeCount = size(4);
  const extra = size(5) * size(6) * size(7);
  if (extra > 1) throw new NiftiError(`dims 5–7 are ${[size(5), size(6), size(7)].join('×')}: vector or multi-component images are not supported`);
  let volumeIndex = options.volumeIndex;
  if (volumeIndex === undefined) {
    if (volumeCount > 1) throw new NiftiError(`4-D image with ${volumeCount} volumes: give a volume index (0 … ${volumeCount - 1})`);
    volumeIndex = 0;
  } else if (!Number.isInteger(volumeIndex) || volumeIndex < 0 || volumeIndex >= volumeCount) {
    throw new NiftiError(`volume index ${volumeIndex} is out of range: the image has ${volumeCount} volume${volumeCount > 1 ? 's' : ''} (0 … ${volumeCount - 1})`);
  }

  const code = i16(70);
  const info = DATATYPES[code];
  if (!info) {
    const known = UNSUPPORTED_DATATYPES[code];
    throw new NiftiError(`datatype ${code}${known ? ` (${known})` : ''} is not supported: uint8, int8, int16, uint16, int32, float32 and float64 are`);
  }
  const bitpix = i16(72);
  if (bitpix !== info.bytes * 8) throw new NiftiError(`bitpix ${bitpix} does not match datatype ${info.name} (${info.bytes * 8} bits)`);

  const voxOffset = f32(108);
  if (!Number.isInteger(voxOffset) || voxOffset < HEADER_BYTES) {
    throw new NiftiError(`vox_offset ${voxOffset} is not a whole byte offset after the 348-byte header`);
  }
  const voxels = dims[0] * dims[1] * dims[2];
  const volumeBytes = voxels * info.bytes;
  const needed = voxOffset + volumeCount * volumeBytes;
  if (bytes.length < needed) {
    throw new NiftiError(
      `data shorter than the header says: ${dims.join('×')}${volumeCount > 1 ? `×${volumeCount}` : ''} ${info.name} voxels need ${needed} bytes from the start, the file has ${bytes.length}; it is truncated`,
    );
  }

  // Copy out the voxels (the copy is aligned), swapping bytes when the file's order is not the platform's.
  const start = voxOffset + volumeIndex * volumeBytes;
  // (An explicit copy: Node's Buffer.slice returns a view, not a copy.)
  const raw = new Uint8Array(volumeBytes);
  raw.set(bytes.subarray(start, start + volumeBytes));
  if (info.bytes > 1 && le !== platformLittleEndian()) {
    const w = info.bytes;
    for (let p = 0; p < raw.length; p += w) {
      for (let a = 0, b = w - 1; a < b; a++, b--) {
        const t = raw[p + a];
        raw[p + a] = raw[p + b];
        raw[p + b] = t;
      }
    }
  }
  let data = info.make(raw.buffer);
  let datatype = info.name;

  // nifti1.h: scl_slope ≠ 0 → value = scl_slope·stored + scl_inter. 0 or NaN means none (nibabel does the same).
  const slope = f32(112);
  const inter = Number.isFinite(f32(116)) ? f32(116) : 0;
  let scaling: NiftiVolume['scaling'] = null;
  if (applyScaling && Number.isFinite(slope) && slope !== 0 && !(slope === 1 && inter === 0)) {
    const out = info.name === 'float64' ? new Float64Array(voxels) : new Float32Array(voxels);
    for (let p = 0; p < voxels; p++) out[p] = slope * data[p] + inter;
    data = out;
    datatype = info.name === 'float64' ? 'float64' : 'float32';
    scaling = { slope, intercept: inter };
  }

  // Spatial units (xyzt_units bits 0–2): metres and micrometres are converted to millimetres.
  const warnings: string[] = [];
  const units = bytes[123] & 0x07;
  let toMm = 1;
  if (units === 1) toMm = 1000;
  else if (units === 3) toMm = 0.001;
  else if (units === 0) warnings.push('the spatial unit is not set in the header: millimetres assumed');

  const pixdim = Array.from({ length: 8 }, (_, n) => f32(76 + 4 * n));
  const qformCode = i16(252);
  const sformCode = i16(254);
  let geometry: VolumeGeometry;
  let geometrySource: NiftiVolume['geometrySource'];
  if (sformCode > 0) {
    // nifti1.h "METHOD 3": x = srow_x · (i, j, k, 1), etc.
    const row = (o: number): number[] => [0, 1, 2, 3].map((n) => f32(o + 4 * n) * toMm);
    const [sx, sy, sz] = [row(280), row(296), row(312)];
    const col = (n: number): Vec3 => ras2lps([sx[n], sy[n], sz[n]]);
    geometry = geometryFromColumns(dims, [col(0), col(1), col(2)], col(3), 'sform');
    geometrySource = 'sform';
  } else if (qformCode > 0) {
    // nifti1.h "METHOD 2": x = R · [pixdim[1]·i, pixdim[2]·j, qfac·pixdim[3]·k] + qoffset.
    const r = quaternionToRotation(f32(256), f32(260), f32(264));
    const qfac = pixdim[0] < 0 ? -1 : 1;
    const d = [pixdim[1], pixdim[2], pixdim[3]].map((v) => v * toMm);
    d.forEach((v, a) => {
      if (!(v > 0)) throw new NiftiError(`pixdim[${a + 1}] is ${pixdim[a + 1]}: the qform needs positive voxel sizes`);
    });
    const col = (n: number): Vec3 => ras2lps([r[0][n] * d[n], r[1][n] * d[n], r[2][n] * d[n]].map((v) => (n === 2 ? v * qfac : v)) as Vec3);
    const origin = ras2lps([f32(268) * toMm, f32(272) * toMm, f32(276) * toMm]);
    geometry = geometryFromColumns(dims, [col(0), col(1), col(2)], origin, 'qform');
    geometrySource = 'qform';
  } else {
    // nifti1.h "METHOD 1" (ANALYZE 7.5): x = pixdim[1]·i, … in RAS.
    const d = [pixdim[1], pixdim[2], pixdim[3]].map((v) => Math.abs(v) * toMm);
    d.forEach((v, a) => {
      if (!(v > 0)) throw new NiftiError(`pixdim[${a + 1}] is ${pixdim[a + 1]}: the voxel size is unknown`);
    });
    geometry = { dims, spacingMm: d as Vec3, originMm: [0, 0, 0], direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };
    geometrySource = 'pixdim';
    warnings.push('no sform or qform (both codes 0): voxel size from pixdim only; position and orientation in the patient are unknown');
  }

  return {
    dims,
    data,
    datatype,
    storedDatatype: info.name,
    geometry,
    geometrySource,
    scaling,
    littleEndian: le,
    volumeCount,
    volumeIndex,
    intentCode: i16(68),
    description: ascii(bytes, 148, 80),
    warnings,
  };
}

export interface NiftiWriteOptions {
  /** descrip field, ASCII, at most 79 characters kept. */
  description?: string;
  /** 'label' (NIFTI_INTENT_LABEL) by default for integer data, 'none' for float. */
  intent?: 'label' | 'none';
}

function datatypeOf(data: NiftiData): NiftiDatatype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** nifti1_io nifti_mat44_to_quatern for a proper rotation R (rows × columns), a ≥ 0. */
function rotationToQuaternion(r: number[][]): [number, number, number] {
  const [r11, r12, r13] = r[0];
  const [r21, r22, r23] = r[1];
  const [r31, r32, r33] = r[2];
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return [b, c, d];
}

/**
 * A single-file NIfTI-1 (.nii, little endian, vox_offset 352, no extensions) of a
 * volume on `geometry`'s grid. Both transforms are written, with code 1
 * (NIFTI_XFORM_SCANNER_ANAT): Longitude's geometry is DICOM patient coordinates,
 * i.e. the scanner's, as dcm2niix also declares; "aligned" (2) would claim a
 * registration to another image that did not happen. The sform holds the exact
 * affine, the qform the same grid as a rotation + qfac for readers that use only it.
 * A sheared grid (gantry tilt) is refused: NIfTI's qform cannot hold it.
 */
export function serializeNifti1(data: NiftiData, geometry: VolumeGeometry, options: NiftiWriteOptions = {}): Uint8Array {
  const [nx, ny, nz] = geometry.dims;
  const voxels = nx * ny * nz;
  if (data.length !== voxels) throw new NiftiError(`${data.length} voxels do not fill the grid ${geometry.dims.join('×')} (${voxels})`);
  for (const n of geometry.dims) if (!Number.isInteger(n) || n < 1 || n > 32767) throw new NiftiError(`dimension ${n} cannot be stored in NIfTI-1 (1 … 32767)`);
  const datatype = datatypeOf(data);
  const info = DATATYPES[CODE_OF[datatype]];
  const d = geometry.direction;
  const cols: Vec3[] = [[d[0], d[1], d[2]], [d[3], d[4], d[5]], [d[6], d[7], d[8]]];
  cols.forEach((c, a) => {
    if (Math.abs(norm(c) - 1) > ORTHOGONAL_TOL) throw new NiftiError(`direction axis ${'ijk'[a]} is not a unit vector (length ${norm(c)})`);
  });
  for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
    const cos = dot(cols[a], cols[b]);
    if (Math.abs(cos) > ORTHOGONAL_TOL) {
      throw new NiftiError(`axes ${'ijk'[a]} and ${'ijk'[b]} are ${deg(cos)} apart (a sheared grid, e.g. gantry tilt): NIfTI-1 cannot store it; resample to an orthogonal grid first`);
    }
  }
  geometry.spacingMm.forEach((s, a) => {
    if (!(s > 0)) throw new NiftiError(`spacing along ${'ijk'[a]} is ${s} mm: it must be positive`);
  });

  const buffer = new ArrayBuffer(MIN_VOX_OFFSET + voxels * info.bytes);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const i16 = (o: number, v: number): void => view.setInt16(o, v, true);
  const f32 = (o: number, v: number): void => view.setFloat32(o, v, true);
  view.setInt32(0, HEADER_BYTES, true);
  bytes[38] = 'r'.charCodeAt(0); // regular (ANALYZE legacy)
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((v, n) => i16(40 + 2 * n, v));
  const intent = options.intent ?? (datatype === 'float32' || datatype === 'float64' ? 'none' : 'label');
  i16(68, intent === 'label' ? INTENT_LABEL : 0);
  i16(70, CODE_OF[datatype]);
  i16(72, info.bytes * 8);

  // RAS columns (LPS with x and y negated); a reflection goes into qfac (nifti1.h: pixdim[0]).
  const ras = cols.map(ras2lps);
  const det =
    ras[0][0] * (ras[1][1] * ras[2][2] - ras[1][2] * ras[2][1]) -
    ras[1][0] * (ras[0][1] * ras[2][2] - ras[0][2] * ras[2][1]) +
    ras[2][0] * (ras[0][1] * ras[1][2] - ras[0][2] * ras[1][1]);
  const qfac = det < 0 ? -1 : 1;
  [qfac, ...geometry.spacingMm, 1, 1, 1, 1].forEach((v, n) => f32(76 + 4 * n, v));
  f32(108, MIN_VOX_OFFSET);
  f32(112, 1); // scl_slope: values stored as they are
  f32(116, 0);
  bytes[123] = 2; // xyzt_units: NIFTI_UNITS_MM
  const descrip = (options.description ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 79);
  for (let n = 0; n < descrip.length; n++) bytes[148 + n] = descrip.charCodeAt(n);

  const originRas = ras2lps(geometry.originMm);
  i16(252, XFORM_SCANNER_ANAT);
  i16(254, XFORM_SCANNER_ANAT);
  // Rotation rows × columns, with the k column flipped by qfac to make it proper.
  const rot = [0, 1, 2].map((row) => [ras[0][row], ras[1][row], ras[2][row] * qfac]);
  const [qb, qc, qd] = rotationToQuaternion(rot);
  f32(256, qb);
  f32(260, qc);
  f32(264, qd);
  f32(268, originRas[0]);
  f32(272, originRas[1]);
  f32(276, originRas[2]);
  for (let row = 0; row < 3; row++) {
    for (let a = 0; a < 3; a++) f32(280 + 16 * row + 4 * a, ras[a][row] * geometry.spacingMm[a]);
    f32(280 + 16 * row + 12, originRas[row]);
  }
  bytes.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  // Bytes 348–351: extension flag 0 (no extensions).

  const out = new Uint8Array(buffer, MIN_VOX_OFFSET);
  const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (info.bytes > 1 && !platformLittleEndian()) {
    for (let p = 0; p < src.length; p += info.bytes) for (let a = 0; a < info.bytes; a++) out[p + a] = src[p + info.bytes - 1 - a];
  } else {
    out.set(src);
  }
  return bytes;
}

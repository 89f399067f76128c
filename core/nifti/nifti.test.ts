import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { NiftiError, parseNifti1, serializeNifti1 } from './nifti';
import { reorientToGrid, gridMapping } from './reorient';

interface HeaderSpec {
  le?: boolean;
  sizeofHdr?: number;
  dim?: number[];
  datatype?: number;
  bitpix?: number;
  pixdim?: number[];
  voxOffset?: number;
  slope?: number;
  inter?: number;
  units?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: Vec3;
  srow?: [number[], number[], number[]];
  magic?: string;
}

/** A NIfTI-1 file written field by field, independently of serializeNifti1. */
function niftiFile(spec: HeaderSpec, voxelBytes: (view: DataView, offset: number, le: boolean) => void, dataLength: number): Uint8Array {
  const le = spec.le ?? true;
  const voxOffset = spec.voxOffset ?? 352;
  const buf = new ArrayBuffer(voxOffset + dataLength);
  const v = new DataView(buf);
  const b = new Uint8Array(buf);
  v.setInt32(0, spec.sizeofHdr ?? 348, le);
  (spec.dim ?? [3, 2, 2, 1, 1, 1, 1, 1]).forEach((x, n) => v.setInt16(40 + 2 * n, x, le));
  v.setInt16(70, spec.datatype ?? 2, le);
  v.setInt16(72, spec.bitpix ?? 8, le);
  (spec.pixdim ?? [1, 1, 1, 1, 1, 1, 1, 1]).forEach((x, n) => v.setFloat32(76 + 4 * n, x, le));
  v.setFloat32(108, voxOffset, le);
  v.setFloat32(112, spec.slope ?? 0, le);
  v.setFloat32(116, spec.inter ?? 0, le);
  b[123] = spec.units ?? 2;
  v.setInt16(252, spec.qformCode ?? 0, le);
  v.setInt16(254, spec.sformCode ?? 0, le);
  (spec.quatern ?? [0, 0, 0]).forEach((x, n) => v.setFloat32(256 + 4 * n, x, le));
  (spec.qoffset ?? [0, 0, 0]).forEach((x, n) => v.setFloat32(268 + 4 * n, x, le));
  (spec.srow ?? [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]).forEach((row, r) => row.forEach((x, n) => v.setFloat32(280 + 16 * r + 4 * n, x, le)));
  const magic = spec.magic ?? 'n+1';
  for (let n = 0; n < magic.length; n++) b[344 + n] = magic.charCodeAt(n);
  voxelBytes(v, voxOffset, le);
  return b;
}
const uint8Voxels = (values: number[]) => (v: DataView, o: number): void => values.forEach((x, n) => v.setUint8(o + n, x));

function expectGeometry(actual: VolumeGeometry, expected: VolumeGeometry, mm = 1e-4, cos = 1e-6): void {
  expect(actual.dims).toEqual(expected.dims);
  for (let a = 0; a < 3; a++) {
    expect(Math.abs(actual.spacingMm[a] - expected.spacingMm[a])).toBeLessThan(mm);
    expect(Math.abs(actual.originMm[a] - expected.originMm[a])).toBeLessThan(mm);
  }
  for (let n = 0; n < 9; n++) expect(Math.abs(actual.direction[n] - expected.direction[n])).toBeLessThan(cos);
}

describe('parseNifti1: geometry', () => {
  it('sform of the MNI152 2 mm template: RAS → LPS negates x and y', () => {
    // srow: x = −2i + 90, y = 2j − 126, z = 2k − 72 (RAS). Voxel (0,0,0) is RAS (90, −126, −72) = LPS (−90, 126, −72);
    // i runs RAS −x = LPS +x (to the patient's left), j runs RAS +y = LPS −y (anterior), k superior.
    const f = niftiFile({ sformCode: 4, srow: [[-2, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72]] }, uint8Voxels([1, 2, 3, 4]), 4);
    const n = parseNifti1(f);
    expect(n.geometrySource).toBe('sform');
    expect(n.geometry).toEqual({ dims: [2, 2, 1], spacingMm: [2, 2, 2], originMm: [-90, 126, -72], direction: [1, 0, 0, 0, -1, 0, 0, 0, 1] });
    expect(Array.from(n.data)).toEqual([1, 2, 3, 4]);
    expect(n.datatype).toBe('uint8');
    expect(n.warnings).toEqual([]);
  });

  it('qform: quaternion (0, 0, 1) is 180° about z; qfac −1 (pixdim[0]) reverses k', () => {
    // R = diag(−1, −1, 1): i → RAS −x = LPS +x, j → RAS −y = LPS +y: the DICOM axial orientation.
    const f = niftiFile(
      { qformCode: 1, quatern: [0, 0, 1], qoffset: [10, 20, 30], pixdim: [-1, 0.8, 0.7, 5, 1, 1, 1, 1] },
      uint8Voxels([0, 0, 0, 0]),
      4,
    );
    const n = parseNifti1(f);
    expect(n.geometrySource).toBe('qform');
    expectGeometry(n.geometry, { dims: [2, 2, 1], spacingMm: [0.8, 0.7, 5], originMm: [-10, -20, 30], direction: [1, 0, 0, 0, 1, 0, 0, 0, -1] });
  });

  it('the sform wins over the qform when both are set', () => {
    const f = niftiFile(
      { qformCode: 1, quatern: [0, 0, 1], sformCode: 1, srow: [[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]] },
      uint8Voxels([0, 0, 0, 0]),
      4,
    );
    expect(parseNifti1(f).geometry.spacingMm).toEqual([3, 3, 3]);
  });

  it('no transform: pixdim only, with a warning', () => {
    const f = niftiFile({ pixdim: [0, 1.5, 1.5, 4, 0, 0, 0, 0] }, uint8Voxels([0, 0, 0, 0]), 4);
    const n = parseNifti1(f);
    expect(n.geometrySource).toBe('pixdim');
    expect(n.geometry).toEqual({ dims: [2, 2, 1], spacingMm: [1.5, 1.5, 4], originMm: [0, 0, 0], direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] });
    expect(n.warnings.join()).toMatch(/position and orientation .* unknown/);
  });

  it('spatial unit metres: converted to millimetres', () => {
    const f = niftiFile({ units: 1, sformCode: 1, srow: [[-0.001, 0, 0, 0.1], [0, 0.001, 0, 0], [0, 0, 0.002, 0]] }, uint8Voxels([0, 0, 0, 0]), 4);
    const g = parseNifti1(f).geometry;
    expect(g.spacingMm.map((s) => +s.toFixed(6))).toEqual([1, 1, 2]);
    expect(g.originMm[0]).toBeCloseTo(-100, 4);
  });

  it('a sheared sform (axes not at 90°) is a clear error', () => {
    // j column (0.5, 1, 0) against i (1, 0, 0): 63.4° apart.
    const f = niftiFile({ sformCode: 1, srow: [[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] }, uint8Voxels([0, 0, 0, 0]), 4);
    expect(() => parseNifti1(f)).toThrow(NiftiError);
    expect(() => parseNifti1(f)).toThrow(/axes i and j are 63\.435° apart, not 90°: a sheared/);
  });
});

describe('parseNifti1: data', () => {
  it('big-endian int16 with scl_slope 2 and scl_inter −1', () => {
    const stored = [1, -2, 300, 4];
    const f = niftiFile(
      { le: false, datatype: 4, bitpix: 16, slope: 2, inter: -1, sformCode: 1, srow: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] },
      (v, o, le) => stored.forEach((x, n) => v.setInt16(o + 2 * n, x, le)),
      8,
    );
    const n = parseNifti1(f);
    expect(n.littleEndian).toBe(false);
    expect(n.storedDatatype).toBe('int16');
    expect(n.datatype).toBe('float32');
    expect(n.scaling).toEqual({ slope: 2, intercept: -1 });
    expect(Array.from(n.data)).toEqual([1, -5, 599, 7]); // 2x − 1
    const raw = parseNifti1(f, { applyScaling: false });
    expect(raw.data).toBeInstanceOf(Int16Array);
    expect(Array.from(raw.data)).toEqual(stored);
  });

  it('reads every supported datatype, both byte orders', () => {
    const cases: [number, number, (v: DataView, o: number, x: number, le: boolean) => void, string][] = [
      [2, 1, (v, o, x) => v.setUint8(o, x), 'uint8'],
      [256, 1, (v, o, x) => v.setInt8(o, x), 'int8'],
      [4, 2, (v, o, x, le) => v.setInt16(o, x, le), 'int16'],
      [512, 2, (v, o, x, le) => v.setUint16(o, x, le), 'uint16'],
      [8, 4, (v, o, x, le) => v.setInt32(o, x, le), 'int32'],
      [16, 4, (v, o, x, le) => v.setFloat32(o, x, le), 'float32'],
      [64, 8, (v, o, x, le) => v.setFloat64(o, x, le), 'float64'],
    ];
    for (const [code, bytes, set, name] of cases) {
      const values = name.startsWith('u') ? [0, 1, 100, 200] : [-3, 0, 5, 100];
      for (const le of [true, false]) {
        const f = niftiFile({ le, datatype: code, bitpix: bytes * 8 }, (v, o) => values.forEach((x, n) => set(v, o + n * bytes, x, le)), 4 * bytes);
        const n = parseNifti1(f);
        expect(n.datatype).toBe(name);
        expect(Array.from(n.data)).toEqual(values);
      }
    }
  });

  it('honours vox_offset (extensions before the data)', () => {
    const f = niftiFile({ voxOffset: 368 }, uint8Voxels([9, 8, 7, 6]), 4);
    expect(Array.from(parseNifti1(f).data)).toEqual([9, 8, 7, 6]);
  });

  it('4-D: refused without a volume index, the right volume with one', () => {
    const f = niftiFile({ dim: [4, 2, 2, 1, 3, 1, 1, 1] }, uint8Voxels([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]), 12);
    expect(() => parseNifti1(f)).toThrow(/4-D image with 3 volumes: give a volume index \(0 … 2\)/);
    const n = parseNifti1(f, { volumeIndex: 2 });
    expect(Array.from(n.data)).toEqual([2, 2, 2, 2]);
    expect([n.volumeIndex, n.volumeCount]).toEqual([2, 3]);
    expect(() => parseNifti1(f, { volumeIndex: 3 })).toThrow(/out of range/);
  });
});

describe('parseNifti1: errors name the reason', () => {
  const ok = (spec: HeaderSpec = {}, length = 4): Uint8Array => niftiFile(spec, uint8Voxels([0, 0, 0, 0].slice(0, length)), length);
  it.each([
    ['bad sizeof_hdr', ok({ sizeofHdr: 123 }), /bad sizeof_hdr 123/],
    ['NIfTI-2', ok({ sizeofHdr: 540 }), /NIfTI-2 is not supported/],
    ['truncated data', ok({}, 3), /data shorter than the header says: 2×2×1 uint8 voxels need 356 bytes .* the file has 355/],
    ['a .hdr/.img pair', ok({ magic: 'ni1' }), /\.hdr\/\.img pair/],
    ['no magic', ok({ magic: '\0\0\0' }), /no NIfTI-1 magic/],
    ['uint32', ok({ datatype: 768, bitpix: 32 }), /datatype 768 \(uint32\) is not supported/],
    ['bitpix mismatch', ok({ datatype: 4, bitpix: 8 }), /bitpix 8 does not match datatype int16/],
    ['5-D', ok({ dim: [5, 2, 2, 1, 1, 3, 1, 1] }), /vector or multi-component/],
    ['gzip', Uint8Array.from([0x1f, 0x8b, 8, 0]), /gzip-compressed/],
    ['short', new Uint8Array(100), /too short for a NIfTI-1 header/],
  ])('%s', (_, bytes, message) => {
    expect(() => parseNifti1(bytes)).toThrow(NiftiError);
    expect(() => parseNifti1(bytes)).toThrow(message);
  });
});

describe('serializeNifti1 → parseNifti1 round trip', () => {
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const geometries: [string, VolumeGeometry][] = [
    ['DICOM axial (LPS identity)', { dims: [5, 4, 3], spacingMm: [0.7421875, 0.7421875, 2.5], originMm: [-190.12345, -160.5, -812.25], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }],
    ['oblique (rotated about z)', { dims: [5, 4, 3], spacingMm: [0.9, 1.1, 3], originMm: [12.5, -40, 77], direction: [c, s, 0, -s, c, 0, 0, 0, 1] }],
    ['slices running feet-ward (a reflection: qfac −1)', { dims: [5, 4, 3], spacingMm: [1, 1, 5], originMm: [0, 0, 100], direction: [1, 0, 0, 0, 1, 0, 0, 0, -1] }],
    ['sagittal', { dims: [5, 4, 3], spacingMm: [1, 1, 1.5], originMm: [-30, 100, 50], direction: [0, 1, 0, 0, 0, -1, -1, 0, 0] }],
  ];
  it.each(geometries)('%s: data and geometry survive, from the sform and from the qform', (_, g) => {
    const labels = Uint8Array.from({ length: 60 }, (_, n) => n % 7);
    const bytes = serializeNifti1(labels, g, { description: 'Longitude test' });
    const n = parseNifti1(bytes);
    expect(n.geometrySource).toBe('sform');
    expectGeometry(n.geometry, g);
    expect(n.data).toEqual(labels);
    expect(n.intentCode).toBe(1002);
    expect(n.description).toBe('Longitude test');
    expect(n.warnings).toEqual([]);
    // The same file with sform_code set to 0: the qform alone gives the same grid.
    const qOnly = bytes.slice();
    new DataView(qOnly.buffer).setInt16(254, 0, true);
    const q = parseNifti1(qOnly);
    expect(q.geometrySource).toBe('qform');
    expectGeometry(q.geometry, g, 1e-4, 1e-6);
    // And every voxel centre lands at the same LPS point.
    expect(indexToLps(q.geometry, [4, 3, 2]).map((x, a) => Math.abs(x - indexToLps(g, [4, 3, 2])[a]) < 1e-3)).toEqual([true, true, true]);
  });

  it('int16 and float32 data; the header says what a NIfTI reader needs', () => {
    const g = geometries[0][1];
    const ct = Int16Array.from({ length: 60 }, (_, n) => n * 50 - 1024);
    const back = parseNifti1(serializeNifti1(ct, g));
    expect(back.data).toEqual(ct);
    expect(back.scaling).toBeNull();
    const prob = Float32Array.from({ length: 60 }, (_, n) => n / 59);
    const pb = serializeNifti1(prob, g);
    const p = parseNifti1(pb);
    expect(p.data).toEqual(prob);
    expect(p.intentCode).toBe(0);
    const v = new DataView(pb.buffer);
    expect([v.getInt32(0, true), v.getFloat32(108, true), v.getInt16(252, true), v.getInt16(254, true), pb[123]]).toEqual([348, 352, 1, 1, 2]);
    expect(String.fromCharCode(pb[344], pb[345], pb[346])).toBe('n+1');
    expect(pb.length).toBe(352 + 60 * 4);
  });

  it('refuses a sheared (gantry-tilted) grid and data that does not fill the grid', () => {
    const tilt = (20 * Math.PI) / 180;
    const g: VolumeGeometry = { dims: [2, 2, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, Math.sin(tilt), Math.cos(tilt)] as Mat3 };
    expect(() => serializeNifti1(new Uint8Array(8), g)).toThrow(/sheared grid/);
    expect(() => serializeNifti1(new Uint8Array(7), { ...g, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] })).toThrow(/7 voxels do not fill the grid 2×2×2/);
  });
});

describe('reorientToGrid', () => {
  const target: VolumeGeometry = { dims: [3, 2, 2], spacingMm: [1, 2, 3], originMm: [10, 20, 30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  const targetValues = Int16Array.from({ length: 12 }, (_, n) => n);

  it('undoes a reversed j axis (rows stored bottom-up)', () => {
    // Source row j' = 1 − j; its first voxel is the target's (0, 1, 0) at y = 20 + 2.
    const source: VolumeGeometry = { dims: [3, 2, 2], spacingMm: [1, 2, 3], originMm: [10, 22, 30], direction: [1, 0, 0, 0, -1, 0, 0, 0, 1] };
    const sourceValues = new Int16Array(12);
    for (let k = 0; k < 2; k++) for (let j = 0; j < 2; j++) for (let i = 0; i < 3; i++) sourceValues[i + 3 * (1 - j) + 6 * k] = targetValues[i + 3 * j + 6 * k];
    expect(gridMapping(source, target)).toEqual({ axis: [0, 1, 2], sign: [1, -1, 1] });
    const out = reorientToGrid(sourceValues, source, target);
    expect(out).toBeInstanceOf(Int16Array);
    expect(out).toEqual(targetValues);
  });

  it('undoes a permutation of the axes with a flip', () => {
    // Source axes: i' runs along target k (reversed), j' along target i, k' along target j.
    const source: VolumeGeometry = { dims: [2, 3, 2], spacingMm: [3, 1, 2], originMm: [10, 20, 33], direction: [0, 0, -1, 1, 0, 0, 0, 1, 0] };
    const sourceValues = new Int16Array(12);
    for (let k = 0; k < 2; k++) for (let j = 0; j < 2; j++) for (let i = 0; i < 3; i++) sourceValues[1 - k + 2 * i + 6 * j] = targetValues[i + 3 * j + 6 * k];
    expect(reorientToGrid(sourceValues, source, target)).toEqual(targetValues);
  });

  it('refuses grids that are shifted, rotated or differently sized', () => {
    expect(() => reorientToGrid(targetValues, { ...target, originMm: [10.5, 20, 30] }, target)).toThrow(/shifted/);
    const c = Math.cos(0.2), s = Math.sin(0.2);
    expect(() => reorientToGrid(targetValues, { ...target, direction: [c, s, 0, -s, c, 0, 0, 0, 1] }, target)).toThrow(/need resampling/);
    expect(() => reorientToGrid(targetValues, { ...target, spacingMm: [1, 2, 3.5] }, target)).toThrow(/spacing/);
  });
});

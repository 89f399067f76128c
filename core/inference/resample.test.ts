import { describe, expect, it } from 'vitest';
import type { Mat3, Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { geometryAtSpacing, resampleLinear, resampleNearest, resampleToGrid } from './resample';

// An oblique-free but non-trivial orientation: i → L, j → −S (feet), k → P.
const DIRECTION: Mat3 = [1, 0, 0, 0, 0, -1, 0, 1, 0];
const geom = (dims: Vec3, spacingMm: Vec3): VolumeGeometry => ({
  dims,
  spacingMm,
  originMm: [10, -5, 7],
  direction: DIRECTION,
});

/** A linear function of the LPS position (HU-like numbers). */
const ramp = (p: Vec3): number => 3 + 0.5 * p[0] - 0.25 * p[1] + 2 * p[2];

function fill(g: VolumeGeometry, f: (ijk: Vec3) => number): Float32Array {
  const [nx, ny, nz] = g.dims;
  const out = new Float32Array(nx * ny * nz);
  let o = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) out[o++] = f([i, j, k]);
  return out;
}

describe('geometryAtSpacing', () => {
  it('keeps origin and direction and rounds extent / spacing', () => {
    const g = geometryAtSpacing(geom([5, 4, 3], [2, 2, 3]), [0.7, 4, 1.5]);
    expect(g.dims).toEqual([14, 2, 6]); // 10/0.7 = 14.3 → 14, 8/4 = 2, 9/1.5 = 6
    expect(g.spacingMm).toEqual([0.7, 4, 1.5]);
    expect(g.originMm).toEqual([10, -5, 7]);
    expect(g.direction).toEqual(DIRECTION);
  });
  it('never produces an empty axis and refuses a non-positive spacing', () => {
    expect(geometryAtSpacing(geom([1, 1, 1], [1, 1, 1]), [5, 5, 5]).dims).toEqual([1, 1, 1]);
    expect(() => geometryAtSpacing(geom([1, 1, 1], [1, 1, 1]), [0, 1, 1])).toThrow(/positive/);
  });
});

describe('resampleLinear', () => {
  it('reproduces a linear ramp exactly when upsampling (clamped at the far edge)', () => {
    const from = geom([5, 4, 3], [2, 2, 3]);
    const src = fill(from, (ijk) => ramp(indexToLps(from, ijk)));
    const { data, geometry } = resampleLinear(src, from, [1, 1, 1.5]);
    expect(geometry.dims).toEqual([10, 8, 6]);
    expect(geometry.originMm).toEqual(from.originMm);
    // Target voxel i sits at source index i·to/from; beyond the last source centre the edge is replicated.
    const expected = fill(geometry, ([i, j, k]) =>
      ramp(indexToLps(from, [Math.min(i / 2, 4), Math.min(j / 2, 3), Math.min(k / 2, 2)])),
    );
    for (let n = 0; n < data.length; n++) expect(data[n]).toBeCloseTo(expected[n], 4);
    // A voxel between source centres, by hand: source index (1.5, 0.5, 1) → LPS (13, -5 + 3, 7 - 1).
    expect(data[3 + 1 * 10 + 2 * 80]).toBeCloseTo(ramp([13, -2, 6]), 4);
  });

  it('reproduces a ramp when downsampling Int16 data', () => {
    const from = geom([9, 7, 5], [1, 1, 1]);
    const src = Int16Array.from(fill(from, ([i, j, k]) => 10 * i + 100 * j + 1000 * k));
    const { data, geometry } = resampleLinear(src, from, [2, 2, 2.5]);
    expect(geometry.dims).toEqual([5, 4, 2]); // 4.5 → 5 (round half up), 3.5 → 4, 2
    // Target (i,j,k) → source (2i, 2j, 2.5k), clamped to (8, 6, 4).
    const expected = fill(geometry, ([i, j, k]) => 10 * Math.min(2 * i, 8) + 100 * Math.min(2 * j, 6) + 1000 * Math.min(2.5 * k, 4));
    expect(Array.from(data)).toEqual(Array.from(expected));
    expect(data[1 + 5 * 1 + 20 * 1]).toBe(10 * 2 + 100 * 2 + 1000 * 2.5);
  });

  it('goes back to the series grid with resampleToGrid', () => {
    const from = geom([5, 4, 3], [2, 2, 3]);
    const src = fill(from, ([i, j, k]) => Math.sin(i) + j * j - k);
    const up = resampleLinear(src, from, [1, 1, 1]);
    const back = resampleToGrid(up.data, up.geometry, from, 'linear');
    for (let n = 0; n < src.length; n++) expect(back[n]).toBeCloseTo(src[n], 5);
  });

  it('rejects data that does not match its geometry', () => {
    expect(() => resampleLinear(new Float32Array(5), geom([2, 2, 2], [1, 1, 1]), [1, 1, 1])).toThrow(/needs 8/);
  });
});

describe('resampleNearest', () => {
  const labels = Uint8Array.from({ length: 4 * 3 * 2 }, (_, n) => (n * 7) % 5);

  it.each([
    [3, 1],
    [2, 1],
    [3, 0.75],
  ])('label map upsampled from %s mm to %s mm and back is unchanged', (fromMm, toMm) => {
    const from = geom([4, 3, 2], [fromMm, fromMm, fromMm]);
    const fine = geometryAtSpacing(from, [toMm, toMm, toMm]);
    const up = resampleNearest(labels, from, fine);
    expect(up.length).toBe(fine.dims[0] * fine.dims[1] * fine.dims[2]);
    expect(new Set(up)).toEqual(new Set(labels)); // no invented labels
    expect(Array.from(resampleNearest(up, fine, from))).toEqual(Array.from(labels));
  });

  it('takes the closest source voxel', () => {
    const from = geom([4, 1, 1], [3, 1, 1]);
    const to = geometryAtSpacing(from, [1, 1, 1]);
    // Target x at source index x/3: 0, .33, .67, 1, 1.33, 1.67, 2, ... → 0,0,1,1,1,2,2,...; beyond 3 clamps.
    const up = resampleNearest(Uint8Array.from([10, 20, 30, 40]), from, to);
    expect(Array.from(up)).toEqual([10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40, 40]);
  });
});

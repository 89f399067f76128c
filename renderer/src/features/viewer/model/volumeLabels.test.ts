import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../../../../core/api/types';
import { LESION_RGB, lesionColour } from './lesionColours';
import { SURFACE_LEVEL, SURFACE_MAX_SAMPLES, cropFromDense, cropFromRuns, surfaceField, surfaceStep } from './volumeLabels';

const dims: Vec3 = [9, 7, 6];
const at = (i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

/** A small ellipsoid blob, plus one run that wraps from the end of a row into the next. */
function blob(): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) if ((i - 4) ** 2 / 4 + (j - 3) ** 2 / 2 + (k - 3) ** 2 <= 1.2) m[at(i, j, k)] = 1;
  m[at(8, 1, 1)] = 1;
  m[at(0, 2, 1)] = 1;
  return m;
}

function runsOf(mask: Uint8Array): { starts: Int32Array; ends: Int32Array } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] && (p === 0 || !mask[p - 1])) starts.push(p);
    if (mask[p] && (p === mask.length - 1 || !mask[p + 1])) ends.push(p + 1);
  }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

describe('3D label crops', () => {
  it('crops a mask to its bounding box, from its runs as from the dense mask', () => {
    const mask = blob();
    const dense = cropFromDense(mask, dims)!;
    const { starts, ends } = runsOf(mask);
    const sparse = cropFromRuns(starts, ends, dims)!;
    expect(sparse).toEqual(dense);
    // The wrapping run reaches both ends of x; the blob spans j 2..4 (and row 1 of the run), k 2..4 (and 1).
    expect(dense.originIjk).toEqual([0, 1, 1]);
    expect(dense.dims).toEqual([9, 4, 4]);
    expect(dense.voxelCount).toBe(mask.reduce((s, v) => s + v, 0));
    // Every voxel lands where it was.
    const [ox, oy, oz] = dense.originIjk;
    for (let k = 0; k < dense.dims[2]; k++)
      for (let j = 0; j < dense.dims[1]; j++)
        for (let i = 0; i < dense.dims[0]; i++) expect(dense.voxels[i + dense.dims[0] * (j + dense.dims[1] * k)]).toBe(mask[at(i + ox, j + oy, k + oz)]);
  });

  it('runs across several whole rows cover the full width', () => {
    const starts = Int32Array.from([at(3, 1, 2)]);
    const ends = Int32Array.from([at(2, 4, 2) + 1]);
    const crop = cropFromRuns(starts, ends, dims)!;
    expect(crop.originIjk).toEqual([0, 1, 2]);
    expect(crop.dims).toEqual([9, 4, 1]);
    expect(crop.voxelCount).toBe(ends[0] - starts[0]);
  });

  it('has no crop for an empty mask', () => {
    expect(cropFromDense(new Uint8Array(dims[0] * dims[1] * dims[2]), dims)).toBeNull();
    expect(cropFromRuns(new Int32Array(0), new Int32Array(0), dims)).toBeNull();
  });

  it('pads the field by one voxel and keeps a large flat border at the half level', () => {
    // A 6×6×6 cube: after smoothing, the field is 0.5 exactly between the last inside and first outside voxel.
    const crop = { originIjk: [10, 20, 30] as Vec3, dims: [6, 6, 6] as Vec3, voxels: new Uint8Array(216).fill(1), voxelCount: 216 };
    const field = surfaceField(crop);
    expect(field.originIjk).toEqual([9, 19, 29]);
    expect(field.stepVoxels).toBe(1);
    expect(field.dims).toEqual([8, 8, 8]);
    const v = (i: number, j: number, k: number) => field.values[i + 8 * (j + 8 * k)];
    // Centre of a face (x = 1 is the first inside voxel, x = 0 the padding): the level crosses between them.
    expect(v(1, 4, 4)).toBeGreaterThan(SURFACE_LEVEL);
    expect(v(0, 4, 4)).toBeLessThan(SURFACE_LEVEL);
    expect((v(0, 4, 4) + v(1, 4, 4)) / 2).toBeCloseTo(SURFACE_LEVEL, 6);
    expect(v(4, 4, 4)).toBeCloseTo(1, 6);
    // Every padding voxel is below the level: the surface closes inside the field.
    for (let k = 0; k < 8; k++) for (let j = 0; j < 8; j++) for (const i of [0, 7]) expect(v(i, j, k)).toBeLessThan(SURFACE_LEVEL);
  });

  it('keeps every voxel on its side: a lesion of one voxel, or one slice thick, still has a surface', () => {
    const dot = surfaceField({ originIjk: [0, 0, 0], dims: [1, 1, 1], voxels: Uint8Array.of(1), voxelCount: 1 });
    expect(dot.values[1 + 3 * (1 + 3 * 1)]).toBeGreaterThan(SURFACE_LEVEL);
    expect(Array.from(dot.values).filter((x) => x > SURFACE_LEVEL)).toHaveLength(1);
    // A 5×5 disc on one slice: each of its voxels inside, the slices above and below outside.
    const disc = surfaceField({ originIjk: [0, 0, 0], dims: [5, 5, 1], voxels: new Uint8Array(25).fill(1), voxelCount: 25 });
    const inside = Array.from(disc.values).filter((x) => x > SURFACE_LEVEL).length;
    expect(inside).toBe(25);
  });
});

describe('very large masks', () => {
  it('are drawn from blocks of voxels, each the share of its block inside, placed at the block centres', () => {
    expect(surfaceStep({ originIjk: [0, 0, 0], dims: [100, 100, 100], voxels: new Uint8Array(0), voxelCount: 0 })).toBe(1);
    expect(surfaceStep({ originIjk: [0, 0, 0], dims: [400, 400, 100], voxels: new Uint8Array(0), voxelCount: 0 })).toBe(2);
    const big = { originIjk: [0, 0, 0] as Vec3, dims: [512, 512, 300] as Vec3, voxels: new Uint8Array(0), voxelCount: 0 };
    const s = surfaceStep(big);
    expect(Math.ceil(400 / s) ** 2 * Math.ceil(100 / s)).toBeLessThanOrEqual(SURFACE_MAX_SAMPLES);

    // A 4×4×4 cube from voxel 2 in blocks of 2: samples 1 and 2 full, centres at voxels 2.5 and 4.5.
    const voxels = new Uint8Array(6 * 6 * 6);
    for (let k = 2; k < 6; k++) for (let j = 2; j < 6; j++) for (let i = 2; i < 6; i++) voxels[i + 6 * (j + 6 * k)] = 1;
    const field = surfaceField({ originIjk: [10, 10, 10], dims: [6, 6, 6], voxels, voxelCount: 64 }, 2);
    expect(field.stepVoxels).toBe(2);
    expect(field.dims).toEqual([5, 5, 5]);
    // Sample 1 covers voxels 10–11 (centre 10.5): the origin sample is one step before.
    expect(field.originIjk).toEqual([8.5, 8.5, 8.5]);
    const v = (i: number, j: number, k: number) => field.values[i + 5 * (j + 5 * k)];
    expect(v(3, 3, 3)).toBeGreaterThan(SURFACE_LEVEL);
    expect(v(1, 1, 1)).toBeLessThan(SURFACE_LEVEL);
  });
});

describe('lesion colours', () => {
  it('gives a lesion the colour of its label number, the same in every view, and cycles the palette', () => {
    expect(lesionColour('L1', 99)).toEqual(LESION_RGB[0]);
    expect(lesionColour('L2', 5)).toEqual(LESION_RGB[1]);
    expect(lesionColour(`L${LESION_RGB.length + 1}`, 5)).toEqual(LESION_RGB[0]);
    // Without a label (not loaded yet), by id.
    expect(lesionColour(undefined, 3)).toEqual(LESION_RGB[2]);
    // Neighbouring labels differ.
    for (let n = 1; n < LESION_RGB.length; n++) expect(lesionColour(`L${n}`, 0)).not.toEqual(lesionColour(`L${n + 1}`, 0));
  });
});

import { describe, expect, it } from 'vitest';
import type { Mat3, VolumeGeometry } from '../../../../../core/api/types';
import { DOWNSAMPLE_ABOVE_VOXELS, downsampleXY, shouldDownsampleFor3d } from './downsample';
import { indexToLps } from '../../../../../core/dicom/geometry';

const oblique: Mat3 = [0.8, 0.6, 0, -0.6, 0.8, 0, 0, 0, 1];

function volume(dims: [number, number, number], direction: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1]) {
  const geometry: VolumeGeometry = { dims, spacingMm: [0.7, 0.8, 2.5], originMm: [-180, -150, 300], direction };
  const voxels = new Int16Array(dims[0] * dims[1] * dims[2]);
  // Each voxel encodes its own index, so the test can tell which ones were kept.
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) voxels[i + j * dims[0] + k * dims[0] * dims[1]] = i + 100 * j + 10000 * (k % 3);
  return { voxels, geometry };
}

describe('downsampleXY (the 3D view copy)', () => {
  it('keeps every second voxel in x and y and every slice', () => {
    const { voxels, geometry } = volume([5, 4, 3]);
    const out = downsampleXY(voxels, geometry);
    expect(out.geometry.dims).toEqual([3, 2, 3]);
    expect(Array.from(out.voxels.slice(0, 6))).toEqual([0, 2, 4, 200, 202, 204]);
    expect(out.voxels[6]).toBe(10000); // slice 1 starts with its voxel (0, 0)
  });

  it('doubles the in-plane spacing and keeps origin and direction, so kept voxels stay in place (also oblique)', () => {
    const { voxels, geometry } = volume([6, 6, 2], oblique);
    const out = downsampleXY(voxels, geometry);
    expect(out.geometry.spacingMm).toEqual([1.4, 1.6, 2.5]);
    expect(out.geometry.originMm).toEqual(geometry.originMm);
    expect(out.geometry.direction).toEqual(geometry.direction);
    for (const [i, j, k] of [[0, 0, 0], [2, 1, 1], [1, 2, 0]] as [number, number, number][]) {
      const a = indexToLps(out.geometry, [i, j, k]);
      const b = indexToLps(geometry, [2 * i, 2 * j, k]);
      for (let c = 0; c < 3; c++) expect(a[c]).toBeCloseTo(b[c], 9);
    }
  });

  it('is used above ~32 M voxels: a 512×512×300 CT yes, 512×512×100 no', () => {
    const g = (nz: number): VolumeGeometry => ({ dims: [512, 512, nz], spacingMm: [0.7, 0.7, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    expect(shouldDownsampleFor3d(g(300))).toBe(true);
    expect(shouldDownsampleFor3d(g(100))).toBe(false);
    expect(DOWNSAMPLE_ABOVE_VOXELS).toBeGreaterThan(512 * 512 * 100);
  });

  it('refuses voxels that do not match the geometry', () => {
    const { geometry } = volume([4, 4, 2]);
    expect(() => downsampleXY(new Int16Array(10), geometry)).toThrow(/4×4×2/);
  });
});

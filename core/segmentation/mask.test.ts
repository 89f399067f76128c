import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../api/types';
import { huStats } from '../volume/stats';
import { maskBoundingBox, maskHuStats, maskVolumeMl, voxelVolumeMm3 } from './mask';
import { at, emptyMask, fillEllipsoid, grid } from '../testing/shapes';

describe('maskVolumeMl', () => {
  it('counts voxels times the voxel volume from the spacing', () => {
    const g = grid([10, 10, 10], [0.5, 0.8, 2.5]); // 1 mm³ per voxel
    const m = emptyMask(g);
    for (let i = 0; i < 250; i++) m[i * 3] = 1;
    expect(maskVolumeMl(m, g)).toBeCloseTo(0.25, 12);
  });

  it('uses |det| of direction·spacing on a gantry-tilted grid (slices 2 mm apart along a 20° stack are 1.879 mm apart)', () => {
    const tilt = (20 * Math.PI) / 180;
    const sheared: Mat3 = [1, 0, 0, 0, 1, 0, 0, Math.sin(tilt), Math.cos(tilt)];
    const g = grid([4, 4, 4], [1, 1, 2], sheared);
    expect(voxelVolumeMm3(g)).toBeCloseTo(2 * Math.cos(tilt), 12);
    const m = emptyMask(g).fill(1);
    expect(maskVolumeMl(m, g)).toBeCloseTo((64 * 2 * 0.9396926) / 1000, 6);
  });

  it('a digitised sphere of radius 10 mm on a 0.5 mm grid is within 1% of 4/3·π·r³', () => {
    const g = grid([48, 48, 48], [0.5, 0.5, 0.5], undefined, [0, 0, 0]);
    const m = emptyMask(g);
    fillEllipsoid(m, g, [11.75, 11.75, 11.75], [10, 10, 10]);
    const truthMl = ((4 / 3) * Math.PI * 1000) / 1000;
    expect(Math.abs(maskVolumeMl(m, g) - truthMl) / truthMl).toBeLessThan(0.01);
  });

  it('counts only one label of a label map when asked', () => {
    const g = grid([4, 1, 1]);
    const m = Uint8Array.from([0, 2, 3, 2]);
    expect(maskVolumeMl(m, g, 2)).toBeCloseTo(0.002, 12);
    expect(maskVolumeMl(m, g)).toBeCloseTo(0.003, 12);
  });

  it('refuses a mask of another grid', () => {
    expect(() => maskVolumeMl(new Uint8Array(10), grid([4, 4, 1]))).toThrow(/10 voxels but the series grid 4×4×1 has 16/);
  });
});

describe('maskHuStats', () => {
  it('is huStats restricted to the mask (sample SD)', () => {
    const hu = Int16Array.from([-1000, 40, 60, 50, 3000]);
    const m = Uint8Array.from([0, 1, 1, 1, 0]);
    const s = maskHuStats(hu, m);
    expect(s).toMatchObject({ minHu: 40, maxHu: 60, meanHu: 50, voxelCount: 3 });
    expect(s.sdHu).toBeCloseTo(10, 12);
    expect(s).toEqual(huStats(hu, m));
  });
  it('refuses a mask of another size', () => {
    expect(() => maskHuStats(new Int16Array(4), new Uint8Array(5))).toThrow(/5 voxels but the volume has 4/);
  });
});

describe('maskBoundingBox', () => {
  it('is the inclusive box of the inside voxels, null when empty', () => {
    const g = grid([6, 5, 4]);
    const m = emptyMask(g);
    expect(maskBoundingBox(m, g)).toBeNull();
    m[at(g, 1, 3, 2)] = 1;
    m[at(g, 4, 1, 3)] = 7;
    expect(maskBoundingBox(m, g)).toEqual({ min: [1, 1, 2], max: [4, 3, 3] });
    expect(maskBoundingBox(m, g, 7)).toEqual({ min: [4, 1, 3], max: [4, 1, 3] });
  });
});

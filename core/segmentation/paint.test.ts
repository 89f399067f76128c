import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { maskVoxelCount } from './mask';
import { erase, paintDisk, regionGrow } from './paint';
import { at, emptyMask, fillEllipsoid, grid } from '../testing/shapes';

describe('paintDisk and erase', () => {
  it('paints the voxels within the radius on the nearest axial slice, and reports what changed', () => {
    const g = grid([41, 41, 5], [0.5, 0.5, 3], undefined, [0, 0, 0]);
    const m = emptyMask(g);
    // Centre between slices 1 (3 mm) and 2 (6 mm), nearer 2.
    const changed = paintDisk(m, g, [10, 10, 5], 5, 2, 1);
    // Lattice points of a radius-10 disk (in voxels): 317.
    expect(changed).toBe(317);
    for (let k = 0; k < 5; k++) {
      let n = 0;
      for (let p = k * 41 * 41; p < (k + 1) * 41 * 41; p++) n += m[p];
      expect(n).toBe(k === 2 ? 317 : 0);
    }
    expect(m[at(g, 30, 20, 2)]).toBe(1); // 5 mm to the right: on the rim
    expect(m[at(g, 31, 20, 2)]).toBe(0);
    expect(paintDisk(m, g, [10, 10, 5], 5, 2, 1)).toBe(0); // nothing left to change
    expect(erase(m, g, [10, 10, 6], 2, 2)).toBe(49); // radius 4 voxels: 49 lattice points
    expect(maskVoxelCount(m)).toBe(317 - 49);
  });

  it('paints coronal and sagittal disks with the spacing of their plane', () => {
    const g = grid([21, 21, 21], [0.5, 1, 2], undefined, [0, 0, 0]);
    const m = emptyMask(g);
    paintDisk(m, g, [5, 10, 20], 4, 1, 1); // coronal: plane of i (0.5 mm) and k (2 mm)
    expect(m[at(g, 18, 10, 10)]).toBe(1); // 4 mm along x
    expect(m[at(g, 10, 10, 12)]).toBe(1); // 4 mm along z
    expect(m[at(g, 10, 10, 13)]).toBe(0);
    expect(m[at(g, 10, 9, 10)]).toBe(0); // other coronal slices untouched
    const s = emptyMask(g);
    paintDisk(s, g, [5, 10, 20], 4, 0, 2); // sagittal: plane of j (1 mm) and k (2 mm)
    expect(s[at(g, 10, 14, 10)]).toBe(2);
    expect(s[at(g, 10, 15, 10)]).toBe(0);
  });

  it('uses the true in-plane distance on a sheared (gantry-tilted) grid', () => {
    const tilt = (30 * Math.PI) / 180;
    const sheared: Mat3 = [1, 0, 0, 0, 1, 0, 0, Math.sin(tilt), Math.cos(tilt)];
    const g = grid([21, 21, 21], [1, 1, 1], sheared, [0, 0, 0]);
    const m = emptyMask(g);
    const centre = indexToLps(g, [10, 10, 10]);
    paintDisk(m, g, centre, 5.2, 0, 1); // sagittal plane: j and k axes 60° apart
    for (let k = 0; k < 21; k++)
      for (let j = 0; j < 21; j++) {
        const p = indexToLps(g, [10, j, k]);
        const d = Math.hypot(p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]);
        expect(m[at(g, 10, j, k)]).toBe(d <= 5.2 ? 1 : 0);
      }
  });

  it('limits painting to an HU range when one is given', () => {
    const g = grid([11, 11, 1]);
    const hu = new Int16Array(121).map((_, p) => (p % 11 < 5 ? 100 : -50));
    const m = emptyMask(g);
    const centre = indexToLps(g, [5, 5, 0]);
    const changed = paintDisk(m, g, centre, 3, 2, 1, { minHu: 50, maxHu: 200 }, hu);
    expect(changed).toBeGreaterThan(0);
    for (let p = 0; p < 121; p++) if (m[p]) expect(hu[p]).toBe(100);
    expect(() => paintDisk(m, g, centre, 3, 2, 1, { minHu: 0, maxHu: 1 })).toThrow(/needs the volume/);
  });

  it('always paints the voxel under a brush smaller than a voxel, and nothing off the volume', () => {
    const g = grid([5, 5, 3], [2, 2, 2], undefined, [0, 0, 0]);
    const m = emptyMask(g);
    expect(paintDisk(m, g, [4.3, 3.9, 2.2], 0.1, 2, 1)).toBe(1);
    expect(m[at(g, 2, 2, 1)]).toBe(1);
    expect(paintDisk(m, g, [4, 4, 40], 3, 2, 1)).toBe(0);
  });
});

describe('regionGrow', () => {
  // A 60 HU sphere (radius 6 voxels) in 100 HU liver, a 60 HU vessel leaving it along +x.
  const g = grid([40, 40, 30], [1, 1, 1], undefined, [0, 0, 0]);
  const hu = new Int16Array(40 * 40 * 30).fill(100);
  const lesion = emptyMask(g);
  const lesionVoxels = fillEllipsoid(lesion, g, [15, 20, 15], [6, 6, 6]);
  for (let p = 0; p < hu.length; p++) if (lesion[p]) hu[p] = 60;
  for (let i = 21; i < 40; i++) hu[at(g, i, 20, 15)] = 60;

  it('grows 6-connected over the HU window from the seed', () => {
    const r = regionGrow(hu, g, [15, 20, 15], { minHu: 40, maxHu: 80 }, 1_000_000);
    expect(r.voxelCount).toBe(lesionVoxels + 18); // the vessel starts on the sphere (i = 21)
    expect(r.truncated).toBe(false);
    expect(r.box).toEqual({ min: [9, 14, 9], max: [39, 26, 21] });
    expect(maskVoxelCount(r.mask)).toBe(r.voxelCount);
  });

  it('a restriction mask keeps it out of the vessel; a tolerance centres on the seed neighbourhood', () => {
    const r = regionGrow(hu, g, [15, 20, 15], { toleranceHu: 15 }, 1_000_000, lesion);
    expect(r.voxelCount).toBe(lesionVoxels);
    expect(r.huRange).toEqual({ minHu: 45, maxHu: 75 });
  });

  it('stops at maxVoxels, keeping the part nearest the seed', () => {
    const r = regionGrow(hu, g, [15, 20, 15], { minHu: 40, maxHu: 80 }, 100);
    expect(r.voxelCount).toBe(100);
    expect(r.truncated).toBe(true);
    // Breadth first: every grown voxel is within 4 steps (city-block) of the seed.
    for (let p = 0; p < r.mask.length; p++) {
      if (!r.mask[p]) continue;
      const i = p % 40, j = Math.floor(p / 40) % 40, k = Math.floor(p / 1600);
      expect(Math.abs(i - 15) + Math.abs(j - 20) + Math.abs(k - 15)).toBeLessThanOrEqual(4);
    }
  });

  it('a seed outside the window grows nothing; a seed outside the volume is an error', () => {
    expect(regionGrow(hu, g, [2, 2, 2], { minHu: 40, maxHu: 80 }, 1000).voxelCount).toBe(0);
    expect(() => regionGrow(hu, g, [40, 2, 2], { minHu: 40, maxHu: 80 }, 1000)).toThrow(/outside the volume 40×40×30/);
  });
});

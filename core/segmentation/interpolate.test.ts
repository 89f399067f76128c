import { describe, expect, it } from 'vitest';
import type { VolumeGeometry } from '../api/types';
import { interpolateSlices, squaredDistanceTransform2d } from './interpolate';
import { at, emptyMask, grid } from '../testing/shapes';

function disk(m: Uint8Array, g: VolumeGeometry, k: number, ci: number, cj: number, radiusMm: number, value = 1): void {
  const [sx, sy] = g.spacingMm;
  for (let j = 0; j < g.dims[1]; j++)
    for (let i = 0; i < g.dims[0]; i++) if (((i - ci) * sx) ** 2 + ((j - cj) * sy) ** 2 <= radiusMm ** 2) m[at(g, i, j, k)] = value;
}

function sliceCount(m: Uint8Array, g: VolumeGeometry, k: number, value = 1): number {
  const n = g.dims[0] * g.dims[1];
  let c = 0;
  for (let p = k * n; p < (k + 1) * n; p++) if (m[p] === value) c++;
  return c;
}

describe('squaredDistanceTransform2d', () => {
  it('equals brute force on an anisotropic grid', () => {
    const w = 23, h = 17, sx = 0.6, sy = 1.7;
    const f = new Uint8Array(w * h);
    let seed = 7;
    for (let p = 0; p < f.length; p++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      f[p] = seed % 29 === 0 ? 1 : 0;
    }
    f[5] = 1;
    const d = squaredDistanceTransform2d(f, w, h, sx, sy);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let best = Infinity;
        for (let q = 0; q < f.length; q++) if (f[q]) best = Math.min(best, ((x - (q % w)) * sx) ** 2 + ((y - Math.floor(q / w)) * sy) ** 2);
        expect(d[y * w + x]).toBeCloseTo(best, 9);
      }
  });
});

describe('interpolateSlices', () => {
  const g = grid([81, 81, 8], [0.5, 0.5, 2], undefined, [0, 0, 0]);

  it('between concentric disks of radius 10 and 4 mm, fills disks whose radius goes linearly between them', () => {
    const m = emptyMask(g);
    disk(m, g, 0, 40, 40, 10);
    disk(m, g, 6, 40, 40, 4);
    const before = [0, 6].map((k) => sliceCount(m, g, k));
    const changed = interpolateSlices(m, g, 2, 1);
    expect([0, 6].map((k) => sliceCount(m, g, k))).toEqual(before); // drawn slices untouched
    expect(sliceCount(m, g, 7)).toBe(0); // outside the drawn range
    let total = 0;
    for (let k = 1; k <= 5; k++) {
      const rMm = 10 + ((4 - 10) * k) / 6;
      const n = sliceCount(m, g, k);
      total += n;
      // Equivalent radius of the filled area within a quarter pixel of the expected radius.
      expect(Math.abs(Math.sqrt((n * 0.25) / Math.PI) - rMm)).toBeLessThan(0.125);
      // And it is a disk: everything half a pixel inside the radius filled, nothing half a pixel outside.
      for (let j = 0; j < 81; j++)
        for (let i = 0; i < 81; i++) {
          const rho = Math.hypot(i - 40, j - 40) * 0.5;
          if (rho <= rMm - 0.25) expect(m[at(g, i, j, k)]).toBe(1);
          if (rho >= rMm + 0.25) expect(m[at(g, i, j, k)]).toBe(0);
        }
    }
    expect(changed).toBe(total);
  });

  it('copies a shape drawn identically on both sides, fills every gap, and leaves adjacent slices alone', () => {
    const m = emptyMask(g);
    disk(m, g, 1, 30, 35, 6);
    disk(m, g, 3, 30, 35, 6);
    disk(m, g, 4, 30, 35, 3);
    disk(m, g, 7, 30, 35, 6);
    interpolateSlices(m, g, 2, 1);
    const n = g.dims[0] * g.dims[1];
    expect(m.subarray(2 * n, 3 * n)).toEqual(m.subarray(1 * n, 2 * n));
    expect(sliceCount(m, g, 0)).toBe(0);
    expect(sliceCount(m, g, 5)).toBeGreaterThan(sliceCount(m, g, 4));
    expect(sliceCount(m, g, 6)).toBeGreaterThan(sliceCount(m, g, 5));
    expect(sliceCount(m, g, 6)).toBeLessThan(sliceCount(m, g, 7));
    expect(interpolateSlices(m, g, 2, 1)).toBe(0); // no gaps left
  });

  it('never overwrites another label, and works along another axis (coronal)', () => {
    const m = emptyMask(g);
    disk(m, g, 0, 40, 40, 8, 2);
    disk(m, g, 4, 40, 40, 8, 2);
    disk(m, g, 2, 40, 40, 3, 5); // another lesion inside the gap
    interpolateSlices(m, g, 2, 2);
    expect(sliceCount(m, g, 2, 5)).toBeGreaterThan(0);
    expect(m[at(g, 40, 40, 2)]).toBe(5);
    expect(sliceCount(m, g, 2, 2) + sliceCount(m, g, 2, 5)).toBe(sliceCount(m, g, 0, 2));

    // Coronal: rectangles drawn on j = 10 and j = 20 in the (i, k) plane.
    const c = emptyMask(g);
    for (let k = 2; k <= 5; k++) for (let i = 20; i <= 40; i++) { c[at(g, i, 10, k)] = 1; c[at(g, i, 20, k)] = 1; }
    interpolateSlices(c, g, 1, 1);
    for (let j = 11; j < 20; j++) {
      expect(c[at(g, 30, j, 3)]).toBe(1);
      expect(c[at(g, 30, j, 1)]).toBe(0);
    }
  });
});

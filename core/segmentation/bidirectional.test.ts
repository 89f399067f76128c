import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { autoBidirectional, bidirectionalOnSlice, convexHullSorted } from './bidirectional';
import { at, axialDir, emptyMask, fillEllipsoid, grid } from '../testing/shapes';

const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const angleDeg = (u: Vec3, v: Vec3) => {
  const c = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (Math.hypot(...u) * Math.hypot(...v));
  return (Math.acos(Math.min(1, Math.abs(c))) * 180) / Math.PI;
};
const along = (pair: [Vec3, Vec3]): Vec3 => [pair[1][0] - pair[0][0], pair[1][1] - pair[0][1], pair[1][2] - pair[0][2]];

describe('convexHullSorted', () => {
  it('keeps the corners of a square and drops interior and collinear points', () => {
    // Points sorted by (y, x).
    const pts = [[0, 0], [2, 0], [4, 0], [1, 1], [0, 4], [2, 3], [4, 4]];
    const hull = convexHullSorted(pts.map((p) => p[0]), pts.map((p) => p[1]), pts.length);
    expect(hull.map((h) => pts[h].join(',')).sort()).toEqual(['0,0', '0,4', '4,0', '4,4']);
  });
});

describe('autoBidirectional', () => {
  it('returns null for an empty mask and zero axes for one voxel', () => {
    const g = grid([8, 8, 3]);
    const m = emptyMask(g);
    expect(autoBidirectional(m, g)).toBeNull();
    m[at(g, 3, 4, 1)] = 1;
    const r = autoBidirectional(m, g)!;
    expect(r).toMatchObject({ sliceIndex: 1, longAxisMm: 0, shortAxisMm: 0 });
    expect(r.longAxisLps[0]).toEqual(indexToLps(g, [3, 4, 1]));
  });

  it('an ellipse of 40 × 16 mm at 30° on an anisotropic grid: both axes within a voxel diagonal, exactly perpendicular', () => {
    const spacing: Vec3 = [0.7, 0.9, 3];
    const g = grid([90, 80, 3], spacing, undefined, [0, 0, 0]);
    const m = emptyMask(g);
    const u = axialDir(30);
    const v = axialDir(120);
    fillEllipsoid(m, g, [31.2, 35.6, 3], [20, 8, 4], [u, v, [0, 0, 1]]);
    const r = autoBidirectional(m, g)!;
    const diag = Math.hypot(spacing[0], spacing[1]);
    expect(r.sliceIndex).toBe(1);
    // Centre-to-centre: never longer than the continuous ellipse, at most a voxel diagonal shorter.
    expect(r.longAxisMm).toBeLessThanOrEqual(40);
    expect(r.longAxisMm).toBeGreaterThan(40 - diag);
    expect(r.shortAxisMm).toBeLessThanOrEqual(16);
    expect(r.shortAxisMm).toBeGreaterThan(16 - diag);
    expect(angleDeg(along(r.longAxisLps), u)).toBeLessThan(3);
    expect(r.axesAngleDeg).toBeCloseTo(90, 9);
    expect(angleDeg(along(r.longAxisLps), along(r.shortAxisLps))).toBeCloseTo(90, 9);
    // The short axis crosses the long axis near the ellipse's centre.
    const mid = (pair: [Vec3, Vec3]) => pair[0].map((c, i) => (c + pair[1][i]) / 2) as Vec3;
    expect(dist(mid(r.shortAxisLps), [31.2, 35.6, 3])).toBeLessThan(2 * diag);
    // Lengths are the LPS distances of the returned ends; pointsLps is long ends then short ends.
    expect(dist(...r.longAxisLps)).toBeCloseTo(r.longAxisMm, 9);
    expect(dist(...r.shortAxisLps)).toBeCloseTo(r.shortAxisMm, 9);
    expect(r.pointsLps).toEqual([...r.longAxisLps, ...r.shortAxisLps]);
    expect(r.longAxisLps[0]).toEqual(indexToLps(g, r.longAxisIjk[0]));
    expect(r.shortAxisLps[1]).toEqual(indexToLps(g, r.shortAxisIjk[1]));
  });

  it('a rectangle of voxel centres 20 × 8 mm: long axis its diagonal, short axis the longest chord perpendicular to it', () => {
    const g = grid([30, 20, 1]);
    const m = emptyMask(g);
    for (let j = 5; j <= 13; j++) for (let i = 4; i <= 24; i++) m[at(g, i, j, 0)] = 1;
    const r = autoBidirectional(m, g)!;
    expect(r.longAxisMm).toBeCloseTo(Math.hypot(20, 8), 9);
    // Perpendicular to a diagonal of slope 8/20, the longest chord runs from a corner to the
    // opposite long side: 8 mm / cos(atan(8/20)) = 8.616 mm.
    expect(r.shortAxisMm).toBeCloseTo(8 / Math.cos(Math.atan(8 / 20)), 6);
  });

  it('on a sheared grid the in-plane axes are measured in true mm', () => {
    // Rows and columns 60° apart (not DICOM, but nothing here needs them orthogonal).
    const c = Math.cos(Math.PI / 3), s = Math.sin(Math.PI / 3);
    const g = grid([20, 20, 1], [1, 1, 1], [1, 0, 0, c, s, 0, 0, 0, 1]);
    const m = emptyMask(g);
    for (let j = 2; j <= 6; j++) for (let i = 2; i <= 12; i++) m[at(g, i, j, 0)] = 1;
    const r = autoBidirectional(m, g)!;
    // Long axis: corner (2, 2) to (12, 6): 10 steps along i and 4 along j, 60° apart.
    expect(r.longAxisMm).toBeCloseTo(Math.sqrt(100 + 16 + 2 * 10 * 4 * c), 9);
    expect(dist(...r.longAxisLps)).toBeCloseTo(r.longAxisMm, 9);
    expect(dist(...r.shortAxisLps)).toBeCloseTo(r.shortAxisMm, 9);
    expect(r.axesAngleDeg).toBeCloseTo(90, 9);
  });

  it('measures on the slice with the largest long axis (an ellipsoid taller than wide: the middle slice)', () => {
    const g = grid([40, 40, 9], [1, 1, 4], undefined, [0, 0, 0]);
    const m = emptyMask(g);
    fillEllipsoid(m, g, [19.3, 19.6, 16], [12, 8, 14]);
    const r = autoBidirectional(m, g)!;
    expect(r.sliceIndex).toBe(4); // z = 16 mm
    expect(r.longAxisMm).toBeGreaterThan(24 - Math.SQRT2);
  });

  it('breaks a tie in long axis by the slice with more voxels', () => {
    const g = grid([20, 20, 3]);
    const m = emptyMask(g);
    for (let i = 2; i <= 12; i++) m[at(g, i, 5, 0)] = 1; // a 10 mm line on slice 0
    for (let j = 0; j < 20; j++) for (let i = 0; i < 20; i++) if ((i - 7) ** 2 + (j - 10) ** 2 <= 25) m[at(g, i, j, 2)] = 1; // disk Ø 10 mm on slice 2
    const r = autoBidirectional(m, g)!;
    expect(r.longAxisMm).toBeCloseTo(10, 9);
    expect(r.sliceIndex).toBe(2);
    expect(r.shortAxisMm).toBeCloseTo(10, 9);
  });

  it('a one-voxel-wide line has a short axis of 0 mm', () => {
    const g = grid([20, 20, 1]);
    const m = emptyMask(g);
    for (let i = 2; i <= 15; i++) m[at(g, i, 7, 0)] = 1;
    const r = autoBidirectional(m, g)!;
    expect(r.longAxisMm).toBeCloseTo(13, 9);
    expect(r.shortAxisMm).toBe(0);
  });

  it('the short axis of a U-shaped mask does not bridge the opening', () => {
    // Arms 3 voxels thick at i = 0…2 and 28…30, j = 0…30, joined by a bar at j = 28…30.
    const g = grid([31, 31, 1]);
    const m = emptyMask(g);
    for (let j = 0; j <= 30; j++)
      for (let i = 0; i <= 30; i++) if (i <= 2 || i >= 28 || j >= 28) m[at(g, i, j, 0)] = 1;
    const r = autoBidirectional(m, g)!;
    expect(r.longAxisMm).toBeCloseTo(30 * Math.SQRT2, 9); // corner to corner
    // A perpendicular chord across the opening would be ≥ 25 mm. Inside R the longest one cuts
    // the bottom-right corner along i + j = 55, touching the inner corner's diagonal.
    expect(r.shortAxisMm).toBeCloseTo(5 * Math.SQRT2, 9);
    // Every point of it lies in R: in a cell with at least three inside corners.
    const [a, b] = r.shortAxisIjk;
    for (let t = 0.0005; t < 1; t += 0.001) {
      const i = a[0] + (b[0] - a[0]) * t;
      const j = a[1] + (b[1] - a[1]) * t;
      const ci = Math.min(Math.floor(i), 29), cj = Math.min(Math.floor(j), 29);
      const n = [[0, 0], [1, 0], [0, 1], [1, 1]].filter(([x, y]) => m[at(g, ci + x, cj + y, 0)] === 1).length;
      expect(n).toBeGreaterThanOrEqual(3);
    }
  });

  it('measures one label of a label map, and on a chosen slice', () => {
    const g = grid([30, 30, 3]);
    const m = emptyMask(g);
    fillEllipsoid(m, g, [-10 + 8, 20 + 8, -30 + 1], [5, 3, 0.9], undefined, 4);
    fillEllipsoid(m, g, [-10 + 20, 20 + 20, -30 + 1], [8, 4, 0.9], undefined, 9);
    expect(autoBidirectional(m, g, { label: 4 })!.longAxisMm).toBeCloseTo(10, 9);
    expect(autoBidirectional(m, g, { label: 9 })!.longAxisMm).toBeCloseTo(16, 9);
    expect(autoBidirectional(m, g)!.longAxisMm).toBeGreaterThan(25); // both lesions as one mask
    expect(bidirectionalOnSlice(m, g, 1, { label: 9 })!.longAxisMm).toBeCloseTo(16, 9);
    expect(bidirectionalOnSlice(m, g, 0, { label: 9 })).toBeNull();
  });
});

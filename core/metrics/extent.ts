/**
 * Longest extent of a connected component: the largest distance between the centres
 * of two of its voxels, in patient millimetres (a 3D Feret diameter). Voxel centres,
 * not voxel edges: a line of 10 voxels at 1 mm spacing is 9 mm long.
 *
 * The farthest pair of a point set lies on its convex hull, and an affine map (the
 * grid → LPS transform) keeps hull vertices hull vertices. So only each row's first and
 * last voxel, reduced to the 2D hull of each slice, are compared pairwise.
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import type { ComponentsResult } from '../segmentation';

type Point2 = [number, number];

/** Andrew's monotone chain; returns hull vertices (all points when fewer than 3). */
function convexHull2d(points: Point2[]): Point2[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o: Point2, a: Point2, b: Point2): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point2[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point2[] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/** Longest extent (mm) of every component of `result`, indexed by component id − 1. */
export function componentLongestExtentsMm(result: ComponentsResult, geometry: VolumeGeometry): number[] {
  const n = result.components.length;
  if (n === 0 || !result.box) return [];
  const [i0, j0, k0] = result.box.min;
  const bw = result.box.max[0] - i0 + 1;
  const bh = result.box.max[1] - j0 + 1;
  const bd = result.box.max[2] - k0 + 1;
  const labels = result.labels;

  // Row extremes per component, grouped by slice.
  const rowMin = new Int32Array(n + 1).fill(-1);
  const rowMax = new Int32Array(n + 1);
  const touched: number[] = [];
  const candidates: Vec3[][] = Array.from({ length: n + 1 }, () => []);
  for (let z = 0; z < bd; z++) {
    const slice: Point2[][] = Array.from({ length: n + 1 }, () => []);
    for (let y = 0; y < bh; y++) {
      const row = (z * bh + y) * bw;
      for (let x = 0; x < bw; x++) {
        const c = labels[row + x];
        if (c === 0) continue;
        if (rowMin[c] < 0) {
          rowMin[c] = x;
          touched.push(c);
        }
        rowMax[c] = x;
      }
      for (const c of touched) {
        slice[c].push([rowMin[c], y]);
        if (rowMax[c] !== rowMin[c]) slice[c].push([rowMax[c], y]);
        rowMin[c] = -1;
      }
      touched.length = 0;
    }
    for (let c = 1; c <= n; c++) {
      if (slice[c].length === 0) continue;
      for (const [x, y] of convexHull2d(slice[c])) candidates[c].push([x + i0, y + j0, z + k0]);
    }
  }

  const out: number[] = [];
  for (let c = 1; c <= n; c++) {
    const pts = candidates[c].map((ijk) => indexToLps(geometry, ijk));
    let best = 0;
    for (let a = 0; a < pts.length; a++)
      for (let b = a + 1; b < pts.length; b++) {
        const dx = pts[a][0] - pts[b][0];
        const dy = pts[a][1] - pts[b][1];
        const dz = pts[a][2] - pts[b][2];
        const d2 = dx * dx + dy * dy + dz * dz;
        if (d2 > best) best = d2;
      }
    out.push(Math.sqrt(best));
  }
  return out;
}

/**
 * RECIST-style bidirectional measurement of a segmented lesion (RECIST 1.1 §3.2:
 * the longest diameter in the axial plane; the short axis is measured perpendicular
 * to it). "Axial" here means the volume's own slices (constant k).
 *
 * Definitions, on one slice, with distances in mm from the true in-plane spacing and
 * the angle between the row and column directions:
 * - R, the slice's region between voxel centres: the union, over the squares between
 *   four neighbouring voxel centres, of the convex hull of the inside corners when 3
 *   or 4 of them are inside (a triangle or the whole square). Its outline runs through
 *   the boundary voxel centres, so both axes are measured centre to centre; a
 *   one-voxel-wide line has no area and a short axis of 0.
 * - Long axis: the largest distance between two inside voxel centres (the caliper
 *   diameter; on a concave outline it may cross outside). Found on the convex hull
 *   of the centres, built from the two end voxels of each row. The measured slice is
 *   the one with the largest long axis; ties go to the slice with more inside voxels
 *   (nearer the lesion's middle), then the lower k.
 * - Short axis: the longest segment that is exactly perpendicular to the long axis
 *   and lies inside R: the maximal perpendicular chord. For a convex lesion it crosses
 *   the long axis; for a concave one it never bridges a notch. Its ends lie on R's
 *   outline, not necessarily on voxel centres. With no such segment (R empty) it has
 *   length 0, at the inside voxel nearest the middle of the long axis.
 *
 * Centre-to-centre axes read up to about one voxel shorter than an edge-to-edge
 * measurement of the same voxels.
 */
import type { Vec3, VolumeGeometry } from '../api/types';
import { indexToLps } from '../dicom/geometry';
import { maskBoundingBox, type VoxelBox } from './mask';

export interface BidirectionalOptions {
  /** Only voxels equal to this value are inside (label maps); default: any non-zero. */
  label?: number;
}

export interface BidirectionalMeasurement {
  /** Slice index k the axes were measured on. */
  sliceIndex: number;
  longAxisMm: number;
  shortAxisMm: number;
  /** End points, patient LPS mm: the long axis' are voxel centres, the short axis' lie on R's outline. */
  longAxisLps: [Vec3, Vec3];
  shortAxisLps: [Vec3, Vec3];
  /** The same end points as voxel indices [i, j, k] (fractional for the short axis). */
  longAxisIjk: [Vec3, Vec3];
  shortAxisIjk: [Vec3, Vec3];
  /** Angle between the two axes, degrees (90 is exactly perpendicular; NaN when an axis has length 0). */
  axesAngleDeg: number;
  /** Long-axis end points then short-axis end points: the `pointsLps` order of a bidirectional Measurement. */
  pointsLps: [Vec3, Vec3, Vec3, Vec3];
}

/** In-plane metric of a slice: squared mm length of an index step (di, dj). */
interface PlaneMetric {
  sxx: number;
  syy: number;
  sxy2: number;
}

function planeMetric(geometry: VolumeGeometry): PlaneMetric {
  const d = geometry.direction;
  const [sx, sy] = geometry.spacingMm;
  // Row and column directions are orthogonal in DICOM, but nothing here needs them to be.
  const cosIj = d[0] * d[3] + d[1] * d[4] + d[2] * d[5];
  return { sxx: sx * sx, syy: sy * sy, sxy2: 2 * sx * sy * cosIj };
}

function dist2(m: PlaneMetric, di: number, dj: number): number {
  return di * di * m.sxx + dj * dj * m.syy + di * dj * m.sxy2;
}

/**
 * Convex hull (Andrew's monotone chain) of integer points given as parallel arrays,
 * already sorted by (y, x). Returns the indices of the hull vertices. Exact: integer
 * cross products.
 */
export function convexHullSorted(xs: ArrayLike<number>, ys: ArrayLike<number>, count: number): number[] {
  if (count <= 2) return Array.from({ length: count }, (_, i) => i);
  const cross = (o: number, a: number, b: number) =>
    (ys[a] - ys[o]) * (xs[b] - xs[o]) - (xs[a] - xs[o]) * (ys[b] - ys[o]);
  const lower: number[] = [];
  for (let p = 0; p < count; p++) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: number[] = [];
  for (let p = count - 1; p >= 0; p--) {
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

interface SliceScratch {
  xs: Int32Array;
  ys: Int32Array;
}

function isInside(v: number, label: number | undefined): boolean {
  return label === undefined ? v !== 0 : v === label;
}

/**
 * Longest distance between inside voxel centres of slice k within the box: only the
 * leftmost and rightmost voxel of each row can be hull vertices, so the hull is built
 * from at most two points per row.
 */
function sliceLongAxis(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  box: VoxelBox,
  k: number,
  label: number | undefined,
  metric: PlaneMetric,
  scratch: SliceScratch,
): { d2: number; a: [number, number]; b: [number, number] } | null {
  const [nx, ny] = geometry.dims;
  const [i0, j0] = box.min;
  const [i1, j1] = box.max;
  const { xs, ys } = scratch;
  let n = 0;
  for (let j = j0; j <= j1; j++) {
    const row = k * nx * ny + j * nx;
    let lo = -1;
    for (let i = i0; i <= i1; i++) if (isInside(mask[row + i], label)) { lo = i; break; }
    if (lo < 0) continue;
    let hi = lo;
    for (let i = i1; i > lo; i--) if (isInside(mask[row + i], label)) { hi = i; break; }
    xs[n] = lo; ys[n] = j; n++;
    if (hi !== lo) { xs[n] = hi; ys[n] = j; n++; }
  }
  if (n === 0) return null;
  const hull = convexHullSorted(xs, ys, n);
  let best = -1;
  let a = hull[0];
  let b = hull[0];
  // O(h²) over hull vertices: h is a few hundred at most, far below the voxel count.
  for (let p = 0; p < hull.length; p++) {
    for (let q = p + 1; q < hull.length; q++) {
      const d2 = dist2(metric, xs[hull[q]] - xs[hull[p]], ys[hull[q]] - ys[hull[p]]);
      if (d2 > best) { best = d2; a = hull[p]; b = hull[q]; }
    }
  }
  return { d2: Math.max(best, 0), a: [xs[a], ys[a]], b: [xs[b], ys[b]] };
}

function sliceArea(mask: Uint8Array, geometry: VolumeGeometry, box: VoxelBox, k: number, label: number | undefined): number {
  const [nx, ny] = geometry.dims;
  let n = 0;
  for (let j = box.min[1]; j <= box.max[1]; j++) {
    const row = k * nx * ny + j * nx;
    for (let i = box.min[0]; i <= box.max[0]; i++) if (isInside(mask[row + i], label)) n++;
  }
  return n;
}

/** Sub-interval [t0, t1] of a line inside one cell's part of the region, or null. */
type Interval = [number, number] | null;

/**
 * Short axis on slice k: the longest run of a line exactly perpendicular to the long
 * axis inside the region R (see the file comment), over all such lines. A run's length
 * is piecewise linear in the line's offset with breaks where the line meets a vertex of
 * R, i.e. a voxel centre on R's outline, so the lines through the boundary voxel centres
 * are the only ones to try. Along each line the cells it crosses are visited in order
 * and the part of each cell that belongs to R is clipped exactly.
 */
function sliceShortAxis(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  box: VoxelBox,
  k: number,
  label: number | undefined,
  metric: PlaneMetric,
  longA: [number, number],
  longB: [number, number],
): { a: [number, number]; b: [number, number]; lengthMm: number } {
  const [nx, ny] = geometry.dims;
  const plane = k * nx * ny;
  const inside = (i: number, j: number) => i >= 0 && j >= 0 && i < nx && j < ny && isInside(mask[plane + j * nx + i], label);
  const [i0, j0] = box.min;
  const [i1, j1] = box.max;

  // Boundary voxels of the slice: the only vertices R's outline can have.
  const bi: number[] = [];
  const bj: number[] = [];
  for (let j = j0; j <= j1; j++)
    for (let i = i0; i <= i1; i++) {
      if (!inside(i, j)) continue;
      if (!inside(i - 1, j) || !inside(i + 1, j) || !inside(i, j - 1) || !inside(i, j + 1)) {
        bi.push(i);
        bj.push(j);
      }
    }

  const midI = (longA[0] + longB[0]) / 2;
  const midJ = (longA[1] + longB[1]) / 2;
  const degenerate = () => {
    let best = Infinity;
    let at: [number, number] = [longA[0], longA[1]];
    for (let p = 0; p < bi.length; p++) {
      const e = dist2(metric, bi[p] - midI, bj[p] - midJ);
      if (e < best) { best = e; at = [bi[p], bj[p]]; }
    }
    return { a: at, b: at, lengthMm: 0 };
  };

  // Orthonormal in-plane frame in mm: x along the row direction.
  const [sx, sy] = geometry.spacingMm;
  const d = geometry.direction;
  const cosIj = d[0] * d[3] + d[1] * d[4] + d[2] * d[5];
  const sinIj = Math.sqrt(Math.max(1e-12, 1 - cosIj * cosIj));
  const ux0 = (longB[0] - longA[0]) * sx + (longB[1] - longA[1]) * sy * cosIj;
  const uy0 = (longB[1] - longA[1]) * sy * sinIj;
  const uLen = Math.hypot(ux0, uy0);
  if (uLen === 0) return degenerate();
  const ux = ux0 / uLen;
  const uy = uy0 / uLen;
  // Unit perpendicular in mm, as an index-space step per mm.
  const vx = -uy;
  const vy = ux;
  const di = vx / sx - (vy * cosIj) / (sinIj * sx);
  const dj = vy / (sy * sinIj);

  const clip = (c: number, dc: number, lo: number, hi: number, t: [number, number]): boolean => {
    if (Math.abs(dc) < 1e-12) return c >= lo - 1e-9 && c <= hi + 1e-9;
    let ta = (lo - c) / dc;
    let tb = (hi - c) / dc;
    if (ta > tb) [ta, tb] = [tb, ta];
    t[0] = Math.max(t[0], ta);
    t[1] = Math.min(t[1], tb);
    return t[0] <= t[1];
  };
  const near = (x: number) => Math.abs(x - Math.round(x)) < 1e-9;

  /** Part of [ta, tb] inside cell (ci, cj)'s share of R, for a line through (pi, pj). */
  const cellPart = (ci: number, cj: number, pi: number, pj: number, ta: number, tb: number): Interval => {
    const c00 = inside(ci, cj), c10 = inside(ci + 1, cj), c01 = inside(ci, cj + 1), c11 = inside(ci + 1, cj + 1);
    const n = +c00 + +c10 + +c01 + +c11;
    if (n === 4) return [ta, tb];
    if (n < 3) return null;
    // Three corners: the triangle beyond the diagonal from the missing corner (mx, my),
    // i.e. |i − mx| + |j − my| ≥ 1, which is linear along the line inside the cell.
    const mx = !c00 || !c01 ? ci : ci + 1;
    const my = !c00 || !c10 ? cj : cj + 1;
    const si = mx === ci ? 1 : -1;
    const sj = my === cj ? 1 : -1;
    const g = (t: number) => si * (pi + di * t - mx) + sj * (pj + dj * t - my) - 1;
    const ga = g(ta);
    const gb = g(tb);
    const eps = 1e-12;
    if (ga < -eps && gb < -eps) return null;
    if (ga >= -eps && gb >= -eps) return [ta, tb];
    const tz = ta + ((tb - ta) * (0 - ga)) / (gb - ga);
    return ga >= -eps ? [ta, tz] : [tz, tb];
  };

  // One line per distinct offset along the long axis.
  const order = bi.map((_, p) => p);
  const offsetOf = (p: number) => bi[p] * sx * ux + bj[p] * (sy * cosIj * ux + sy * sinIj * uy);
  const offsets = order.map(offsetOf);
  order.sort((p, q) => offsets[p] - offsets[q]);

  let bestLen = 0;
  let bestA: [number, number] | null = null;
  let bestB: [number, number] | null = null;
  let lastOffset = -Infinity;
  const ts: number[] = [];
  for (const p of order) {
    if (offsets[p] - lastOffset < 1e-9) continue;
    lastOffset = offsets[p];
    const pi = bi[p];
    const pj = bj[p];
    const range: [number, number] = [-Infinity, Infinity];
    if (!clip(pi, di, i0, i1, range) || !clip(pj, dj, j0, j1, range)) continue;
    ts.length = 0;
    ts.push(range[0], range[1]);
    for (const [c, dc] of [[pi, di], [pj, dj]] as const) {
      if (Math.abs(dc) < 1e-12) continue;
      const ca = c + dc * range[0];
      const cb = c + dc * range[1];
      for (let n = Math.ceil(Math.min(ca, cb)); n <= Math.floor(Math.max(ca, cb)); n++) ts.push((n - c) / dc);
    }
    ts.sort((x, y) => x - y);

    let runStart = NaN;
    let runEnd = NaN;
    const closeRun = () => {
      if (runEnd - runStart > bestLen) {
        bestLen = runEnd - runStart;
        bestA = [pi + di * runStart, pj + dj * runStart];
        bestB = [pi + di * runEnd, pj + dj * runEnd];
      }
    };
    for (let n = 0; n + 1 < ts.length; n++) {
      const ta = ts[n];
      const tb = ts[n + 1];
      if (tb - ta < 1e-12) continue;
      const tm = (ta + tb) / 2;
      const fi = pi + di * tm;
      const fj = pj + dj * tm;
      // On a cell edge (an axis-aligned line through voxel centres) both neighbouring cells count.
      const cis = near(fi) ? [Math.round(fi) - 1, Math.round(fi)] : [Math.floor(fi)];
      const cjs = near(fj) ? [Math.round(fj) - 1, Math.round(fj)] : [Math.floor(fj)];
      let part: Interval = null;
      for (const ci of cis)
        for (const cj of cjs) {
          const q = cellPart(ci, cj, pi, pj, ta, tb);
          if (!q) continue;
          if (!part) part = q;
          else if (q[0] <= part[1] + 1e-9 && part[0] <= q[1] + 1e-9) part = [Math.min(part[0], q[0]), Math.max(part[1], q[1])];
          else if (q[1] - q[0] > part[1] - part[0]) part = q;
        }
      if (!part) continue;
      if (!Number.isNaN(runEnd) && part[0] - runEnd <= 1e-9) {
        runEnd = Math.max(runEnd, part[1]);
      } else {
        if (!Number.isNaN(runEnd)) closeRun();
        runStart = part[0];
        runEnd = part[1];
      }
    }
    if (!Number.isNaN(runEnd)) closeRun();
  }
  if (!bestA || !bestB || bestLen === 0) return degenerate();
  return { a: bestA, b: bestB, lengthMm: bestLen };
}

function angleBetweenDeg(geometry: VolumeGeometry, a0: Vec3, a1: Vec3, b0: Vec3, b1: Vec3): number {
  const u = indexToLps(geometry, a1).map((v, i) => v - indexToLps(geometry, a0)[i]);
  const v = indexToLps(geometry, b1).map((x, i) => x - indexToLps(geometry, b0)[i]);
  const nu = Math.hypot(u[0], u[1], u[2]);
  const nv = Math.hypot(v[0], v[1], v[2]);
  if (nu === 0 || nv === 0) return NaN;
  const c = Math.abs(u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (nu * nv);
  return (Math.acos(Math.min(1, c)) * 180) / Math.PI;
}

function measurementOn(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  box: VoxelBox,
  k: number,
  long: { d2: number; a: [number, number]; b: [number, number] },
  label: number | undefined,
  metric: PlaneMetric,
): BidirectionalMeasurement {
  const short = sliceShortAxis(mask, geometry, box, k, label, metric, long.a, long.b);
  const longAxisIjk: [Vec3, Vec3] = [[long.a[0], long.a[1], k], [long.b[0], long.b[1], k]];
  const shortAxisIjk: [Vec3, Vec3] = [[short.a[0], short.a[1], k], [short.b[0], short.b[1], k]];
  const longAxisLps: [Vec3, Vec3] = [indexToLps(geometry, longAxisIjk[0]), indexToLps(geometry, longAxisIjk[1])];
  const shortAxisLps: [Vec3, Vec3] = [indexToLps(geometry, shortAxisIjk[0]), indexToLps(geometry, shortAxisIjk[1])];
  return {
    sliceIndex: k,
    longAxisMm: Math.sqrt(long.d2),
    shortAxisMm: short.lengthMm,
    longAxisLps,
    shortAxisLps,
    longAxisIjk,
    shortAxisIjk,
    axesAngleDeg: angleBetweenDeg(geometry, longAxisIjk[0], longAxisIjk[1], shortAxisIjk[0], shortAxisIjk[1]),
    pointsLps: [longAxisLps[0], longAxisLps[1], shortAxisLps[0], shortAxisLps[1]],
  };
}

/**
 * The bidirectional measurement of a mask on the slice where its long axis is
 * largest, or null for an empty mask. Works inside the mask's bounding box.
 */
export function autoBidirectional(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  options: BidirectionalOptions = {},
): BidirectionalMeasurement | null {
  const { label } = options;
  const box = maskBoundingBox(mask, geometry, label);
  if (!box) return null;
  const metric = planeMetric(geometry);
  const rows = box.max[1] - box.min[1] + 1;
  const scratch: SliceScratch = { xs: new Int32Array(2 * rows), ys: new Int32Array(2 * rows) };

  let bestK = -1;
  let best: { d2: number; a: [number, number]; b: [number, number] } | null = null;
  let bestArea = -1;
  for (let k = box.min[2]; k <= box.max[2]; k++) {
    const long = sliceLongAxis(mask, geometry, box, k, label, metric, scratch);
    if (!long) continue;
    // Relative tie tolerance: equal diameters differ only by floating-point noise.
    const tie = best !== null && Math.abs(long.d2 - best.d2) <= 1e-9 * Math.max(1, best.d2);
    if (best === null || (!tie && long.d2 > best.d2)) {
      best = long;
      bestK = k;
      bestArea = -1;
    } else if (tie) {
      if (bestArea < 0) bestArea = sliceArea(mask, geometry, box, bestK, label);
      const area = sliceArea(mask, geometry, box, k, label);
      if (area > bestArea) {
        best = long;
        bestK = k;
        bestArea = area;
      }
    }
  }
  if (!best) return null;
  return measurementOn(mask, geometry, box, bestK, best, label, metric);
}

/** The bidirectional measurement on one given slice k (e.g. the slice on screen), or null when it has no inside voxel. */
export function bidirectionalOnSlice(
  mask: Uint8Array,
  geometry: VolumeGeometry,
  sliceIndex: number,
  options: BidirectionalOptions = {},
): BidirectionalMeasurement | null {
  const { label } = options;
  const [nx, ny, nz] = geometry.dims;
  if (!Number.isInteger(sliceIndex) || sliceIndex < 0 || sliceIndex >= nz) return null;
  const box: VoxelBox = { min: [0, 0, sliceIndex], max: [nx - 1, ny - 1, sliceIndex] };
  const metric = planeMetric(geometry);
  const scratch: SliceScratch = { xs: new Int32Array(2 * ny), ys: new Int32Array(2 * ny) };
  const long = sliceLongAxis(mask, geometry, box, sliceIndex, label, metric, scratch);
  if (!long) return null;
  return measurementOn(mask, geometry, box, sliceIndex, long, label, metric);
}

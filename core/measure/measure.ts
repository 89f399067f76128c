/**
 * Measurement geometry, library-neutral: every tool's points are patient LPS mm, the
 * numbers a radiologist reads (lengths, area, HU statistics) come from here.
 */
import type { HuStats, MeasurementKind, Vec3, VolumeGeometry } from '../api/types';
import { cross, dot, lpsToIndex, norm, normalize, sub } from '../dicom/geometry';
import { huStats } from '../volume/stats';

export type { MeasurementKind };

export interface MeasurementNumbers {
  longAxisMm: number | null;
  shortAxisMm: number | null;
  areaMm2: number | null;
  hu: HuStats | null;
}

export class MeasurementError extends Error {}

function distance(a: Vec3, b: Vec3): number {
  return norm(sub(a, b));
}

/** Points a tool needs: length 2, bidirectional 4 (long ends, short ends), ellipse 4 (two axis end pairs), freehand ≥ 3. */
export function validatePoints(kind: MeasurementKind, points: Vec3[]): void {
  const ok = (p: unknown) => Array.isArray(p) && p.length === 3 && p.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!Array.isArray(points) || !points.every(ok)) throw new MeasurementError(`${kind}: points must be [x, y, z] in LPS mm`);
  const need = { length: 2, bidirectional: 4, ellipse: 4, freehand: 3 }[kind];
  if (kind === 'freehand' ? points.length < need : points.length !== need) {
    throw new MeasurementError(`${kind} needs ${kind === 'freehand' ? 'at least ' : ''}${need} points, got ${points.length}`);
  }
}

/**
 * Polygon area in its own plane (Newell's method: half the norm of Σ pᵢ × pᵢ₊₁), for a
 * polygon drawn on one image.
 */
export function polygonAreaMm2(points: Vec3[]): number {
  let n: Vec3 = [0, 0, 0];
  for (let i = 0; i < points.length; i++) {
    const c = cross(points[i], points[(i + 1) % points.length]);
    n = [n[0] + c[0], n[1] + c[1], n[2] + c[2]];
  }
  return norm(n) / 2;
}

/** The plane of a drawn ROI: its centre and an orthonormal in-plane basis (u, v) and normal. */
function roiPlane(points: Vec3[]): { centre: Vec3; u: Vec3; v: Vec3; normal: Vec3 } {
  const centre: Vec3 = [0, 0, 0];
  for (const p of points) for (let i = 0; i < 3; i++) centre[i] += p[i] / points.length;
  let n: Vec3 = [0, 0, 0];
  for (let i = 0; i < points.length; i++) {
    const c = cross(sub(points[i], centre), sub(points[(i + 1) % points.length], centre));
    n = [n[0] + c[0], n[1] + c[1], n[2] + c[2]];
  }
  const normal = normalize(n);
  const u = normalize(sub(points[0], centre));
  const v = cross(normal, u);
  return { centre, u, v, normal };
}

/** Ellipse from two axis end pairs: centre, semi-axes (mm) and the directions of the axes. */
export function ellipseFromPoints(points: Vec3[]): { centre: Vec3; a: number; b: number; ua: Vec3; ub: Vec3 } {
  const [p0, p1, q0, q1] = points;
  const centre: Vec3 = [(p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2, (p0[2] + p1[2]) / 2];
  return {
    centre,
    a: distance(p0, p1) / 2,
    b: distance(q0, q1) / 2,
    ua: normalize(sub(p1, p0)),
    ub: normalize(sub(q1, q0)),
  };
}

function pointInPolygon2d(x: number, y: number, poly: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * HU statistics of the voxels whose centres lie inside an ellipse or freehand ROI drawn on
 * one image of the volume (the nearest slice to the ROI plane, along that plane's normal).
 */
export function roiHuStats(voxels: Int16Array, g: VolumeGeometry, kind: 'ellipse' | 'freehand', points: Vec3[]): HuStats {
  const [nx, ny, nz] = g.dims;
  const plane = kind === 'ellipse' ? null : roiPlane(points);
  const ellipse = kind === 'ellipse' ? ellipseFromPoints(points) : null;
  const poly2d: [number, number][] = plane
    ? points.map((p) => {
        const d = sub(p, plane.centre);
        return [dot(d, plane.u), dot(d, plane.v)];
      })
    : [];
  const inside = (p: Vec3): boolean => {
    if (ellipse) {
      const d = sub(p, ellipse.centre);
      const x = dot(d, ellipse.ua) / ellipse.a;
      const y = dot(d, ellipse.ub) / ellipse.b;
      return x * x + y * y <= 1;
    }
    const d = sub(p, plane!.centre);
    return pointInPolygon2d(dot(d, plane!.u), dot(d, plane!.v), poly2d);
  };

  // Voxel-index bounding box of the ROI (ellipse: its four axis ends span it).
  const corners: Vec3[] = ellipse
    ? [-1, 1].flatMap((sa) => [-1, 1].map((sb) => [0, 1, 2].map((i) => ellipse.centre[i] + sa * ellipse.a * ellipse.ua[i] + sb * ellipse.b * ellipse.ub[i]) as Vec3))
    : points;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const c of corners) {
    const ijk = lpsToIndex(g, c);
    for (let i = 0; i < 3; i++) {
      lo[i] = Math.min(lo[i], ijk[i]);
      hi[i] = Math.max(hi[i], ijk[i]);
    }
  }
  const clampLo = (v: number, n: number) => Math.max(0, Math.min(n - 1, Math.floor(v)));
  const clampHi = (v: number, n: number) => Math.max(0, Math.min(n - 1, Math.ceil(v)));
  const i0 = clampLo(lo[0], nx), i1 = clampHi(hi[0], nx);
  const j0 = clampLo(lo[1], ny), j1 = clampHi(hi[1], ny);
  // One image: the slice range collapses to the nearest slice of the ROI centre.
  const kc = Math.round((lo[2] + hi[2]) / 2);
  const k0 = Math.abs(hi[2] - lo[2]) < 0.5 ? kc : clampLo(lo[2], nz);
  const k1 = Math.abs(hi[2] - lo[2]) < 0.5 ? kc : clampHi(hi[2], nz);
  if (kc < 0 || kc >= nz) throw new MeasurementError('the ROI lies outside the volume');

  const values: number[] = [];
  const d = g.direction;
  const [sx, sy, sz] = g.spacingMm;
  for (let k = k0; k <= k1; k++)
    for (let j = j0; j <= j1; j++)
      for (let i = i0; i <= i1; i++) {
        const p: Vec3 = [
          g.originMm[0] + d[0] * i * sx + d[3] * j * sy + d[6] * k * sz,
          g.originMm[1] + d[1] * i * sx + d[4] * j * sy + d[7] * k * sz,
          g.originMm[2] + d[2] * i * sx + d[5] * j * sy + d[8] * k * sz,
        ];
        if (inside(p)) values.push(voxels[i + j * nx + k * nx * ny]);
      }
  if (values.length === 0) throw new MeasurementError('the ROI contains no voxel centre; draw it larger');
  return huStats(values);
}

/** The numbers of a measurement; HU statistics need the volume (ellipse and freehand only). */
export function measurementNumbers(kind: MeasurementKind, points: Vec3[], volume?: { voxels: Int16Array; geometry: VolumeGeometry }): MeasurementNumbers {
  validatePoints(kind, points);
  switch (kind) {
    case 'length':
      return { longAxisMm: distance(points[0], points[1]), shortAxisMm: null, areaMm2: null, hu: null };
    case 'bidirectional': {
      const longAxisMm = distance(points[0], points[1]);
      const shortAxisMm = distance(points[2], points[3]);
      if (shortAxisMm > longAxisMm + 1e-9) throw new MeasurementError(`the short axis (${shortAxisMm.toFixed(1)} mm) is longer than the long axis (${longAxisMm.toFixed(1)} mm)`);
      return { longAxisMm, shortAxisMm, areaMm2: null, hu: null };
    }
    case 'ellipse': {
      const e = ellipseFromPoints(points);
      return {
        longAxisMm: 2 * Math.max(e.a, e.b),
        shortAxisMm: 2 * Math.min(e.a, e.b),
        areaMm2: Math.PI * e.a * e.b,
        hu: volume ? roiHuStats(volume.voxels, volume.geometry, 'ellipse', points) : null,
      };
    }
    case 'freehand':
      return {
        longAxisMm: null,
        shortAxisMm: null,
        areaMm2: polygonAreaMm2(points),
        hu: volume ? roiHuStats(volume.voxels, volume.geometry, 'freehand', points) : null,
      };
  }
}

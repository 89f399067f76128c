/**
 * Linking two viewport groups (baseline and follow-up). Without registration the exams
 * are linked by table position: the slice at the same LPS z (head–feet) coordinate, each
 * group keeping its own in-plane position. A registration result plugs in as an affine
 * transform between the exams' patient coordinates, with no change to the callers
 * (features/followup chooses it from the stored registrations and its direction: a stored
 * registration maps baseline → follow-up, and either exam may be group a).
 */
import type { Vec3, VolumeGeometry } from '../../../core/api/types';
import { clampToVolume, dot, sub, viewFrame, volumeCenterLps, type SliceViewKind } from './viewGeometry';

/** How LPS mm of group a's exam maps to LPS mm of group b's exam. Plain data. */
export type ExamTransform =
  | { kind: 'tablePosition' }
  | {
      kind: 'affine';
      /** 4×4, row-major: [x_b, y_b, z_b, 1]ᵀ = M · [x_a, y_a, z_a, 1]ᵀ (LPS mm). */
      matrixAtoB: number[];
    };

export const TABLE_POSITION: ExamTransform = { kind: 'tablePosition' };

function applyAffine(m: number[], p: Vec3): Vec3 {
  return [
    m[0] * p[0] + m[1] * p[1] + m[2] * p[2] + m[3],
    m[4] * p[0] + m[5] * p[1] + m[6] * p[2] + m[7],
    m[8] * p[0] + m[9] * p[1] + m[10] * p[2] + m[11],
  ];
}

/** Inverse of a 4×4 row-major affine (last row 0 0 0 1). */
export function invertAffine(m: number[]): number[] {
  const [a, b, c, tx, d, e, f, ty, g, h, i, tz] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('the exam transform is singular');
  const r = [
    A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
    B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
    C / det, -(a * h - b * g) / det, (a * e - b * d) / det,
  ];
  const t = [tx, ty, tz];
  const rt = [0, 1, 2].map((row) => -(r[3 * row] * t[0] + r[3 * row + 1] * t[1] + r[3 * row + 2] * t[2]));
  return [r[0], r[1], r[2], rt[0], r[3], r[4], r[5], rt[1], r[6], r[7], r[8], rt[2], 0, 0, 0, 1];
}

/**
 * The cursor of the target group after the source group's cursor moved to `sourceLps`
 * (`direction` says which way across the pair). Table position: the target keeps its
 * in-plane point and takes the source's z. Always inside the target volume.
 */
export function syncedCursor(
  transform: ExamTransform,
  direction: 'aToB' | 'bToA',
  sourceLps: Vec3,
  targetCursorLps: Vec3,
  targetGeometry: VolumeGeometry,
): Vec3 {
  if (transform.kind === 'tablePosition') {
    return clampToVolume(targetGeometry, [targetCursorLps[0], targetCursorLps[1], sourceLps[2]]);
  }
  const m = direction === 'aToB' ? transform.matrixAtoB : invertAffine(transform.matrixAtoB);
  return clampToVolume(targetGeometry, applyAffine(m, sourceLps));
}

/**
 * The place in the target group's exam that corresponds to `sourceLps` (unclamped), or null
 * when the exams are linked by table position only (no registration: no corresponding place).
 */
export function correspondingPoint(transform: ExamTransform, direction: 'aToB' | 'bToA', sourceLps: Vec3): Vec3 | null {
  if (transform.kind !== 'affine') return null;
  return applyAffine(direction === 'aToB' ? transform.matrixAtoB : invertAffine(transform.matrixAtoB), sourceLps);
}

/** The pan (mm along screen right and up) that puts `lps` at the centre of a view. */
export function panToCentre(geometry: VolumeGeometry, kind: SliceViewKind, lps: Vec3): [number, number] {
  const frame = viewFrame(kind, geometry);
  const d = sub(lps, volumeCenterLps(geometry));
  return [dot(d, frame.right), dot(d, frame.up)];
}

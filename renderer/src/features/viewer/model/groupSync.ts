/**
 * Linking two viewport groups (baseline and follow-up). Without registration the exams
 * are linked by table position: the slice at the same LPS z (head–feet) coordinate, each
 * group keeping its own in-plane position. A registration result plugs in as an affine
 * transform between the exams' patient coordinates, with no change to the callers
 * (features/followup chooses it from the stored registrations and its direction: a stored
 * registration maps baseline → follow-up, and either exam may be group a).
 */
import type { Vec3, VolumeGeometry } from '../../../../../core/api/types';
import { dot, sub } from '../../../../../core/dicom/geometry';
import { applyMat4, invertMat4, type Mat4 } from '../../../../../core/registration/affine';
import { clampToVolume, viewFrame, volumeCenterLps, type SliceViewKind } from './viewGeometry';

/** How LPS mm of group a's exam maps to LPS mm of group b's exam. Plain data. */
export type ExamTransform =
  | { kind: 'tablePosition' }
  | {
      kind: 'affine';
      /** Row-major 4×4 (as the API sends a registration): [x_b, y_b, z_b, 1]ᵀ = M · [x_a, y_a, z_a, 1]ᵀ (LPS mm). */
      matrixAtoB: Mat4;
    };

export const TABLE_POSITION: ExamTransform = { kind: 'tablePosition' };

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
  const m = direction === 'aToB' ? transform.matrixAtoB : invertMat4(transform.matrixAtoB);
  return clampToVolume(targetGeometry, applyMat4(m, sourceLps));
}

/**
 * The place in the target group's exam that corresponds to `sourceLps` (unclamped), or null
 * when the exams are linked by table position only (no registration: no corresponding place).
 */
export function correspondingPoint(transform: ExamTransform, direction: 'aToB' | 'bToA', sourceLps: Vec3): Vec3 | null {
  if (transform.kind !== 'affine') return null;
  return applyMat4(direction === 'aToB' ? transform.matrixAtoB : invertMat4(transform.matrixAtoB), sourceLps);
}

/** The pan (mm along screen right and up) that puts `lps` at the centre of a view. */
export function panToCentre(geometry: VolumeGeometry, kind: SliceViewKind, lps: Vec3): [number, number] {
  const frame = viewFrame(kind, geometry);
  const d = sub(lps, volumeCenterLps(geometry));
  return [dot(d, frame.right), dot(d, frame.up)];
}
